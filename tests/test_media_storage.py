"""Media on object storage beside MEDIA_DIR (issue 21 item 6): every photo goes through
linli.storage to the local folder or to an S3-compatible bucket, here a real one (moto's S3 over
HTTP, tests/support/s3_server.py), and comes back through the link the API or the console page
gives. Private photos (residents' reports, fixes, signed vote papers) are reached only through
signed, short-lived links handed out after the app's own checks."""
import io
import re
import socket
import uuid
from pathlib import Path
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest
import requests
from PIL import Image

from account import articles
from account import media
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from linli import clock
from linli import config
from linli import storage
from linli.config import ConfigError
from linli.config import Settings
from models.account import InboundMessage
from models.cases import Case
from models.community import Building
from models.decisions import Vote
from models.miniprogram import Upload
from models.people import Resident
from tests.support import s3_server
from tests.support.console import signed_in_console
from tests.support.settings import use_settings
from tests.support.wechat_push import WeChat
from tests.test_console_consultations import estate  # noqa: F401  (fixture)
from tests.test_console_consultations import opened
from tests.test_staff_api import town  # noqa: F401, F811  (fixture)


@pytest.fixture(scope="session")
def s3_running():
    with s3_server.running() as server:
        yield server


@pytest.fixture
def s3(s3_running, monkeypatch, tmp_path):
    s3_server.environment(monkeypatch, tmp_path)
    s3_running.reset_clock()
    yield s3_running
    s3_running.reset_clock()


def on_s3(server, bucket=None, endpoint=None):
    """This process's media moved to `bucket` (a new one by default) of the test server."""
    return use_settings(MEDIA_BACKEND="s3", MEDIA_S3_BUCKET=bucket or server.new_bucket(),
                        MEDIA_S3_ENDPOINT_URL=endpoint or server.endpoint, MEDIA_S3_REGION=s3_server.REGION,
                        MEDIA_S3_ADDRESSING="path")


@pytest.fixture(params=["local", "s3"])
def backend(request, client, s3):
    if request.param == "s3":
        on_s3(s3)
    return request.param


