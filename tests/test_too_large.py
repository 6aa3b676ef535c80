"""An over-size upload is refused in the reader's language on every route (linli.errors): the
console's own error page, the API's error format. The mistake it stands for: Werkzeug's raw
English "Request Entity Too Large" shown to a unit leader recording a voice at the door, and to
the mini-program as text it cannot read as an error."""
import io

from community.demo import DEMO_PASSWORD
from tests.test_console_consultations import estate  # noqa: F401  (the fixture)
from tests.test_console_consultations import opened
from tests.test_console_consultations import votes

MB = 1024 * 1024


def test_the_console_door_page_answers_an_over_size_paper_with_its_own_chinese_page(client, estate):  # noqa: F811
    strip = opened(client, estate)
    before = votes()
    answer = client.post("/console/door/%d" % strip.id, content_type="multipart/form-data", data={
        "csrf": estate["csrf"]("/console/"), "household_id": str(estate["rooms"][0].id), "choice": "0",
        "photo": (io.BytesIO(b"\xff" * (17 * MB)), "paper.jpg")})          # the app's limit is 16 MB
    page = answer.get_data(as_text=True)
    assert answer.status_code == 413 and answer.mimetype == "text/html"
    assert "文件过大，请压缩后重试（不超过 16 MB）" in page and "出错了" in page and "返回工作台" in page
    assert "Too Large" not in page
    assert votes() == before


def test_the_api_answers_an_over_size_paper_in_its_error_format(client, estate):  # noqa: F811
    strip = opened(client, estate)
    token = client.post("/api/mp/staff/login", json={"username": "danyuan1", "password": DEMO_PASSWORD}).json["token"]
    before = votes()
    answer = client.post("/api/mp/staff/consultations/%d/door/paper" % strip.id,
                         headers={"Authorization": "Bearer " + token}, content_type="multipart/form-data",
                         data={"household_id": str(estate["rooms"][0].id), "choice": "0",
                               "photo": (io.BytesIO(b"\xff" * (12 * MB)), "paper.jpg")})
    assert answer.status_code == 413
    # The route's own limit (one photo, 10 MB), not the app's.
    assert answer.json == {"error": {"code": "too_large", "message": "文件过大，请压缩后重试（不超过 10 MB）"}}
    assert votes() == before


def test_a_residents_over_size_photo_gets_the_same_answer(client, emulator, estate):  # noqa: F811
    token = client.post("/api/mp/login", json={"code": emulator.login_code("o-huge")}).json["token"]
    answer = client.post("/api/mp/uploads", headers={"Authorization": "Bearer " + token},
                         data={"file": (io.BytesIO(b"\xff" * (11 * MB)), "big.jpg")})
    assert answer.status_code == 413 and answer.json["error"]["code"] == "too_large"
