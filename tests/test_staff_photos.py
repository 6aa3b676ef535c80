"""Photos of a fix: a grid worker uploads them from the phone and sends their ids with 办结 (or a
note); the resident sees them on the step they belong to, apart from their own photos."""
import datetime
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from cases import photos
from community.demo import DEMO_PASSWORD
from linli import config
from linli import storage
from models.cases import Case
from models.cases import CasePhoto
from models.db import utcnow
from models.staff_wechat import StaffUpload
from tests.support.settings import use_settings
from tests.test_staff_api import town  # noqa: F401, F811  (the fixture `street` builds on)


@pytest.fixture
def street(town, client):  # noqa: F811
    """(staff, report): report(openid, text) files a case in grid G1 as a new resident, and
    answers (their headers, its number)."""
    staff, resident = town

    def report(openid, text="1号楼1单元楼道灯坏了"):
        headers = resident(openid)
        filed = client.post("/api/mp/reports", headers=headers, json={"description": text})
        assert filed.status_code == 201, filed.json
        return headers, filed.json["number"]

    return staff, report


def _png(colour="green", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _upload(client, headers, data, name="fix.png", path="/api/mp/staff/uploads"):
    return client.post(path, headers=headers, data={"file": (io.BytesIO(data), name)})


def test_the_fix_photo_reaches_the_residents_case_apart_from_their_own(client, street):
    staff, report = street
    grid1 = staff("grid1")
    mine = _upload(client, grid1, _png())
    assert mine.status_code == 201, mine.json
    assert mine.json["url"].startswith("/media/fixes/") and (mine.json["width"], mine.json["height"]) == (40, 30)
    assert client.get(mine.json["url"]).status_code == 200
    lu, number = report("o-fix-lu")
    resolved = client.post("/api/mp/staff/cases/%s/resolve" % number, headers=dict(grid1, **{"Idempotency-Key": "r1"}),
                           json={"note": "灯泡已更换", "photo_ids": [mine.json["id"]]})
    assert resolved.status_code == 200 and resolved.json["state"] == "resolved", resolved.json
    detail = client.get("/api/mp/reports/" + number, headers=lu).json
    assert detail["fix_photos"] == [mine.json["url"]]
    assert detail["photos"] == []                       # not passed off as the reporter's own
    assert detail["timeline"][-1]["kind"] == "resolved" and detail["timeline"][-1]["photos"] == [mine.json["url"]]
    staff_view = client.get("/api/mp/staff/cases/" + number, headers=grid1).json
    assert staff_view["photos"] == [] and staff_view["timeline"][-1]["photos"] == [mine.json["url"]]
    # The retry of a lost answer: the same key acts once, the photo is shown once.
    again = client.post("/api/mp/staff/cases/%s/resolve" % number, headers=dict(grid1, **{"Idempotency-Key": "r1"}),
                        json={"note": "灯泡已更换", "photo_ids": [mine.json["id"]]})
    assert again.status_code == 200
    assert CasePhoto.select().where(CasePhoto.event.is_null(False)).count() == 1


def test_the_staff_detail_offers_photos_with_the_resolution(client, street):
    staff, report = street
    _, number = report("o-fix-offer")
    actions = client.get("/api/mp/staff/cases/" + number, headers=staff("grid1")).json["actions"]
    resolve = next(a for a in actions if a["name"] == "resolve")
    assert {"name": "photo_ids", "kind": "photos", "required": False, "hint": "处理后的照片"} in resolve["fields"]


def test_an_internal_notes_photos_stay_internal_and_a_public_ones_are_shown(client, street):
    staff, report = street
    grid1 = staff("grid1")
    lu, number = report("o-fix-notes")
    hidden, shown = (_upload(client, grid1, _png(c)).json for c in ("red", "blue"))
    assert client.post("/api/mp/staff/cases/%s/note" % number, headers=grid1,
                       json={"text": "配电箱内部情况", "public": False, "photo_ids": [hidden["id"]]}).status_code == 200
    assert client.post("/api/mp/staff/cases/%s/note" % number, headers=grid1,
                       json={"text": "已到现场", "public": True, "photo_ids": [shown["id"]]}).status_code == 200
    detail = client.get("/api/mp/reports/" + number, headers=lu).json
    assert detail["fix_photos"] == [shown["url"]]
    assert hidden["url"] not in str(detail)


def test_a_photo_already_shown_on_another_case_is_refused_and_the_case_stays_open(client, street):
    # The mistake: the phone keeps the last photo's id and sends it with the next case.
    staff, report = street
    grid1 = staff("grid1")
    photo = _upload(client, grid1, _png()).json["id"]
    _, first = report("o-fix-one", "2号楼门口积水很深")
    _, second = report("o-fix-two", "3号楼门口垃圾满了")
    assert client.post("/api/mp/staff/cases/%s/resolve" % first, headers=grid1,
                       json={"note": "已排水", "photo_ids": [photo]}).status_code == 200
    refused = client.post("/api/mp/staff/cases/%s/resolve" % second, headers=grid1,
                          json={"note": "已清运", "photo_ids": [photo]})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "bad_upload"
    case = Case.get(Case.number == second)
    assert case.state == "submitted" and not case.photos.exists()
    assert [e.kind for e in case.events] == ["submitted", "assigned"]      # the step was undone whole


def test_a_colleagues_or_a_residents_photo_id_takes_nothing(client, street):
    # The attack: ids are sequential, so a worker (or a script with their token) sends ids they
    # did not upload: a colleague's photo, or a resident's upload from the other table.
    staff, report = street
    grid1, grid2 = staff("grid1"), staff("grid2")
    theirs = _upload(client, grid2, _png("black")).json["id"]
    own = _upload(client, grid1, _png("yellow")).json["id"]
    resident = report("o-fix-photo")[0]
    resident_upload = [_upload(client, resident, _png(c), path="/api/mp/uploads").json["id"]
                       for c in ("white", "grey", "pink")][-1]
    assert StaffUpload.get_or_none(StaffUpload.id == resident_upload) is None    # no staff photo of that id
    _, number = report("o-fix-foreign")
    for ids in ([theirs], [resident_upload], [own, theirs]):
        refused = client.post("/api/mp/staff/cases/%s/resolve" % number, headers=grid1,
                              json={"note": "已处理", "photo_ids": ids})
        assert refused.status_code == 422 and refused.json["error"]["code"] == "bad_upload", ids
    assert Case.get(Case.number == number).state == "submitted"
    # All or nothing: their own photo was not taken by the refused step, and is still theirs to use.
    assert StaffUpload.get_by_id(own).case_id is None and StaffUpload.get_by_id(theirs).case_id is None
    assert client.post("/api/mp/staff/cases/%s/resolve" % number, headers=grid1,
                       json={"note": "已处理", "photo_ids": [own]}).status_code == 200


@pytest.mark.parametrize("payload, name, code, status", [
    (b"<?php system($_GET['c']); ?>", "shell.jpg", "not_an_image", 422),    # a script named .jpg
    (b"GIF89a" + b"\x00" * 100, "a.gif", "not_an_image", 422),            # a broken GIF
    (b"", "empty.jpg", "empty_file", 422),
])
def test_a_staff_upload_that_is_not_a_photo_is_refused(client, street, payload, name, code, status):
    staff, _ = street
    answer = _upload(client, staff("grid1"), payload, name)
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert StaffUpload.select().count() == 0


def test_an_oversized_staff_upload_is_413_unread_and_stores_nothing(client, street):
    staff, _ = street
    answer = _upload(client, staff("grid1"), b"\xff" * (11 * 1024 * 1024), "big.jpg")
    assert answer.status_code == 413
    assert StaffUpload.select().count() == 0


def test_only_staff_upload_fix_photos(client, street):
    # A resident's token on the staff route: refused before the file is read.
    _, report = street
    lu, _ = report("o-fix-sneak")
    assert _upload(client, lu, _png()).status_code == 401
    assert client.post("/api/mp/staff/uploads", data={"file": (io.BytesIO(_png()), "a.png")}).status_code == 401
    assert StaffUpload.select().count() == 0


def test_a_fix_photo_no_step_took_is_pruned_after_a_day_and_a_shown_one_kept(client, street):
    # The mistake: a worker photographs, then never presses 办结; the file must not stay forever.
    staff, report = street
    grid1 = staff("grid1")
    kept, orphan = (_upload(client, grid1, _png(c)).json for c in ("red", "blue"))
    _, number = report("o-fix-prune")
    client.post("/api/mp/staff/cases/%s/resolve" % number, headers=grid1,
                json={"note": "好了", "photo_ids": [kept["id"]]})
    media = config.active().MEDIA_DIR
    later = utcnow() + photos.ORPHAN_GRACE + datetime.timedelta(minutes=1)
    assert photos.prune_orphans(storage.active(), now=later) == 1
    assert [u.id for u in StaffUpload.select()] == [kept["id"]]
    assert not (Path(media) / orphan["url"][len("/media/"):]).exists()
    assert client.get(kept["url"]).status_code == 200


def test_the_console_shows_the_fix_on_its_step_not_among_the_reporters_photos(client, street):
    staff, report = street
    grid1 = staff("grid1")
    fix = _upload(client, grid1, _png()).json
    _, number = report("o-fix-console")
    client.post("/api/mp/staff/cases/%s/resolve" % number, headers=grid1,
                json={"note": "好了", "photo_ids": [fix["id"]]})
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False
    login = client.get("/console/login").get_data(as_text=True)
    client.post("/console/login", data={"username": "grid1", "password": DEMO_PASSWORD,
                                        "csrf": re.search(r'name="csrf" value="([^"]+)"', login).group(1)})
    page = client.get("/console/cases/" + number).get_data(as_text=True)
    assert '<img src="%s" alt="处理照片">' % fix["url"] in page
    assert "现场照片" not in page
    assert 'name="photo_ids"' not in page           # the console offers no photo field it cannot fill
