"""A resident chooses their address from the community's places: communities, then estates →
buildings → units (or the building a scanned QR names) → the unit's rooms, then claims it with
PUT /me/address. Public, cacheable, and nothing about any person."""
import json

import pytest

from community.demo import FLOORS
from community.demo import ROOMS_PER_FLOOR
from community.demo import seed_demo
from community.demo import seed_second_community
from models.community import Building
from models.community import Community
from models.community import Unit
from models.households import Household
from models.people import Resident
from tests.support.settings import use_settings


def test_a_resident_finds_their_building_and_unit_and_claims_that_address(client, database, emulator):
    seed_demo()
    communities = client.get("/api/mp/communities").json
    assert [c["code"] for c in communities] == ["bajiazhuang"]
    tree = client.get("/api/mp/communities/bajiazhuang/structure").json
    assert tree["community"] == {"code": "bajiazhuang", "name": "八家庄社区"}
    assert len(tree["estates"]) == 6
    assert sum(len(e["buildings"]) for e in tree["estates"]) == Building.select().count() == 39
    estate = next(e for e in tree["estates"] if e["name"] == "丰泽园小区")
    building, unit = estate["buildings"][0], estate["buildings"][0]["units"][1]
    token = client.post("/api/mp/login", json={"code": emulator.login_code("o-places")}).json["token"]
    answer = client.put("/api/mp/me/address", headers={"Authorization": "Bearer " + token},
                        json={"building_id": building["id"], "unit_id": unit["id"], "room": "502"})
    assert answer.status_code == 200
    resident = Resident.get(Resident.mp_openid == "o-places")
    assert (resident.building_id, resident.unit_id, resident.room) == (building["id"], unit["id"], "502")


def test_a_scanned_building_names_its_community_estate_and_units(client, database):
    seed_demo()
    building = Building.select().order_by(Building.id).first()
    place = client.get("/api/mp/buildings/%d" % building.id).json
    assert place["label"] == building.label and place["community"]["code"] == "bajiazhuang"
    assert [u["id"] for u in place["units"]] == [u.id for u in building.units]
    # A building taken out of use is no longer offered, on its own or in the tree.
    Building.update(active=False).where(Building.id == building.id).execute()
    assert client.get("/api/mp/buildings/%d" % building.id).status_code == 404
    tree = client.get("/api/mp/communities/bajiazhuang/structure").json
    assert building.id not in [b["id"] for e in tree["estates"] for b in e["buildings"]]


def _signed_in(client, emulator, openid):
    token = client.post("/api/mp/login", json={"code": emulator.login_code(openid)}).json["token"]
    return {"Authorization": "Bearer " + token}


def _first_units():
    """丰泽园小区 1号楼's 1单元 and 2单元, and 2号楼's 1单元."""
    first, second = Building.select().order_by(Building.id)[:2]
    one, two = first.units.order_by(Unit.id)[:2]
    return one, two, second.units.order_by(Unit.id).first()


def test_a_resident_chooses_their_room_from_the_units_rooms_and_me_says_it(client, database, emulator):
    seed_demo()
    unit, _, _ = _first_units()
    listed = client.get("/api/mp/units/%d/rooms" % unit.id)
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "public, max-age=300"
    assert listed.json["unit"] == {"id": unit.id, "name": unit.name, "building_id": unit.building_id,
                                   "building": unit.building.label}
    rooms = listed.json["rooms"]
    assert len(rooms) == FLOORS * ROOMS_PER_FLOOR
    assert [r["room"] for r in rooms[:5]] == ["101", "102", "103", "104", "201"]      # door order
    chosen = next(r for r in rooms if r["room"] == "502")
    headers = _signed_in(client, emulator, "o-rooms")
    answer = client.put("/api/mp/me/address", headers=headers,
                        json={"building_id": unit.building_id, "unit_id": unit.id, "household_id": chosen["id"]})
    assert answer.status_code == 200
    assert answer.json["address"]["household_id"] == chosen["id"]
    resident = Resident.get(Resident.mp_openid == "o-rooms")
    assert (resident.unit_id, resident.household_id, resident.room) == (unit.id, chosen["id"], "502")
    # Staff correct the door's label later: the resident's address says the room as kept now.
    Household.update(room="502A").where(Household.id == chosen["id"]).execute()
    address = client.get("/api/mp/me", headers=headers).json["address"]
    assert address["room"] == "502A" and address["label"].endswith("%s 502A" % unit.name)


