"""Scale-out, proven (issue 21 item 5): two app hosts and two task consumers on one PostgreSQL,
one Redis and one S3 bucket, behind the nginx site from deploy/, with the WeChat emulator as WeChat.

Each host is gunicorn with deploy/gunicorn.conf.py (two workers) in a folder of its own — its
own working directory and data dir, nothing shared on disk (tests/support/hosts.py); the two
consumers likewise, one of them scheduling the periodic jobs as production runs them. The
hosts share what the README says they share: DATABASE_URL (this run's own schema), REDIS_URL
(the test stack's database), SECRET_KEY and the media bucket (moto's S3 server, as
tests/support/s3_server.py starts it).

How a request reaches a host, said at each step:
- `cluster.a`, `cluster.b`: a host's own address, where the step must land on a chosen host
  (issued on one host, used on the other; a retry onto the other host);
- `cluster.site`: nginx over TLS, whose upstream picks the host as in production (round robin).

Runs on the postgres stack only: SQLite is one host's file."""
import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import pytest
import requests
from PIL import Image

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.account import InboundMessage
from models.account import OutboundMessage
from models.cases import Case
from models.community import Building
from models.db import connected
from models.db import init_db
from models.notifications import Notification
from models.people import Resident
from models.people import Staff
from tests.support import databases
from tests.support import emulator as emulators
from tests.support import nginx
from tests.support import passwords
from tests.support import s3_server
from tests.support import stacks
from tests.support.hosts import Consumer
from tests.support.hosts import Host
from tests.support.hosts import host_settings
from tests.support.live_server import HttpClient
from tests.support.live_server import free_port
from tests.support.races import together
from tests.support.wechat_apps import APPID
from tests.support.wechat_apps import MP_APPID
from tests.support.wechat_push import WeChat
from wsgi import create_app

pytestmark = [pytest.mark.live_server, pytest.mark.services]

STAFF_TEMPLATE = "tpl-staff"        # grid workers hear of each new case: one queued task a case
OUTBOUND_TASK = "account.outbox.deliver_outbound"
TEMPLATE_SEND = "cgi-bin/message/template/send"
CUSTOM_SEND = "cgi-bin/message/custom/send"


class Cluster:
    """The hosts, consumers and nginx of one run, filled in as they start."""

    def __init__(self, emulator, database_url):
        self.emulator, self.database_url = emulator, database_url
        self.hosts, self.consumers, self.site = [], [], None

    @property
    def a(self):
        return self.hosts[0]

    @property
    def b(self):
        return self.hosts[1]

    def processes(self):
        return [*self.hosts, *self.consumers]

    def logs(self):
        """(title, text) of every process's log, for a failure report."""
        sections = [("%s log (%s)" % (p.name, p.log), nginx.tail(p.log)) for p in self.processes()]
        if self.site is not None:
            sections.append(("nginx logs (%s)" % self.site.prefix, self.site.logs()))
        return sections

    def executed(self):
        """{consumer name: ids of the staff-reply tasks it ran}."""
        return {c.name: c.executed(OUTBOUND_TASK) for c in self.consumers}

    def settled(self, timeout=20):
        """Wait until no notification or staff reply is still queued and the queue is empty."""
        from huey.storage import RedisStorage
        queue = RedisStorage(stacks.REDIS_NAMESPACE, url=stacks.REDIS_URL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with reading():
                busy = (Notification.select().where(Notification.state == "queued").count()
                        + OutboundMessage.select().where(OutboundMessage.state == "queued").count())
            if not busy and queue.queue_size() == 0:
                return
            time.sleep(0.1)
        raise AssertionError("notifications or replies still queued after %ss" % timeout)

    def stop(self):
        """nginx first (no request reaches a host that is going), then the rest at once."""
        if self.site is not None:
            self.site.stop()
        with ThreadPoolExecutor() as pool:
            list(pool.map(lambda process: process.stop(), self.processes()))


def reading():
    """A connection to the cluster's database, for the test's own reads and set-up rows."""
    init_db(_cluster_url[0])
    return connected()


_cluster_url = [None]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, emulator_server):
    if "postgres" not in stacks.STACKS:
        pytest.skip("scale-out runs on the postgres stack only (SQLite is one host's file); "
                    "LINLI_TEST_STACKS=%s" % ",".join(stacks.STACKS))
    stacks.require("postgres")
    nginx.require()
    root = tmp_path_factory.mktemp("scale-out")
    with emulators.fresh(emulator_server) as emulator, databases.new_pg_schema("linli_scale") as schema, \
            s3_server.running() as s3:
        databases.migrate_pg(schema)
        url = _cluster_url[0] = databases.pg_url_for(schema)
        databases.flush_redis()
        cluster = Cluster(emulator, url)
        cluster.s3, cluster.bucket = s3, s3.new_bucket()
        env = dict(WECHAT_STAFF_TEMPLATE_ID=STAFF_TEMPLATE, PROXY_HOPS=1, PYTHONUNBUFFERED=1,
                   **_media_on_s3(s3, cluster.bucket, root))
        try:
            try:
                for name in ("host-a", "host-b"):
                    settings = host_settings(root / name, emulator.base_url, url, stacks.REDIS_URL)
                    cluster.hosts.append(Host(name, root / name, settings, **env))
                for name, periodic in (("consumer-1", True), ("consumer-2", False)):
                    settings = host_settings(root / name, emulator.base_url, url, stacks.REDIS_URL)
                    cluster.consumers.append(Consumer(name, root / name, settings, periodic=periodic, **env))
                # While they boot (they need the schema, not its rows):
                _seed(host_settings(root / "test", emulator.base_url, url, stacks.REDIS_URL))
                for process in cluster.processes():
                    process.wait_ready()
                cluster.site = nginx.Nginx(root / "nginx", [h.address for h in cluster.hosts], free_port(),
                                           free_port(), media_on_disk=False).start()
            except AssertionError as exc:        # one did not start: say what each process said
                logs = "\n".join("=== %s\n%s" % section for section in cluster.logs())
                raise AssertionError("%s\n%s" % (exc, logs)) from None
            yield cluster
        finally:
            cluster.stop()
            init_db("sqlite://")        # let go of the schema before it is dropped


