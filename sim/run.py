"""The month, stepped: residents file, staff act, residents answer, and every 5 simulated
minutes the service's periodic jobs run in its consumer (linli/periodic.py) — each at its own
simulated time, the clock moved through the file every process reads (linli.clock)."""
import datetime
import hashlib
import heapq
import itertools
import random
import re
import secrets
import sys
import time
import uuid

import requests

from sim import rules
from sim.ledger import OPEN
from sim.ledger import TIE
from sim.ledger import Ledger
from sim.stack import OPEN311_KEY
from sim.stack import TOKEN

FIVE = datetime.timedelta(minutes=rules.SWEEP_MINUTES)
HOUR = datetime.timedelta(hours=1)
MERGE = datetime.timedelta(minutes=10)      # twice the service's merge window
DEMO_PASSWORD = "linli-demo-2026"
WORKERS = {"G1": "grid1", "G2": "grid2", "G3": "grid3", "G4": "grid4"}
CADRES = {"G1": "cadre1", "G2": "cadre1", "G3": "cadre2", "G4": "cadre2"}
OWNERS = {2: CADRES, 3: "tianbing", 4: "jiedao"}
PROBLEMS = ("楼道灯不亮了", "下水道堵了", "电梯门关不上", "楼下垃圾没人清", "暖气管漏水", "单元门禁坏了",
            "墙皮脱落", "路灯不亮", "楼道堆放杂物", "窗外空调滴水", "停车位被占", "小区大门栏杆坏了")
# The share of filings per hour of the day (residents write mostly by day).
HOURS = [0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 7, 5, 5, 7, 7, 6, 6, 5, 5, 4, 3, 1, 0]
NUMBER = re.compile(r"R[0-9]{6,}")
# Open311 (a city app, the 12345 bridge) names a service and a point, never a building: by the
# README's rule the case is filed to the nearest community and no grid (rates: 无网格), with no
# owner at the grid levels (no duty roster in the demo): nobody's until the sweep brings it to
# the secretary (OPEN311_OWNERS; the community-wide levels).
OPEN311_SERVICES = ("environment", "property_repair", "elevator", "other")
OPEN311_OWNERS = {1: None, 2: None, 3: "tianbing", 4: "jiedao"}


def _jpeg():
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 140, 160)).save(out, "JPEG")
    return out.getvalue()


PHOTO = _jpeg()


class Timed(requests.Session):
    """A session that counts its requests and the seconds they took (the report's figures)."""

    def __init__(self):
        super().__init__()
        self.count, self.seconds = 0, 0.0

    def request(self, *args, **kw):
        began = time.perf_counter()
        try:
            return super().request(*args, **kw)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - began


