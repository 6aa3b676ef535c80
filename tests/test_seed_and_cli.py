"""The demo community and the CLI commands, through Flask's CLI runner."""
import pytest
from werkzeug.security import generate_password_hash

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from community.staff import verify_password
from decisions import consultations
from decisions.demo import QUESTION
from decisions.demo import seed_demo_consultation
from models.community import Building
from models.community import Estate
from models.community import Grid
from models.community import Unit
from models.db import utcnow
from models.decisions import Consultation
from models.decisions import Vote
from models.households import Household
from models.people import ROLES
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff


def _counts():
    return {m.__name__: m.select().count() for m in (Estate, Building, Unit, Grid, Staff, RoleAssignment)}


def test_demo_community_has_the_shape_of_bajiazhuang(database):
    summary = seed_demo()
    assert (summary["estates"], summary["buildings"]) == (6, 39)      # 八家庄's estates and buildings
    assert (summary["units"], summary["households"]) == (117, 3312)   # seed 004's count of households
    assert {r.role for r in RoleAssignment.select()} == set(ROLES)    # staff of every role
    for grid in Grid.select():
        assert RoleAssignment.select().where((RoleAssignment.grid == grid)
                                             & (RoleAssignment.role == "grid_worker")).exists()
        assert grid.buildings.count() > 0


def test_seeding_again_changes_nothing_and_keeps_changed_passwords(database):
    seed_demo()
    before = _counts()
    staff = Staff.get(Staff.username == "grid1")
    staff.password_hash = generate_password_hash("changed-by-grid-worker")
    staff.save()
    seed_demo()
    assert _counts() == before
    assert verify_password(Staff.get(Staff.username == "grid1"), "changed-by-grid-worker")
    assert verify_password(Staff.get(Staff.username == "tianbing"), DEMO_PASSWORD)


def test_the_demo_consultation_is_seeded_once_with_its_voices_counted(database):
    # The mistakes it stands for: seed-demo run at every `make run` opening the green strip
    # again, or casting a second voice for a household; and the unit tests' seed_demo() opening
    # it (they count consultations).
    seed_demo()
    assert Consultation.select().count() == 0
    first = seed_demo_consultation()
    again = seed_demo_consultation()
    assert first["created"] and not again["created"] and first["consultation"] == again["consultation"]
    assert (first["online"], first["at_door"]) == (again["online"], again["at_door"]) == (8, 5)
    consultation = Consultation.get()
    assert (Consultation.select().count(), consultation.question, consultation.scope, consultation.rule) == (
        1, QUESTION, "estate", "owners_art278_major")
    assert consultation.estate.name == "丰泽园小区" and consultation.state == "open"
    assert consultation.opens_at < utcnow() < consultation.closes_at                  # taking voices now
    votes = list(Vote.select().where(Vote.consultation == consultation))
    assert len(votes) == len({v.household_id for v in votes}) == 13                 # one voice per household
    # Every voice is an owner's of the estate, online by one of its members or at the door by
    # the unit leader of 1号楼1单元, the one unit danyuan1 leads.
    for vote in votes:
        home = Household.get_by_id(vote.household_id)
        assert home.occupancy == "owner" and home.unit.building.estate_id == consultation.estate_id
        if vote.recorded_by_id:
            assert vote.recorded_by.username == "danyuan1" and home.unit_id == vote.recorded_by.roles.get().unit_id
        else:
            assert Resident.get_by_id(vote.resident_id).household_id == home.id
    # The tally is what was inserted, option by option.
    tally = consultations.tally(consultation)
    assert tally.choices == {v.household_id: v.choice for v in votes}
    assert [sum(1 for c in tally.choices.values() if c == n) for n in range(3)] == [10, 2, 1]


def test_db_status_exits_1_while_pending_and_0_when_current(app, empty_database_url):
    from models.db import init_db
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "status"]).exit_code == 0
    init_db(empty_database_url)
    pending = runner.invoke(args=["db", "status"])
    assert pending.exit_code == 1 and "[ ] 0001_initial" in pending.output
    assert "applied 0001_initial" in runner.invoke(args=["db", "upgrade"]).output
    assert runner.invoke(args=["db", "status"]).exit_code == 0


@pytest.mark.slow
def test_seed_demo_command(app, database):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "buildings=39" in result.output and "second community" not in result.output
    assert "live consultation" in result.output and Consultation.select().count() == 1
    result = app.test_cli_runner().invoke(args=["seed-demo", "--second-community"])
    assert "buildings=39" in result.output and "second community ready: community=光熙门北里北社区" in result.output
    assert Staff.get(Staff.username == "gx_grid1").roles.first().community.code == "guangximen"


def test_create_staff_with_roles(app, database):
    seed_demo()
    result = app.test_cli_runner().invoke(args=[
        "create-staff", "--username", "newgrid", "--name", "新网格员",
        "--role", "grid_worker:bajiazhuang/G2", "--role", "editor:bajiazhuang",
        "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    staff = Staff.get(Staff.username == "newgrid")
    assert sorted(r.role for r in staff.roles) == ["editor", "grid_worker"]
    assert verify_password(staff, "a-long-password")


def test_create_staff_with_a_bad_role_creates_nothing(app, database):
    # The mistake: a typo in the grid code. The account must not be left half-made.
    seed_demo()
    result = app.test_cli_runner().invoke(args=[
        "create-staff", "--username", "typo", "--name", "某人",
        "--role", "grid_worker:bajiazhuang/G9", "--password", "a-long-password"])
    assert result.exit_code != 0
    assert "no grid 'G9'" in result.output
    assert not Staff.select().where(Staff.username == "typo").exists()


def test_create_staff_refuses_weak_password_and_taken_username(app, database):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-staff", "--username", "u1", "--name", "n", "--password", "short"])
    assert weak.exit_code != 0 and "密码至少" in weak.output
    runner.invoke(args=["create-staff", "--username", "u1", "--name", "n", "--password", "long-enough-1"])
    taken = runner.invoke(args=["create-staff", "--username", "u1", "--name", "n", "--password", "long-enough-2"])
    assert taken.exit_code != 0 and "用户名已存在" in taken.output


def test_role_must_match_its_scope(database):
    import pytest

    from community.staff import StaffError
    from community.staff import assign_role
    seed_demo()
    staff = Staff.get(Staff.username == "editor")
    with pytest.raises(StaffError, match="grid"):
        assign_role(staff, "grid_worker", staff.roles[0].community)


def test_staff_link_command_prints_a_one_time_link(app, database):
    """Bootstrapping a manager without a password typed in clear: the CLI prints a link."""
    from community.staff import link_holder
    seed_demo()
    result = app.test_cli_runner().invoke(args=["staff-link", "tianbing"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().rsplit("/console/welcome/", 1)[1]
    assert link_holder(token).username == "tianbing"
    assert app.test_cli_runner().invoke(args=["staff-link", "nobody"]).exit_code == 1