def _media_on_s3(s3, bucket, root):
    """Every process's media in one bucket of the test's S3 server, as deploy/PRODUCTION.md has
    several hosts share it; boto3's credentials are the server's key and nothing else."""
    return dict(MEDIA_BACKEND="s3", MEDIA_S3_BUCKET=bucket, MEDIA_S3_ENDPOINT_URL=s3.endpoint,
                MEDIA_S3_REGION=s3_server.REGION, MEDIA_S3_ADDRESSING="path",
                AWS_ACCESS_KEY_ID=s3_server.ACCESS_KEY, AWS_SECRET_ACCESS_KEY=s3_server.SECRET_KEY,
                AWS_CONFIG_FILE=str(root / "no-aws-config"),
                AWS_SHARED_CREDENTIALS_FILE=str(root / "no-aws-credentials"),
                AWS_SESSION_TOKEN=None, AWS_PROFILE=None)


def _seed(settings):
    """The demo community; grid workers bound to the official account, so each new case queues a
    template message to its grid worker."""
    create_app(settings)
    with passwords.hashing(cheap=True), connected():
        seed_demo()
        for n in range(1, 5):
            Staff.update(oa_openid="o-grid%d" % n).where(Staff.username == "grid%d" % n).execute()


@pytest.fixture(autouse=True)
def logs_on_failure(request, cluster):
    request.node.process_logs = cluster.logs


def _resident(openid, building_number=1):
    """A follower of the official account living in building `building_number` (grid G1's)."""
    with reading():
        building = Building.select().order_by(Building.id)[building_number - 1]
        Resident.create(oa_openid=openid, community=building.community_id, building=building,
                        address_state="confirmed", subscribed=True)


def _site_client(cluster):
    return HttpClient(cluster.site.url, verify=str(cluster.site.certificate))


# -- a session or token issued by one host works on the other ----------------------------------
def test_a_mini_program_token_issued_by_one_host_is_honoured_by_the_other(cluster):
    # A token checked against something one process remembers would be refused by the other host.
    login = requests.post(cluster.a.url + "/api/mp/login",                       # host A
                          json={"code": cluster.emulator.login_code("o-mp-scale")}, timeout=10)
    assert login.status_code == 200, login.text
    bearer = {"Authorization": "Bearer " + login.json()["token"]}
    on_b = requests.get(cluster.b.url + "/api/mp/me", headers=bearer, timeout=10)      # host B
    assert on_b.status_code == 200, on_b.text
    with reading():
        assert on_b.json()["id"] == Resident.get(Resident.mp_openid == "o-mp-scale").id
    through_site = requests.get(cluster.site.url + "/api/mp/me", headers=bearer,       # nginx
                                verify=str(cluster.site.certificate), timeout=10)
    assert through_site.status_code == 200 and through_site.json()["id"] == on_b.json()["id"]


