"""Migrations from an empty database, on SQLite and on PostgreSQL."""
import peewee
import pytest
from playhouse.migrations import Migration
from playhouse.schema_diff import diff_models

from models import ALL_MODELS
from models.community import Community
from models.db import MIGRATIONS_DIR
from models.db import connected
from models.db import db
from models.db import init_db
from models.db import pending_migrations
from models.db import schema_problem
from models.db import upgrade
from models.people import RoleAssignment
from models.people import Staff


def test_upgrade_from_empty_creates_every_table_and_is_then_a_no_op(empty_database_url):
    init_db(empty_database_url)
    every = [m.name for m in Migration.load_directory(MIGRATIONS_DIR)]
    assert every[:2] == ["0001_initial", "0002_account_and_reports"]
    assert pending_migrations() == every
    assert "pending: 0001_initial" in schema_problem()
    assert upgrade() == every
    assert upgrade() == []
    assert schema_problem() is None
    with connected():
        tables = set(db.get_tables())
    assert {m._meta.table_name for m in ALL_MODELS} <= tables


def test_migrated_schema_matches_the_models(empty_database_url):
    # A model changed without a migration (or the reverse) is caught here, on both databases.
    init_db(empty_database_url)
    upgrade()
    with connected():
        drift = diff_models(db.obj, ALL_MODELS)
    assert not drift, str(drift)


def test_schema_rejects_a_role_outside_the_list(database):
    # The enumerations are CHECK constraints in the schema, not only Python tuples.
    community = Community.create(code="c", name="社区")
    staff = Staff.create(username="u", name="n", password_hash="x")
    with pytest.raises(peewee.IntegrityError):
        with db.atomic():
            RoleAssignment.insert(staff=staff, role="mayor", community=community,
                                  scope_key="community:1").execute()


def test_the_same_role_cannot_be_assigned_twice_to_one_scope(database):
    community = Community.create(code="c", name="社区")
    staff = Staff.create(username="u", name="n", password_hash="x")
    RoleAssignment.create(staff=staff, role="editor", community=community, scope_key="community:1")
    with pytest.raises(peewee.IntegrityError):
        with db.atomic():
            RoleAssignment.create(staff=staff, role="editor", community=community,
                                  scope_key="community:1")
