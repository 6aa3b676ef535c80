"""What the emulated WeChat knows: apps, tokens, users, media, drafts, comments, and the faults
a test has asked for. One lock guards it all; the HTTP server is threaded."""
import dataclasses
import itertools
import secrets
import threading
import time


@dataclasses.dataclass
class Call:
    method: str
    path: str              # "cgi-bin/message/custom/send", without the leading slash
    params: dict
    body: object           # parsed JSON, or None
    files: dict            # field name → (filename, size)
    token: str
    errcode: object        # what the emulator answered (0 = ok); None while still answering


@dataclasses.dataclass
class Fault:
    kind: str              # "errcode" | "slow" | "http500"
    path: str              # prefix of the path it applies to; "" = every call
    remaining: int
    errcode: int = 0
    seconds: float = 0.0
    after: int = 0         # matching calls let through before the fault starts


class State:
    TOKEN_TTL = 7200

    def __init__(self):
        self.lock = threading.RLock()
        self.apps = {}                 # appid → secret
        self.tokens = {}               # token → (appid, expires_at)
        self.stable = {}               # appid → current stable token
        self.calls = []
        self.faults = []
        self.ids = itertools.count(1)
        self.users = {}                # openid → profile dict
        self.user_page = 10000         # openids per user/get page
        self.outside_window = set()    # openids whose 48-hour window has closed (45015)
        self.heard = {}                # openid → {"message" | "tap": when they last did it}
        self.custom_sent = {}          # openid → [when each customer-service message went]
        self.no_subscription = set()   # mini-program openids without an opt-in (43101)
        self.notice_consent = {}       # (openid, template_id) → "accept" | "reject": official account
        self.login_codes = {}          # js_code → {"openid", "unionid", "used"}
        self.phone_codes = {}          # getPhoneNumber code → {"phone", "appid", "used"}
        self.media = {}                # media_id → {"type", "size", "permanent"}
        self.drafts = {}               # media_id → [articles]
        self.publishes = {}            # publish_id → {"media_id", "article_id", "status"}
        self.mass_jobs = {}            # msg_id → request body
        self.client_msg_ids = set()
        self.tags = {}                 # tag id → name
        self.user_tags = {}            # openid → set of tag ids
        self.comments = {}             # (msg_data_id, index) → [comment dicts]
        self.comment_open = set()      # (msg_data_id, index)
        self.risky_words = set()       # msg_sec_check answers "risky" when content has one
        self.media_checks = {}         # trace_id → media_check_async request body
        self.datacube = {}             # endpoint name → list of rows to answer
        self.qrcodes = {}              # ticket → body
        self.menu = None
        self.publish_allowed = True    # False: 48001, as for unverified accounts since 2025-07

    # -- apps and tokens --------------------------------------------------------------------
    def issue_token(self, appid, stable):
        with self.lock:
            now = time.time()
            current = self.stable.get(appid)
            if stable and current and self.tokens.get(current, (None, 0))[1] > now:
                return current, int(self.tokens[current][1] - now)
            token = "tok-%s-%s" % (appid, secrets.token_hex(12))
            self.tokens[token] = (appid, now + self.TOKEN_TTL)
            self.stable[appid] = token
            return token, self.TOKEN_TTL

    def token_error(self, token):
        """0 if `token` is valid, else WeChat's errcode for it."""
        with self.lock:
            if not token:
                return 41001
            entry = self.tokens.get(token)
            if entry is None:
                return 40001
            if entry[1] <= time.time():
                return 42001
            return 0

    def expire_tokens(self):
        """Every issued token expires now: the next call with one gets 42001."""
        with self.lock:
            self.tokens = {t: (appid, 0) for t, (appid, _) in self.tokens.items()}

    def revoke_tokens(self):
        """Every issued token becomes unknown: the next call with one gets 40001."""
        with self.lock:
            self.tokens.clear()
            self.stable.clear()

    # -- the customer-service window ---------------------------------------------------------
    # WeChat's rule since 2023-06: a user's own message allows 5 customer-service messages within
    # 48 hours; a follow, a QR scan or a menu tap (CLICK, scancode_push, scancode_waitmsg) 3
    # within 1 minute. A later action of a kind starts its allowance again; allowances do not
    # add up. Other events (LOCATION, VIEW, TEMPLATESENDJOBFINISH, subscription notices) open
    # nothing.
    ALLOWANCES = {"message": (5, 48 * 3600), "tap": (3, 60)}
    TAP_EVENTS = ("subscribe", "scan", "click", "scancode_push", "scancode_waitmsg")

    def hear(self, openid, msg_type, event=""):
        kind = "message" if msg_type != "event" else "tap" if event.lower() in self.TAP_EVENTS else None
        if kind is not None:
            with self.lock:
                self.heard.setdefault(openid, {})[kind] = time.time()

    def window_error(self, openid):
        """0 if a customer-service message to `openid` may go now (and count it), else 45015
        (no window open) or 45047 (the open windows' counts are used up). Users the emulator
        never heard a push from are not checked: tests that call the API directly."""
        with self.lock:
            if openid not in self.heard:
                return 0
            now = time.time()
            sent = self.custom_sent.setdefault(openid, [])
            open_ = [(at, quota) for kind, (quota, span) in self.ALLOWANCES.items()
                     for at in [self.heard[openid].get(kind)] if at is not None and now - at < span]
            if not open_:
                return 45015
            if all(sum(1 for t in sent if t >= at) >= quota for at, quota in open_):
                return 45047
            sent.append(now)
            return 0

    def age(self, openid, seconds):
        """Move what the emulator knows of `openid` `seconds` into the past."""
        with self.lock:
            self.heard[openid] = {k: t - seconds for k, t in self.heard.get(openid, {}).items()}
            self.custom_sent[openid] = [t - seconds for t in self.custom_sent.get(openid, [])]

    # -- faults -----------------------------------------------------------------------------
    def take_fault(self, path):
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and path.startswith(fault.path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.remaining -= 1
                    return fault
            return None

    def next_id(self):
        with self.lock:
            return next(self.ids)