def _csrf(page):
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_a_console_session_started_on_one_host_works_on_the_other_and_ends_on_both(cluster):
    # The console's cookie is Secure (production): over the hosts' plain HTTP it is carried by
    # hand, as nginx's TLS would carry it.
    jar = {}

    def call(host, method, path, **kw):
        answer = requests.request(method, host.url + path, cookies=jar, allow_redirects=False,
                                  timeout=10, **kw)
        jar.update(answer.cookies.get_dict())
        return answer

    form = call(cluster.a, "GET", "/console/login")                         # form from host A
    signed_in = call(cluster.b, "POST", "/console/login", data={           # posted to host B
        "username": "grid1", "password": DEMO_PASSWORD, "csrf": _csrf(form.text)})
    assert signed_in.status_code == 303 and signed_in.headers["Location"].endswith("/console/"), signed_in.text
    dashboard = call(cluster.a, "GET", "/console/")                         # used on host A
    assert dashboard.status_code == 200 and "网格员一" in dashboard.text
    through_site = requests.get(cluster.site.url + "/console/", cookies=jar, allow_redirects=False,
                                verify=str(cluster.site.certificate), timeout=10)          # nginx
    assert through_site.status_code == 200 and "网格员一" in through_site.text
    # Signing out on A ends the session on B too: a copied cookie must not outlive it anywhere.
    copied = dict(jar)
    assert call(cluster.a, "POST", "/console/logout", data={"csrf": _csrf(dashboard.text)}).status_code == 303
    replayed = requests.get(cluster.b.url + "/console/", cookies=copied, allow_redirects=False, timeout=10)
    assert replayed.status_code == 302 and "/console/login" in replayed.headers["Location"]


# -- a WeChat push retried onto the other host --------------------------------------------------
def test_a_push_retried_onto_the_other_host_is_one_message_one_case_and_the_same_reply(cluster):
    # WeChat retries a push it got no answer to in 5 s; behind a load balancer the retry lands
    # on any host. A de-duplication kept in one process would file the report twice.
    _resident("o-retry-scale")
    wechat = WeChat(None, mode="safe")
    query, body = wechat.signed(wechat.text("o-retry-scale", "报修 2单元楼道灯不亮了"))
    replies = []
    for base, verify in ((cluster.a.url, True), (cluster.b.url, True),          # host A, host B
                         (cluster.site.url, str(cluster.site.certificate))):    # and through nginx
        answer = requests.post(base + "/wechat", params=query, data=body, verify=verify,
                               headers={"Content-Type": "text/xml"}, timeout=10)
        assert answer.status_code == 200, answer.text
        answer.get_data = lambda as_text=False, a=answer: a.text if as_text else a.content
        replies.append(wechat.reply(answer).get("Content", ""))
    with reading():
        case = Case.get(Case.reporter == Resident.get(Resident.oa_openid == "o-retry-scale"))
        assert InboundMessage.select().where(InboundMessage.openid == "o-retry-scale").count() == 1
        assert Case.select().where(Case.reporter == case.reporter_id).count() == 1
    assert case.number in replies[0] and replies[0] == replies[1] == replies[2]
    cluster.settled()