def _png(colour="green", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def fetch(client, url):
    """(status, body) of a link followed as a phone or a browser would: the app's own paths
    through the test client (a redirect followed), an absolute link (the bucket's) over HTTP."""
    if url.startswith("/"):
        answer = client.get(url)
        if answer.status_code in (301, 302, 303, 307):
            return fetch(client, answer.headers["Location"])
        return answer.status_code, answer.data
    answer = requests.get(url, timeout=10)
    return answer.status_code, answer.content


def _stored(key):
    """Where `key` is kept: ('disk', path) or ('bucket', its content type)."""
    settings = config.active()
    if settings.MEDIA_BACKEND == "s3":
        head = s3_server.client(settings.MEDIA_S3_ENDPOINT_URL)
        return "bucket", head.head_object(Bucket=settings.MEDIA_S3_BUCKET, Key=key)["ContentType"]
    return "disk", Path(settings.MEDIA_DIR, key).is_file()


def _report(client, headers, photo_ids=(), text="3号楼门口的井盖松了"):
    return client.post("/api/mp/reports", headers=headers, json={"description": text, "photo_ids": list(photo_ids)})


def test_a_report_photo_is_stored_and_shown_back_through_the_link_the_api_gives(client, town, backend, s3):  # noqa: F811
    _, resident = town
    lu = resident("o-media-lu")
    uploaded = client.post("/api/mp/uploads", headers=lu, data={"file": (io.BytesIO(_png()), "p.png")})
    assert uploaded.status_code == 201, uploaded.json
    filed = _report(client, lu, [uploaded.json["id"]])
    assert filed.status_code == 201, filed.json
    [link] = client.get("/api/mp/reports/" + filed.json["number"], headers=lu).json["photos"]
    status, body = fetch(client, link)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (40, 30)
    key = Upload.get_by_id(uploaded.json["id"]).path
    assert key.startswith("reports/")
    if backend == "s3":
        assert _stored(key) == ("bucket", "image/jpeg")
        assert not Path(config.active().MEDIA_DIR, key).exists()          # nothing kept on this host
        # The mistake: a private photo at a bare path. Neither the app nor the bucket serves it so.
        assert link.startswith(s3.endpoint) and "X-Amz-Signature=" in link
        assert client.get("/media/" + key).status_code == 404
        assert requests.get("%s/%s/%s" % (s3.endpoint, config.active().MEDIA_S3_BUCKET, key),
                            timeout=10).status_code == 403
    else:
        assert _stored(key) == ("disk", True) and link == "/media/" + key            # today's behaviour


def test_a_fix_photo_reaches_the_resident_through_the_store(client, town, backend):  # noqa: F811
    staff, resident = town
    grid1, lu = staff("grid1"), resident("o-media-fix")
    number = _report(client, lu).json["number"]
    fix = client.post("/api/mp/staff/uploads", headers=grid1,
                      data={"file": (io.BytesIO(_png("red", (30, 20))), "f.png")})
    assert fix.status_code == 201, fix.json
    assert fetch(client, fix.json["url"])[0] == 200                        # the worker sees their own upload
    resolved = client.post("/api/mp/staff/cases/%s/resolve" % number, headers=dict(grid1, **{"Idempotency-Key": "m1"}),
                           json={"note": "已固定", "photo_ids": [fix.json["id"]]})
    assert resolved.status_code == 200, resolved.json
    [link] = client.get("/api/mp/reports/" + number, headers=lu).json["fix_photos"]
    status, body = fetch(client, link)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (30, 20)


def _door_paper(client, estate):  # noqa: F811
    """A unit leader records a door voice with its signed paper through the staff API; the
    console's door page (signed in as the leader) and the link it shows to the paper."""
    strip = opened(client, estate)
    token = client.post("/api/mp/staff/login", json={"username": "danyuan1", "password": DEMO_PASSWORD}).json["token"]
    home = estate["rooms"][0]
    answer = client.post("/api/mp/staff/consultations/%d/door/paper" % strip.id,
                         headers={"Authorization": "Bearer " + token}, content_type="multipart/form-data",
                         data={"household_id": str(home.id), "choice": "0",
                               "photo": (io.BytesIO(_png("white")), "p.png")})
    assert answer.status_code == 201, answer.json
    estate["sign_in"]("danyuan1")
    page = client.get("/console/door/%d" % strip.id)
    href = re.search(r'<a href="([^"]+)" id="photo-%d">' % home.id, page.get_data(as_text=True)).group(1)
    policy = page.headers["Content-Security-Policy"]
    return Vote.get(Vote.household == home.id).photo, href.replace("&amp;", "&"), policy


def test_a_signed_vote_paper_is_shown_by_a_signed_link_only(client, estate, backend, s3):  # noqa: F811
    # The paper bears a name and a signature: before, /media/votes/... opened for anyone who had
    # the path, signed in or not.
    key, link, policy = _door_paper(client, estate)
    assert key.startswith("votes/")
    # The console's pages may load the bucket's images and voice (and nothing else new).
    images = next(d for d in policy.split("; ") if d.startswith("img-src"))
    assert (s3.endpoint in images) == (backend == "s3") and "media-src 'self'" in policy
    status, body = fetch(client, link)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (40, 30)
    bare = client.get("/media/" + key)
    assert bare.status_code == (404 if backend == "s3" else 403)


def _with_query(link, **changes):
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_forged_or_expired_local_paper_link_is_refused(client, estate, tmp_path):  # noqa: F811
    key, link, _ = _door_paper(client, estate)
    assert fetch(client, link)[0] == 200
    signature = dict(parse_qsl(urlsplit(link).query))["sig"]
    # Forged: the signature of this paper put on another key, a signature changed by one
    # character, a signature from another secret.
    other = storage.LocalStorage(config.active().MEDIA_DIR, "another-secret-key-0123456789")
    for forged in ("/media/votes/202601/%s.jpg?sig=%s" % ("0" * 32, signature),
                   _with_query(link, sig=signature[:-1] + ("A" if signature[-1] != "A" else "B")),
                   other.url(key)):
        assert client.get(forged).status_code == 403, forged
    # Expired: the clock moved past the link's lifetime.
    settings = use_settings(LINLI_ENV="test", CLOCK_SETTABLE="1", CLOCK_FILE=str(tmp_path / "clock.json"))
    clock.configure(settings)
    clock.advance(settings.MEDIA_URL_SECONDS + 5)
    assert client.get(link).status_code == 403
    fresh = storage.url_of(key)                          # a page loaded now gives a new one
    assert fresh != link and client.get(fresh).status_code == 200


def test_a_forged_or_expired_bucket_link_is_refused(client, town, s3):  # noqa: F811
    on_s3(s3)
    _, resident = town
    lu, other = resident("o-media-forge"), resident("o-media-neighbour")
    mine = client.post("/api/mp/uploads", headers=lu, data={"file": (io.BytesIO(_png()), "p.png")}).json
    theirs = client.post("/api/mp/uploads", headers=other, data={"file": (io.BytesIO(_png("blue")), "p.png")}).json
    assert fetch(client, mine["url"])[0] == 200
    their_key = Upload.get_by_id(theirs["id"]).path
    my_key = Upload.get_by_id(mine["id"]).path
    # The attacks: my signature on the neighbour's photo; a longer lifetime written in; a
    # signature changed by one character.
    signature = dict(parse_qsl(urlsplit(mine["url"]).query))["X-Amz-Signature"]
    changed = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    for forged in (mine["url"].replace(my_key, their_key),
                   _with_query(mine["url"], **{"X-Amz-Expires": "604800"}),
                   _with_query(mine["url"], **{"X-Amz-Signature": changed})):
        assert requests.get(forged, timeout=10).status_code == 403, forged
    # Expired: the server's clock past the link's lifetime.
    s3.advance(config.active().MEDIA_URL_SECONDS + 5)
    assert requests.get(mine["url"], timeout=10).status_code == 403


def test_an_unreachable_store_refuses_the_photo_clearly_and_the_report_is_still_filed(client, town, s3):  # noqa: F811
    # The mistakes: a bucket that was never created (or a typo in its name), an endpoint that is
    # down. The resident is told the photo could not be kept, nothing half-stored remains, and
    # the report itself, which needs no photo, is filed as usual.
    _, resident = town
    lu = resident("o-media-down")
    for bucket, endpoint in (("linli-never-created", None), (s3.new_bucket(), "http://127.0.0.1:%d" % closed_port())):
        on_s3(s3, bucket=bucket, endpoint=endpoint)
        answer = client.post("/api/mp/uploads", headers=lu, data={"file": (io.BytesIO(_png()), "p.png")})
        assert answer.status_code == 503, answer.json
        assert answer.json["error"]["code"] == "media_unavailable" and "稍后" in answer.json["error"]["message"]
    assert Upload.select().count() == 0
    filed = _report(client, lu)
    assert filed.status_code == 201, filed.json
    assert Case.get(Case.number == filed.json["number"]).description == "3号楼门口的井盖松了"


def test_a_door_voice_with_its_paper_is_refused_whole_when_the_store_is_down(client, estate, s3):  # noqa: F811
    # A leader must never believe a paper was kept that was not: no voice without it either,
    # and they may retry, or record the voice without the paper.
    strip = opened(client, estate)
    on_s3(s3, bucket="linli-never-created")
    token = client.post("/api/mp/staff/login", json={"username": "danyuan1", "password": DEMO_PASSWORD}).json["token"]
    answer = client.post("/api/mp/staff/consultations/%d/door/paper" % strip.id,
                         headers={"Authorization": "Bearer " + token}, content_type="multipart/form-data",
                         data={"household_id": str(estate["rooms"][0].id), "choice": "0",
                               "photo": (io.BytesIO(_png("white")), "p.png")})
    assert (answer.status_code, answer.json["error"]["code"]) == (503, "media_unavailable")
    assert Vote.select().count() == 0


def test_a_residents_wechat_voice_and_photo_go_to_the_bucket_and_wait_for_it_when_it_is_down(client, database,
                                                                                            emulator, s3):
    # WeChat forgets media after 3 days: a copy that failed because the bucket was down must be
    # tried again, never given up as "bad media"; the message and its case are kept meanwhile.
    seed_demo()
    signed_in_console(client)
    wechat = WeChat(client)
    building = Building.select().order_by(Building.id).first()
    Resident.create(oa_openid="o-media-wx", community=building.community_id, building=building,
                    address_state="confirmed", subscribed=True)
    emulator.resident_media("m-voice", b"#!AMR\n" + bytes(range(256)), "audio/amr")
    emulator.resident_media("m-photo", _png("orange"), "image/png")
    bucket = "linli-created-later-" + uuid.uuid4().hex[:8]
    on_s3(s3, bucket=bucket)
    wechat.say(wechat.image("o-media-wx", media_id="m-photo"))
    photo = InboundMessage.get(InboundMessage.msg_type == "image")
    assert photo.media_path == "" and Case.select().count() == 1        # kept, waiting for the copy
    with pytest.raises(storage.StorageError):
        media.fetch(photo.id)                                             # raised: the queue retries it
    s3.client().create_bucket(Bucket=bucket)
    wechat.say(wechat.voice("o-media-wx", "", media_id="m-voice"))
    assert media.fetch(photo.id).startswith("inbound/")
    photo, voice = (InboundMessage.get(InboundMessage.msg_type == kind) for kind in ("image", "voice"))
    assert _stored(voice.media_path) == ("bucket", "audio/amr")
    assert _stored(photo.media_path) == ("bucket", "image/jpeg")
    signed_in_console(client)[0]("admin")
    inbox = client.get("/console/inbox").get_data(as_text=True)
    sources = [s.replace("&amp;", "&") for s in re.findall(r'src="([^"]+)"', inbox) if s.startswith(s3.endpoint)]
    assert len(sources) == 2
    assert sorted(fetch(client, s)[1][:6] for s in sources) == [b"#!AMR\n", b"\xff\xd8\xff\xe0\x00\x10"]


def test_an_article_image_on_s3_is_public_through_the_apps_path(client, database, s3):
    # Published articles keep `/media/articles/...` in their HTML: on S3 that path must still
    # open, for anyone, without the stored HTML holding a link that expires.
    on_s3(s3)
    key, width, height = articles.store_image(_png("purple", (300, 200)))
    assert key.startswith("articles/") and (width, height) == (300, 200)
    answer = client.get("/media/" + key)
    assert answer.status_code == 302 and "X-Amz-Signature=" in answer.headers["Location"]
    status, body = fetch(client, "/media/" + key)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (300, 200)
    [(path, thumb)] = articles.cover_choices()
    assert path == key and thumb.endswith(articles.THUMB_SUFFIX)
    assert Image.open(io.BytesIO(fetch(client, storage.url_of(thumb))[1])).size == (240, 160)
    # The attack: an article body naming a private photo is refused before it reaches WeChat.
    with pytest.raises(articles.ArticleError):
        articles._media_file("/media/votes/202601/%s.jpg" % ("0" * 32))


@pytest.mark.parametrize("environ, named", [
    ({"MEDIA_BACKEND": "s3"}, "MEDIA_S3_BUCKET"),
    ({"MEDIA_BACKEND": "gcs"}, "MEDIA_BACKEND"),
    ({"MEDIA_BACKEND": "s3", "MEDIA_S3_BUCKET": "b", "MEDIA_S3_ENDPOINT_URL": "oss-cn-beijing.aliyuncs.com"},
     "MEDIA_S3_ENDPOINT_URL"),
    ({"MEDIA_URL_SECONDS": "5"}, "MEDIA_URL_SECONDS"),
    ({"MEDIA_URL_SECONDS": "999999"}, "MEDIA_URL_SECONDS"),   # beyond SigV4's seven days
])
def test_a_bad_media_setting_stops_the_start_naming_it(environ, named, tmp_path):
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(dict(environ, LINLI_DATA_DIR=str(tmp_path)))


def closed_port():
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