class Simulation:
    def __init__(self, base_url, emulator, settings_app, world, start, days, seed, per_grid, every_tick=False):
        self.url, self.emulator, self.app, self.world = base_url, emulator, settings_app, world
        self.start = datetime.datetime.combine(start, datetime.time(), tzinfo=rules.BEIJING)
        self.end = self.start + datetime.timedelta(days=days)
        self.days, self.rng, self.per_grid = days, random.Random(seed), per_grid
        self.ledger = Ledger()
        self.every_tick = every_tick
        self.live = []                       # the ledger's cases that may still be open
        self.ignored = set()                 # cases nobody answers
        self.photos_filed = {}               # case number → photos its mini-program filing named
        self.consoles = {}                   # staff username → console session
        self.last_filed = {}                 # resident id → when they last filed
        self.notices = []                    # urgent notices sent
        self.ticks_run = 0
        self.periodic_seconds = 0.0
        self.job_seconds = {}                # periodic job → seconds in the consumer
        self.began = time.monotonic()
        self.http = Timed()
        self.queue, self.seq = [], itertools.count()
        self.now = self.start
        self.tokens = {}                     # staff username → token
        self.resident_tokens = {}            # mp openid → token
        self.by_grid = {}
        for person in world["people"]:
            self.by_grid.setdefault(person["grid"], []).append(person)
        self.daily = {}                      # date → counters
        self.actions = {"expected_ok": 0, "refused_as_expected": 0}
        self.messages = []                   # (sim day, seconds to answer)
        self.periodic_errors = []
        self.backlog = {}                    # date → open cases in the ledger at its end

    @property
    def requests(self):
        return self.http.count

    @property
    def request_seconds(self):
        return self.http.seconds

    # -- the clock ------------------------------------------------------------------------
    def set_clock(self, moment):
        from linli import clock
        self.now = moment
        clock.set_to(moment)

    def at(self, moment, action, *args):
        heapq.heappush(self.queue, (moment, next(self.seq), action, args))

    # -- the month ------------------------------------------------------------------------
    def run(self):
        self.set_clock(self.start)
        for name in sorted(set(WORKERS.values()) | set(CADRES.values()) | {"tianbing", "jiedao", "admin"}):
            self._staff_login(name)
        for day in range(self.days):
            self._plan_day(self.start.date() + datetime.timedelta(days=day))
        last_run = tick = self.start
        while tick < self.end:
            following = tick + FIVE
            while self.queue and self.queue[0][0] < following:
                moment, _, action, args = heapq.heappop(self.queue)
                self.set_clock(moment)
                action(*args)
            if self.every_tick or following - last_run >= HOUR or self._deadline_near(following) \
                    or following >= self.end:
                self.set_clock(following)
                self._periodic(last_run, following)
                last_run = following
            if following.astimezone(rules.BEIJING).time() == datetime.time():
                day = (following - datetime.timedelta(seconds=1)).astimezone(rules.BEIJING).date()
                self.backlog[day] = sum(1 for e in self.ledger.cases.values() if e.state in OPEN)
                print("  %s %-14s filed %4d, open at midnight %4d, periodic runs %5d  (%.0f s)" % (
                    day, rules.day_kind(day), self.daily.get(day, {}).get("filed", 0), self.backlog[day],
                    self.ticks_run, time.monotonic() - self.began), file=sys.stderr, flush=True)
            tick = following
        return self

    def _deadline_near(self, mark):
        """Whether a deadline still running in the ledger falls just before this 5-minute mark
        (or so close to the one before that the sweep then may have missed it)."""
        low, high = mark - FIVE - TIE, mark + TIE
        if mark.minute == 0:
            self.live = [e for e in self.live if e.state in OPEN]
        for entry in self.live:
            if entry.state in OPEN:
                if entry.responded_at is None and low <= entry.respond_due <= high:
                    return True
                if low <= entry.resolve_due <= high:
                    return True
        return False

    def _periodic(self, start, end):
        from linli import periodic
        utc = lambda t: t.astimezone(datetime.timezone.utc).replace(tzinfo=None)   # noqa: E731
        began = time.perf_counter()
        done = periodic.run_due(utc(start), utc(end), took=self.job_seconds)
        self.ticks_run += 1
        self.periodic_seconds += time.perf_counter() - began
        for name, value in done.items():
            if isinstance(value, dict) and "error" in value:
                self.periodic_errors.append((end.isoformat(), name, value["error"]))
        if "sweep_overdue" in done:
            escalated = done["sweep_overdue"] if isinstance(done["sweep_overdue"], list) else []
            before = {n: e.level for n, e in self.ledger.cases.items()}
            self.ledger.sweep(end, escalated)
            for number, entry in self.ledger.cases.items():
                if entry.level != before.get(number, entry.level):
                    self._plan_level(entry)
        if "auto_close" in done:
            self.ledger.auto_close(end)

    def _count(self, key, n=1, day=None):
        day = day or self.now.date()
        self.daily.setdefault(day, {}).setdefault(key, 0)
        self.daily[day][key] += n

    # -- residents --------------------------------------------------------------------------
    def _plan_day(self, day):
        storm = self.days >= 10 and day == self.start.date() + datetime.timedelta(days=self.days // 2)
        if storm:
            self.at(datetime.datetime.combine(day, datetime.time(13, 2, 30), tzinfo=rules.BEIJING), self._urgent_notice)
        for grid in sorted(self.by_grid):
            count = self.per_grid * (3 if storm else 1)
            hours = self.rng.choices(range(24), weights=HOURS, k=count)
            for n, hour in enumerate(hours):
                moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=rules.BEIJING) + \
                    datetime.timedelta(minutes=self.rng.randrange(60), seconds=self.rng.randrange(10, 50))
                person = self.rng.choice(self.by_grid[grid])
                roll = self.rng.random()
                channel = "walk_in" if roll < 0.05 else "open311" if roll < 0.09 else \
                    "wechat" if person["oa"] and roll < 0.75 else "miniprogram"
                # Each day one case of the last grid nobody answers at any level: the whole chain,
                # up to the street centre's deadline in working days, is walked every day.
                ignored = n == 0 and grid == max(self.by_grid)
                self.at(moment, self._file, person, channel, ignored)

    def _file(self, person, channel, ignored=False):
        # Someone who filed minutes ago is someone else now: within WeChat's 5 minutes a photo or
        # a place joins the resident's latest case (account/reporting.py), which would make the
        # ledger's "this photo is of that case" a guess. The one filing instead must be able to
        # use the channel: only a follower writes to the official account (a non-follower's push
        # went out from the openid "None", a resident the service had never seen: a case of no
        # building, no grid, nobody's to accept, and not the resident's the ledger named).
        while self.now - self.last_filed.get(person["id"], self.start - MERGE) < MERGE \
                or (channel == "wechat" and not person["oa"]):
            person = self.rng.choice(self.by_grid[person["grid"]])
        self.last_filed[person["id"]] = self.now
        text = "报修 %s" % self.rng.choice(PROBLEMS)
        self._count("filed")
        if channel == "wechat":
            number = self._push_report(person, text)
        elif channel == "walk_in":
            number = self._walk_in(person, text)
        elif channel == "open311":
            number = self._open311(text)
        else:
            number = self._mp_file(person, text)
        self.ledger.sent.append({"channel": channel, "at": self.now, "number": number, "grid": person["grid"]})
        if number is None:
            return
        if number in self.ledger.cases:
            self.ledger.differences.append(("filed_vs_created", "two filings answered with one case %s" % number))
            return
        grid = None if channel == "open311" else person["grid"]
        entry = self.ledger.filed(number, grid, person["id"], channel, self.now)
        entry.photos = self.photos_filed.pop(number, 0)
        self.live.append(entry)
        if ignored:
            self.ignored.add(number)
        else:
            self._plan_level(entry)
        if channel == "wechat":
            # A photo of it, or where it is, a minute or three later: added to this case.
            if self.rng.random() < 0.3:
                self.at(self.now + datetime.timedelta(seconds=self.rng.randrange(60, 200)), self._supplement,
                        entry, person, "image")
            if self.rng.random() < 0.15:
                self.at(self.now + datetime.timedelta(seconds=self.rng.randrange(60, 200)), self._supplement,
                        entry, person, "location")

    def _push_report(self, person, text):
        """By text (most), by voice (its recognition: elders speak), or a photo first and its words
        after (one case, the words completing it)."""
        roll = self.rng.random()
        if roll < 0.2:
            return self._push(person, "voice", {"MediaId": "voice-%s" % uuid.uuid4().hex[:12], "Format": "amr",
                                                "Recognition": text[3:]})
        if roll < 0.3:
            first = self._push(person, "image", self._photo_fields())
            then = self._push(person, "text", {"Content": text})
            if first != then:
                self.ledger.differences.append(("filed_vs_created", "a photo and its words made %s and %s"
                                                % (first, then)))
            return first or then
        return self._push(person, "text", {"Content": text})

    def _photo_fields(self):
        media_id = "img-%s" % uuid.uuid4().hex[:16]
        self.emulator.resident_media(media_id, PHOTO, "image/jpeg")
        return {"PicUrl": "http://mmbiz.qpic.cn/%s" % media_id, "MediaId": media_id}

    def _supplement(self, entry, person, kind):
        fields = self._photo_fields() if kind == "image" else {
            "Location_X": "38.05%02d" % self.rng.randrange(100), "Location_Y": "114.52%02d" % self.rng.randrange(100),
            "Scale": "15", "Label": "石家庄市长安区八家庄"}
        number = self._push(person, kind, fields)
        if number != entry.number:
            self.ledger.differences.append(("filed_vs_created", "a %s sent %s after %s went to %s" % (
                kind, self.now - entry.filed_at, entry.number, number)))

    def _push(self, person, msg_type, fields):
        """A push signed as WeChat signs it, stamped with the simulated time (the gateway checks
        its age against the service's clock); 5% sent twice, as WeChat retries. The case number
        the reply names, or None."""
        if not person["oa"]:
            raise ValueError("resident %d follows no official account: no push of theirs" % person["id"])
        timestamp = str(int(self.now.timestamp()))
        msg_id = str(uuid.uuid4().int % 10 ** 18)
        body = "".join("<%s><![CDATA[%s]]></%s>" % (k, v, k) for k, v in fields.items())
        xml = ("<xml><ToUserName><![CDATA[gh_sim]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
               "<CreateTime>%s</CreateTime><MsgType><![CDATA[%s]]></MsgType>%s<MsgId>%s</MsgId></xml>"
               % (person["oa"], timestamp, msg_type, body, msg_id))
        nonce = secrets.token_hex(5)
        signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
        params = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": person["oa"]}
        self.emulator.heard(xml)
        sends = 2 if self.rng.random() < 0.05 else 1          # WeChat's retry: the very same request
        numbers = set()
        for _ in range(sends):
            began = time.perf_counter()
            try:
                answer = self.http.post(self.url + "/wechat", params=params, data=xml.encode(),
                                        headers={"Content-Type": "text/xml"}, timeout=15)
            except requests.RequestException:
                self.messages.append((self.now.date(), None))
                continue
            took = time.perf_counter() - began
            self.messages.append((self.now.date(), took))
            self._count("messages")
            if took <= 5:
                self._count("answered_within_5s")
            found = NUMBER.search(answer.text) if answer.status_code == 200 else None
            if found:
                numbers.add(found.group(0))
        if len(numbers) > 1:
            self.ledger.differences.append(("filed_vs_created", "one message, two cases: %s" % sorted(numbers)))
        return min(numbers) if numbers else None

    def _walk_in(self, person, text):
        """At the office: the grid worker enters it in the console for the resident."""
        console = self._console(WORKERS[person["grid"]])
        form = {"description": text[3:] + "（来访）", "building_id": person["building"], "source": "来访",
                "csrf": self._csrf(console, "/console/cases/new")}
        answer = console.post(self.url + "/console/cases/new", data=form, allow_redirects=False, timeout=30)
        found = NUMBER.search(answer.headers.get("Location", "")) if answer.status_code == 303 else None
        return found.group(0) if found else None

    def _open311(self, text):
        """A city app's GeoReport v2 request: a service, a point inside the community, no one's
        account (the caller has no mini-program session for it)."""
        form = {"api_key": OPEN311_KEY, "service_code": self.rng.choice(OPEN311_SERVICES),
                "lat": "38.05%02d" % self.rng.randrange(100), "long": "114.52%02d" % self.rng.randrange(100),
                "address_string": "石家庄市长安区八家庄", "description": text[3:] + "（12345转办）"}
        answer = self.http.post(self.url + "/open311/v2/requests.json", data=form, timeout=30)
        if answer.status_code != 201:
            self.ledger.differences.append(("filed_vs_created", "an Open311 request refused: %d %s"
                                            % (answer.status_code, answer.text[:120])))
            return None
        return answer.json()[0]["service_request_id"]

    def _console(self, username):
        """A console session of `username` (signed in over HTTP, as staff at their desk)."""
        session = self.consoles.get(username)
        if session is None:
            session = self.consoles[username] = Timed()
            form = {"username": username, "password": DEMO_PASSWORD, "csrf": self._csrf(session, "/console/login")}
            answer = session.post(self.url + "/console/login", data=form, allow_redirects=False, timeout=30)
            if answer.status_code != 303:
                raise RuntimeError("console sign-in of %s refused: %d" % (username, answer.status_code))
        return session

    def _csrf(self, session, path):
        page = session.get(self.url + path, timeout=30).text
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    # -- the storm ---------------------------------------------------------------------------
    def _urgent_notice(self):
        """The secretary sends an urgent notice to every follower from the console."""
        console = self._console("tianbing")
        form = {"text": "【紧急通知】今天下午有强对流天气，请关好门窗，勿在广告牌、大树下停留。", "target": "all",
                "urgent": "1", "confirm": "1", "key": uuid.uuid4().hex,
                "csrf": self._csrf(console, "/console/articles")}
        answer = console.post(self.url + "/console/notices", data=form, allow_redirects=False, timeout=30)
        self.notices.append({"at": self.now, "status": answer.status_code, "text": form["text"]})

    def _mp_file(self, person, text):
        key = uuid.uuid4().hex
        filing = {"description": text}
        if self.rng.random() < 0.3:
            # A photo first, through the upload every mini-program uses; the report names it.
            uploaded = self._as_resident(person, "post", "/api/mp/uploads",
                                         files={"file": ("photo.jpg", PHOTO, "image/jpeg")})
            if uploaded is None or uploaded.status_code != 201:
                self.ledger.differences.append(("filed_vs_created", "a photo upload refused: %s %s" % (
                    None if uploaded is None else uploaded.status_code,
                    "" if uploaded is None else uploaded.text[:100])))
            else:
                filing["photo_ids"] = [uploaded.json()["id"]]
                self._count("mp_photos")
        numbers = set()
        for _ in range(2 if self.rng.random() < 0.05 else 1):     # a retry after a lost answer
            answer = self._as_resident(person, "post", "/api/mp/reports", json=filing,
                                       headers={"Idempotency-Key": key})
            if answer is not None and answer.status_code in (200, 201):
                numbers.add(answer.json()["number"])
        if len(numbers) > 1:
            self.ledger.differences.append(("filed_vs_created", "one filing, two cases: %s" % sorted(numbers)))
        if numbers:
            self.photos_filed[min(numbers)] = len(filing.get("photo_ids", ()))
        return min(numbers) if numbers else None

    def _as_resident(self, person, method, path, **kw):
        for _ in range(2):
            token = self.resident_tokens.get(person["mp"])
            if token is None:
                code = self.emulator.login_code(person["mp"])
                answer = self.http.post(self.url + "/api/mp/login", json={"code": code}, timeout=15)
                if answer.status_code != 200:
                    self.ledger.differences.append(("resident_login", "login refused: %d %s"
                                                    % (answer.status_code, answer.text[:100])))
                    return None
                token = self.resident_tokens[person["mp"]] = answer.json()["token"]
            # Every try with the caller's headers (the Idempotency-Key too), a fresh token's as well.
            headers = dict(kw.get("headers", {}), Authorization="Bearer " + token)
            sent = {k: v for k, v in kw.items() if k != "headers"}
            answer = self.http.request(method, self.url + path, headers=headers, timeout=15, **sent)
            if answer.status_code != 401:
                return answer
            self.resident_tokens.pop(person["mp"], None)
        return answer

    def _resident_answers(self, entry, person):
        """After a resolution: confirm (most), reopen (some), say nothing (the rest); rate."""
        roll = self.rng.random()
        later = self._awake(self.now + datetime.timedelta(minutes=self.rng.randrange(20, 30 * 60)))
        if roll < 0.65:
            self.at(later, self._resident_act, entry, person, "confirm")
            if self.rng.random() < 0.7:
                self.at(later + datetime.timedelta(minutes=2), self._resident_act, entry, person, "rate")
        elif roll < 0.75:
            self.at(later, self._resident_act, entry, person, "reopen")
        elif roll < 0.85:
            self.at(later, self._resident_act, entry, person, "rate")

    def _resident_act(self, entry, person, action):
        score = None
        path = "/api/mp/reports/%s/%s" % (entry.number, "rating" if action == "rate" else action)
        body = {}
        if action == "rate":
            score = self.rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 5, 9])[0]
            body = {"score": score, "comment": "谢谢" if score >= 4 else "还不太满意"}
        elif action == "reopen":
            body = {"reason": "没有修好，还是老样子"}
        expected = self.ledger.may(entry, action)
        answer = self._as_resident(person, "post", path, json=body)
        self._judge(entry, action, expected, answer, "resident")
        if expected and answer is not None and answer.status_code == 200:
            self.ledger.did(entry, action, self.now, score)
            if action == "reopen":
                self.live.append(entry)
                self._plan_level(entry)

    # -- staff ------------------------------------------------------------------------------
    def _staff_login(self, username):
        answer = self.http.post(self.url + "/api/mp/staff/login",
                                json={"username": username, "password": DEMO_PASSWORD}, timeout=15)
        answer.raise_for_status()
        self.tokens[username] = answer.json()["token"]

    def staff(self, username, method, path, **kw):
        for _ in range(2):
            answer = self.http.request(method, self.url + path, timeout=30,
                                       headers={"Authorization": "Bearer " + self.tokens[username],
                                                "Idempotency-Key": uuid.uuid4().hex}, **kw)
            if answer.status_code != 401:
                return answer
            self._staff_login(username)
        return answer

    def owner(self, entry):
        if entry.channel == "open311":
            return OPEN311_OWNERS[entry.level]
        who = WORKERS if entry.level == 1 else OWNERS[entry.level]
        return who[entry.grid] if isinstance(who, dict) else who

    def _plan_level(self, entry):
        """The owner of the case's level plans to answer: most in time, some late on purpose
        (after the deadline: the sweep has escalated it, and the owner is refused), some never."""
        if entry.number in self.ignored or self.owner(entry) is None:
            return
        level = entry.level
        never = {1: 0.04, 2: 0.15, 3: 0.3, 4: 0.5}[level]
        late = {1: 0.06, 2: 0.05, 3: 0.05, 4: 0.0}[level]
        roll = self.rng.random()
        if roll < never:
            return
        if roll < never + late:
            accept_at = entry.respond_due + datetime.timedelta(minutes=self.rng.randrange(10, 90))
        else:
            accept_at = self._on_duty(self.now + datetime.timedelta(minutes=self.rng.randrange(3, 100)), level)
        accept_at = self._clear_of(accept_at, entry.respond_due)
        self.at(accept_at, self._staff_act, entry, level, "accept")
        resolve_at = self._on_duty(accept_at + datetime.timedelta(minutes=self.rng.randrange(30, 20 * 60)), level)
        self.at(self._clear_of(resolve_at, entry.resolve_due), self._staff_act, entry, level, "resolve")

    def _staff_act(self, entry, level, action):
        if entry.channel == "open311":
            username = OPEN311_OWNERS[level]
        else:
            username = self.owner(entry) if entry.level == level else (WORKERS if level == 1 else OWNERS[level])
            username = username[entry.grid] if isinstance(username, dict) else username
        body = {"note": "已到现场处理完毕" if action == "resolve" else "收到，马上安排"}
        expected = self.ledger.may(entry, action, level)
        answer = self.staff(username, "post", "/api/mp/staff/cases/%s/%s" % (entry.number, action), json=body)
        self._judge(entry, action, expected, answer, username)
        if expected and answer.status_code == 200:
            self.ledger.did(entry, action, self.now)
            if action == "resolve":
                self._count("resolved")
                # The caller at the desk, or through a city app, has no mini-program session for it.
                if entry.channel not in ("walk_in", "open311"):
                    person = next(p for p in self.by_grid[entry.grid] if p["id"] == entry.reporter)
                    self._resident_answers(entry, person)

    def _judge(self, entry, action, expected, answer, who):
        status = None if answer is None else answer.status_code
        if expected and status == 200:
            self.actions["expected_ok"] += 1
        elif not expected and status in (403, 404, 409):
            self.actions["refused_as_expected"] += 1
        else:
            self.ledger.differences.append((
                "actions", "%s %s on %s at %s (level %d, %s): expected %s, got %s %s" % (
                    who, action, entry.number, self.now.isoformat(timespec="seconds"), entry.level, entry.state,
                    "success" if expected else "a refusal", status, "" if answer is None else answer.text[:120])))

    # -- when people are there ----------------------------------------------------------------
    def _on_duty(self, moment, level):
        """Staff work 08:00–20:00 (the street centre on working days, 09:00–17:00); later than
        that, their answer waits for the next morning."""
        local = moment.astimezone(rules.BEIJING)
        first, last = (9, 17) if level == 4 else (8, 20)
        while True:
            day_ok = level != 4 or rules.working(local.date())
            if day_ok and first <= local.hour < last:
                return local
            if day_ok and local.hour < first:
                local = local.replace(hour=first, minute=self.rng.randrange(0, 40), second=self.rng.randrange(10, 50))
                return local
            local = (local + datetime.timedelta(days=1)).replace(hour=first, minute=self.rng.randrange(0, 40),
                                                                second=self.rng.randrange(10, 50))
            if level != 4 or rules.working(local.date()):
                return local

    def _awake(self, moment):
        local = moment.astimezone(rules.BEIJING)
        if 7 <= local.hour < 22:
            return local
        if local.hour >= 22:
            local += datetime.timedelta(days=1)
        return local.replace(hour=7, minute=self.rng.randrange(60), second=self.rng.randrange(10, 50))

    @staticmethod
    def _clear_of(moment, deadline):
        """Not within a few seconds of a deadline (nor of a sweep): which side it falls would be chance."""
        if abs(moment - deadline) < datetime.timedelta(seconds=60):
            moment = deadline - datetime.timedelta(seconds=90)
        if moment.second < 5 or moment.second > 55:
            moment = moment.replace(second=30)
        return moment