# -- every queued task runs exactly once across the two consumers ------------------------------
def test_every_notification_is_sent_once_by_the_two_consumers_relays(cluster):
    # Notifications are an outbox (cases/notify_outbox.py): the row written with the case is the
    # only record, and both consumers' relays read the one table. A row taken by both relays
    # would be two messages to the grid worker.
    cluster.settled()
    served = [h.requests_served("POST", "/wechat") for h in cluster.hosts]
    count = 8
    openids = ["o-queue-scale-%d" % i for i in range(count)]
    for openid in openids:
        _resident(openid)
    # WeChat answers slowly, so the relays are still sending when the next rows come due.
    cluster.emulator.slow(0.5, path=TEMPLATE_SEND, times=count)
    site = WeChat(_site_client(cluster), mode="safe")
    xmls = [site.text(openid, "报修 %d号门禁坏了" % i) for i, openid in enumerate(openids)]
    replies = together(count, lambda i: site.say(xmls[i]))                  # nginx picks the host
    with reading():
        numbers = [Case.get(Case.reporter == Resident.get(Resident.oa_openid == o)).number for o in openids]
    assert all(number in reply for number, reply in zip(numbers, replies, strict=True))
    cluster.settled()
    sent = [c.body["data"]["character_string1"]["value"] for c in cluster.emulator.calls(TEMPLATE_SEND)
            if c.body["touser"] == "o-grid1"]
    assert sorted(n for n in sent if n in numbers) == sorted(numbers)          # each case's once
    with reading():
        assert Notification.select().where(Notification.case.in_(
            Case.select(Case.id).where(Case.number.in_(numbers))) & (Notification.state == "sent")).count() == count
    # Both hosts answered some of the pushes: nginx spread them over its upstream.
    assert all(h.requests_served("POST", "/wechat") > n for h, n in zip(cluster.hosts, served, strict=True))


def test_every_queued_task_runs_once_across_two_consumers(cluster):
    # Staff replies to residents go through huey's one Redis queue (account/outbox.py). Queued
    # from both hosts, each task must run on exactly one consumer: one run by both would be two
    # messages to a resident.
    cluster.settled()
    before = cluster.executed()
    count = 8
    openids = ["o-reply-scale-%d" % i for i in range(count)]
    for openid in openids:
        _resident(openid)
    site = WeChat(_site_client(cluster), mode="safe")
    for i, openid in enumerate(openids):
        site.say(site.text(openid, "请问%d号楼的快递柜什么时候修好？" % i))
    with reading():
        asked = [InboundMessage.get(InboundMessage.resident == Resident.get(Resident.oa_openid == o)).id
                 for o in openids]
    jar = {}

    def call(host, method, path, **kw):
        answer = requests.request(method, host.url + path, cookies=jar, allow_redirects=False, timeout=10, **kw)
        jar.update(answer.cookies.get_dict())
        return answer

    form = call(cluster.a, "GET", "/console/login")
    assert call(cluster.a, "POST", "/console/login", data={
        "username": "editor", "password": DEMO_PASSWORD, "csrf": _csrf(form.text)}).status_code == 303
    csrf = _csrf(call(cluster.a, "GET", "/console/inbox").text)
    # WeChat answers slowly, so the first consumer is still busy when the next tasks arrive.
    cluster.emulator.slow(0.5, path=CUSTOM_SEND, times=count)
    for i, message_id in enumerate(asked):
        host = cluster.hosts[i % 2]                               # queued from both hosts
        answered = call(host, "POST", "/console/inbox/%d/reply" % message_id,
                        data={"text": "您好，第%d条已转维修" % i, "csrf": csrf})
        assert answered.status_code == 303, answered.text
    cluster.settled()
    after = cluster.executed()
    ran = {name: after[name][len(before[name]):] for name in after}
    every = [task for tasks in ran.values() for task in tasks]
    assert len(every) == count and len(set(every)) == count, ran            # each task once
    assert all(ran.values()), "one consumer ran them all: %s" % ran          # both consumers took some
    told = [c.body["touser"] for c in cluster.emulator.calls(CUSTOM_SEND) if c.body["touser"] in openids]
    assert sorted(told) == sorted(openids)                                   # each resident once
    with reading():
        assert OutboundMessage.select().where(OutboundMessage.in_reply_to.in_(asked)
                                              & (OutboundMessage.state == "sent")).count() == count


# -- residents signed in on the mini-program ---------------------------------------------------
def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


def _mp_resident(host, cluster, openid):
    """A mini-program resident signed in on `host`, living in the first building; their header."""
    login = requests.post(host.url + "/api/mp/login", json={"code": cluster.emulator.login_code(openid)}, timeout=10)
    assert login.status_code == 200, login.text
    bearer = {"Authorization": "Bearer " + login.json()["token"]}
    with reading():
        building = Building.select().order_by(Building.id).first()
        unit = building.units[0]
    home = requests.put(host.url + "/api/mp/me/address", headers=bearer, timeout=10,
                        json={"building_id": building.id, "unit_id": unit.id, "room": "601"})
    assert home.status_code == 200, home.text
    return bearer