def test_a_typed_room_is_kept_for_a_unit_without_rooms_to_choose(client, database, emulator):
    # 光熙门北里北 has no households loaded: its units list no rooms, and the room is typed.
    seed_demo()
    seed_second_community()
    unit = (Unit.select().join(Building).join(Community).where(Community.code == "guangximen")
            .order_by(Unit.id).first())
    assert client.get("/api/mp/units/%d/rooms" % unit.id).json["rooms"] == []
    answer = client.put("/api/mp/me/address", headers=_signed_in(client, emulator, "o-typed"),
                        json={"building_id": unit.building_id, "unit_id": unit.id, "room": " 3-201 "})
    assert answer.status_code == 200
    assert (answer.json["address"]["room"], answer.json["address"]["household_id"]) == ("3-201", None)


@pytest.mark.parametrize("mistake, code", [
    ("another unit of the building", "household_not_in_unit"),     # a stale list after changing the unit
    ("another building's unit", "household_not_in_unit"),          # a forged or mixed-up request
    ("an unknown id", "unknown_household"),                        # a room since removed, or a guessed id
    ("a negative id", "unknown_household"),
])
def test_a_room_that_is_not_of_the_chosen_unit_is_refused_and_nothing_changes(client, database, emulator,
                                                                              mistake, code):
    seed_demo()
    unit, sibling, elsewhere = _first_units()
    household_id = {"another unit of the building": Household.get(Household.unit == sibling).id,
                    "another building's unit": Household.get(Household.unit == elsewhere).id,
                    "an unknown id": 999999, "a negative id": -1}[mistake]
    headers = _signed_in(client, emulator, "o-mistake")
    before = client.get("/api/mp/me", headers=headers).json["address"]
    answer = client.put("/api/mp/me/address", headers=headers,
                        json={"building_id": unit.building_id, "unit_id": unit.id, "household_id": household_id})
    assert answer.status_code == 422 and answer.json["error"]["code"] == code
    assert client.get("/api/mp/me", headers=headers).json["address"] == before
    assert Resident.get(Resident.mp_openid == "o-mistake").household_id is None


def test_a_chosen_room_without_a_unit_names_its_unit(client, database, emulator):
    # The room is the unit's: an older client that sends only the building still files the unit.
    seed_demo()
    unit, _, _ = _first_units()
    household = Household.get((Household.unit == unit) & (Household.room == "301"))
    answer = client.put("/api/mp/me/address", headers=_signed_in(client, emulator, "o-nounit"),
                        json={"building_id": unit.building_id, "household_id": household.id, "room": "999"})
    assert answer.status_code == 200
    assert answer.json["address"].items() >= {"unit_id": unit.id, "household_id": household.id, "room": "301"}.items()


def test_rooms_of_an_unknown_unit_or_a_building_out_of_use_are_404(client, database):
    seed_demo()
    unit, _, _ = _first_units()
    assert client.get("/api/mp/units/999999/rooms").status_code == 404
    assert client.get("/api/mp/units/99999999999/rooms").status_code == 404
    Building.update(active=False).where(Building.id == unit.building_id).execute()
    assert client.get("/api/mp/units/%d/rooms" % unit.id).json["error"]["code"] == "not_found"


