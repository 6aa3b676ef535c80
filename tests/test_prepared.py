"""models/sql.py: statements composed once and run again with other values must answer exactly
what the peewee query would, joined models included, on both databases."""
from peewee import JOIN

from models.community import Building
from models.community import Community
from models.db import db
from models.people import Resident
from models.sql import Prepared
from models.sql import insert

_WITH_BUILDING = Prepared(lambda openid: Resident.select(Resident, Building).join(Building, JOIN.LEFT_OUTER)
                          .where(Resident.oa_openid == openid).limit(1), "\x00openid")


def test_a_prepared_query_answers_as_peewee_on_every_run(database):
    # The column-to-model mapping is kept from the first run that returned a row: a mapping
    # kept from the wrong statement, or from a run with no row, would give wrong objects here.
    community = Community.create(code="c", name="社区")
    building = Building.create(community=community, name="3号楼")
    Resident.create(oa_openid="o-with", building=building, community=community)
    Resident.create(oa_openid="o-without")
    assert _WITH_BUILDING.first("o-nobody") is None              # a first run with no row
    for _ in range(2):
        found = _WITH_BUILDING.first("o-with")
        assert (found.oa_openid, found.building.name, found.community_id) == ("o-with", "3号楼", community.id)
        alone = _WITH_BUILDING.first("o-without")
        assert alone.oa_openid == "o-without" and alone.building is None
        assert not alone._dirty and not found._dirty           # as read, nothing to save
    expected = (Resident.select(Resident, Building).join(Building, JOIN.LEFT_OUTER)
                .where(Resident.oa_openid == "o-with").get())
    assert found.__data__ == expected.__data__ and found.building.__data__ == expected.building.__data__


def test_insert_fills_the_models_defaults_and_refuses_a_conflict_quietly(database):
    community_id = insert(Community, {"code": "c1", "name": "社区"})
    row = Community.get_by_id(community_id)
    assert row.code == "c1"
    with db.atomic():
        assert insert(Community, {"code": "c1", "name": "又一个"}, conflict_target=["code"]) is None
    assert Community.select().count() == 1