# -- the access token is fetched once for both hosts -------------------------------------------
def _fetched_for(emulator, appid):
    return [c for c in emulator.token_fetches()
            if (c.params.get("appid") or (c.body or {}).get("appid")) == appid]


def test_the_access_token_is_fetched_once_for_both_hosts_and_both_consumers(cluster):
    # Each process fetching its own token would spend WeChat's daily quota and, worse, a fresh
    # fetch ends the token the other processes hold (WeChat's 40001 storm).
    hosts = (cluster.a, cluster.b)
    headers = [_mp_resident(host, cluster, "o-token-scale-%d" % i) for i, host in enumerate(hosts)]
    # Both hosts need the mini-program's token at the same instant (msgSecCheck on filing), and
    # each filing queues a grid worker's notification, which the consumers send with the
    # official account's token.
    filed = together(2, lambda i: requests.post(hosts[i].url + "/api/mp/reports", headers=headers[i],
                                                json={"description": "%d号楼下水道堵了" % (i + 3)}, timeout=20))
    assert [f.status_code for f in filed] == [201, 201], [f.text for f in filed]
    cluster.settled()
    emulator = cluster.emulator
    assert len(emulator.calls("wxa/msg_sec_check")) >= 2
    for appid in (MP_APPID, APPID):
        fetched = _fetched_for(emulator, appid)
        assert len(fetched) == 1, "%s: %d token fetches" % (appid, len(fetched))
    used = {c.token for c in emulator.calls() if c.token}
    assert len(used) == 2, used             # one token per app, in every call of every process


# -- a photo uploaded through one host is served by the other ----------------------------------
def test_a_photo_uploaded_through_one_host_is_served_by_the_other(cluster):
    # A photo kept on the disk of the host that took it is a 404 on every other host (as it was
    # with MEDIA_DIR on each host's own disk): the report would lose its photo there.
    bearer = _mp_resident(cluster.a, cluster, "o-photo-scale")
    uploaded = requests.post(cluster.a.url + "/api/mp/uploads", headers=bearer, timeout=10,      # host A
                             files={"file": ("IMG_0001.jpg", _jpeg(), "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    filed = requests.post(cluster.b.url + "/api/mp/reports", headers=bearer, timeout=20,        # host B
                          json={"description": "楼道堆满了杂物", "photo_ids": [uploaded.json()["id"]]})
    assert filed.status_code == 201, filed.text
    number = filed.json()["number"]
    [stored] = [o["Key"] for o in cluster.s3.client().list_objects_v2(Bucket=cluster.bucket)["Contents"]
                if o["Key"].startswith("reports/")]                           # in the one bucket
    kept = cluster.s3.client().get_object(Bucket=cluster.bucket, Key=stored)["Body"].read()
    for base, verify in ((cluster.b.url, True),                                         # host B
                         (cluster.site.url, str(cluster.site.certificate))):             # nginx
        detail = requests.get(base + "/api/mp/reports/" + number, headers=bearer, verify=verify, timeout=10)
        assert detail.status_code == 200, detail.text
        [link] = detail.json()["photos"]
        photo = requests.get(urljoin(base, link), verify=verify, timeout=10)      # a presigned link
        assert photo.status_code == 200, (link, photo.status_code)
        assert photo.content == kept and Image.open(io.BytesIO(photo.content)).size == (64, 48)
    cluster.settled()


def test_the_site_redirects_plain_http_to_tls(cluster):
    answer = requests.get(cluster.site.http_url + "/healthz", allow_redirects=False, timeout=10)
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://")
    assert requests.get(cluster.site.url + "/healthz", verify=str(cluster.site.certificate),
                        timeout=10).json()["checks"]["database"] == "ok"


def test_no_process_keeps_anything_on_its_own_disk(cluster):
    # Last, after the others' work: what a host writes to its own folder (a SQLite queue or token
    # file, a photo) no other host can read. Only each process's own log is there.
    for process in cluster.processes():
        written = sorted(str(p.relative_to(process.folder)) for p in process.folder.rglob("*")
                         if p.is_file() and p != process.log)
        assert written == [], (process.name, written)