def test_places_carry_no_personal_data(client, database):
    # The listing is public: a scraper must learn nothing about who lives where or who serves.
    seed_demo()
    seed_second_community()
    body = json.dumps([client.get("/api/mp/communities").json,
                       client.get("/api/mp/communities/bajiazhuang/structure").json,
                       client.get("/api/mp/communities/guangximen/structure").json,
                       client.get("/api/mp/buildings/1").json], ensure_ascii=False)
    for person in Resident.select():
        assert person.nickname not in body
    assert "139" not in body and "phone" not in body and "room" not in body
    # A unit's rooms are door labels: not who lives there, their area or whether they own it.
    unit = Resident.get(Resident.household.is_null(False)).unit
    rooms = client.get("/api/mp/units/%d/rooms" % unit.id).json
    assert {key for room in rooms["rooms"] for key in room} == {"id", "room"}
    assert set(rooms["unit"]) == {"id", "name", "building_id", "building"}


def test_a_cached_copy_is_answered_304_until_the_places_change(client, database):
    seed_demo()
    first = client.get("/api/mp/communities/bajiazhuang/structure")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    tag = first.headers["ETag"]
    again = client.get("/api/mp/communities/bajiazhuang/structure", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    Building.update(name="1号楼（东）").where(Building.id == 1).execute()
    changed = client.get("/api/mp/communities/bajiazhuang/structure", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_unknown_places_are_404_and_ids_beyond_the_database_too(client, database):
    # A mistyped community code, or a building id past 32 bits from a forged QR scene.
    seed_demo()
    assert client.get("/api/mp/communities/nowhere/structure").json["error"]["code"] == "not_found"
    assert client.get("/api/mp/buildings/999999").status_code == 404
    assert client.get("/api/mp/buildings/99999999999").status_code == 404


def test_staff_print_each_buildings_mini_program_code_and_its_scene_finds_the_building(client, console, emulator):
    # The printed code at a unit's door opens the mini-program on the address page with the
    # building in `scene`; the page asks /api/mp/buildings/<id> for its units.
    sign_in, _ = console
    seed_second_community()
    sign_in("tianbing")
    ours = Building.select().join(Community).where(Community.code == "bajiazhuang").order_by(Building.id)
    page = client.get("/console/community/wxacodes").get_data(as_text=True)
    assert page.count("<figure>") == ours.count() == 39
    building = ours.first()
    image = client.get("/console/community/wxacodes/%d.png" % building.id)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    call = emulator.calls("wxa/getwxacodeunlimit")[-1]
    assert (call.body["scene"], call.body["page"]) == ("b=%d" % building.id, "pages/address/index")
    scanned = int(call.body["scene"].partition("=")[2])
    assert client.get("/api/mp/buildings/%d" % scanned).json["label"] == building.label
    # Another community's building is not theirs to print, and WeChat is not asked for it.
    theirs = Building.select().join(Community).where(Community.code == "guangximen").first()
    assert client.get("/console/community/wxacodes/%d.png" % theirs.id).status_code == 404
    assert len(emulator.calls("wxa/getwxacodeunlimit")) == 1
    sign_in("grid1")                                        # not a manager: no printing
    assert client.get("/console/community/wxacodes").status_code == 403


def test_when_wechat_refuses_a_code_the_page_says_so_instead_of_failing(client, console, emulator):
    # WeChat's daily quota for the mini-program (45009) or an outage: a clear 502, no 500.
    sign_in, _ = console
    sign_in("tianbing")
    emulator.fail(45009, "wxa/getwxacodeunlimit")
    answer = client.get("/console/community/wxacodes/1.png")
    assert answer.status_code == 502
    assert client.get("/console/community/wxacodes/1.png").status_code == 200      # once it recovers


def test_with_no_mini_program_configured_the_code_page_says_so_instead_of_failing(client, console):
    # A fresh deployment without MINIPROGRAM_APPID: the manager reads why, the server does not 500.
    sign_in, _ = console
    sign_in("tianbing")
    use_settings(MINIPROGRAM_APPID="", MINIPROGRAM_SECRET="")
    answer = client.get("/console/community/wxacodes/1.png")
    assert answer.status_code == 503 and "尚未配置" in answer.get_data(as_text=True)
