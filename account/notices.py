"""Notices: an article or a text mass-sent to every follower or to one grid's or building's tag,
previewed first, now or at a set time (the task queue). Tags follow where residents live: a
follower with a confirmed address carries their grid's and their building's tag, so a water cut
in building 6 reaches building 6.

Each notice has a clientmsgid: WeChat drops a repeat within 24 hours, so a send retried after
-1 or a timeout cannot go out twice. MASSSENDJOBFINISH brings the counts."""
import datetime
import re
import time
import uuid

import requests
from peewee import IntegrityError
from wechatpy.exceptions import WeChatClientException

import wechat
from account.words import Screen
from community import rounds
from linli.errors import LinliError
from linli.queue import enqueue_after_commit
from linli.queue import huey
from models.community import Building
from models.community import Grid
from models.content import Article
from models.content import Notice
from models.content import ResidentTag
from models.content import WeChatTag
from models.db import db
from models.db import utcnow
from models.people import Resident
from wechat import errcodes
from wechat import failures

TAG_BATCH = 50                                   # openids per tagging call (WeChat's limit)
# tags/create: "30个字符以内" in one version of WeChat's documents, "30个字节" in another and in
# 45158's message; the stricter is kept, so a Chinese name is at most 10 characters long.
TAG_NAME_BYTES = 30
CLAIM_WAIT = 12.0                                # seconds a request waits for another's tag: two WeChat timeouts
CLAIM_POLL = 0.2
CLAIM_STALE = datetime.timedelta(minutes=1)      # a claim this old was left by a worker that died
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")   # clientmsgid: at most 64 characters
STUCK_AFTER = datetime.timedelta(minutes=10)      # far beyond a send's timeout and retries
# A browser's Back may fetch the form afresh (a new key): the same content to the same followers
# within this window is taken as the same intent unless the editor says to send it again.
REPEAT_WINDOW = datetime.timedelta(minutes=10)


class NoticeError(LinliError):
    status = 409


def create(staff, community_id, article_id=None, text="", grid_id=None, building_id=None, send_at=None,
           confirm=False, key=None, urgent=False):
    """A scheduled notice (see `submit`)."""
    return submit(staff, community_id, article_id=article_id, text=text, grid_id=grid_id, building_id=building_id,
                  send_at=send_at, confirm=confirm, key=key, urgent=urgent)[0]


def submit(staff, community_id, article_id=None, text="", grid_id=None, building_id=None, send_at=None,
           confirm=False, key=None, repeat=False, urgent=False):
    """A scheduled notice, one per intent: `key` (the form's idempotency key) becomes WeChat's
    clientmsgid, so a form sent twice (a double click, back and resubmit, two workers at once)
    gets the first notice back, and WeChat could not send it twice anyway. A form fetched again
    (Back can reload the page, with a new key) that sends the same content to the same followers
    within REPEAT_WINDOW also gets the earlier notice, unless `repeat`. Listed sensitive words in
    the text stop it unless `confirm`. An `urgent` notice stays on top of the mini-program's
    notices for the policy's `urgent_pinned` after it is sent. Returns (notice, created)."""
    from_form = key is not None
    key = _checked_key(key)
    earlier = _by_key(key, community_id)
    if earlier is not None:
        return earlier, False
    if bool(article_id) == bool((text or "").strip()):
        raise LinliError("bad_notice", "请选择一篇文章，或填写文字（二选一）")
    if grid_id and building_id:
        raise LinliError("bad_target", "发送对象请选择一个网格或一栋楼，或全部粉丝")
    article = None
    if article_id:
        article = Article.get_or_none((Article.id == article_id) & (Article.community == community_id))
        if article is None or not article.draft_media_id:
            raise LinliError("article_not_synced", "文章不存在或尚未同步到微信草稿")
    found = Screen.from_db().find(text or "")
    if found and not confirm:
        raise LinliError("sensitive_words", "内容含敏感词：%s。确认无误后再次提交" % "、".join(found))
    tag = None
    # Only the community's own grids and buildings: another's residents are not theirs to message.
    if grid_id:
        tag = tag_for(grid=_target(Grid, grid_id, community_id))
    elif building_id:
        tag = tag_for(building=_target(Building, building_id, community_id))
    if from_form and not repeat:
        earlier = _recent_same(community_id, article, (text or "").strip(), tag)
        if earlier is not None:
            return earlier, False
    try:
        with db.atomic():
            notice = Notice.create(community=community_id, article=article, text=(text or "").strip(), tag=tag,
                                   urgent=bool(urgent), send_at=send_at or utcnow(), client_msg_id=key,
                                   created_by=staff.id)
            if notice.urgent:
                # Whoever it cannot reach on WeChat is told at the door: the round opens with it.
                rounds.round_for_notice(notice, staff)
    except IntegrityError:
        earlier = _by_key(key, community_id)       # the same form, a moment earlier, on another worker
        if earlier is None:
            raise
        return earlier, False
    return notice, True


def _recent_same(community_id, article, text, tag, now=None):
    """A notice of the same article or text to the same followers, submitted within REPEAT_WINDOW
    and not called off."""
    since = (now or utcnow()) - REPEAT_WINDOW
    return (Notice.select()
            .where((Notice.community == community_id) & (Notice.created_at >= since)
                   & (Notice.article.is_null() if article is None else Notice.article == article.id)
                   & (Notice.text == text)
                   & (Notice.tag.is_null() if tag is None else Notice.tag == tag.id)
                   & Notice.state.not_in(("cancelled", "failed")))
            .order_by(Notice.id.desc()).first())


def _checked_key(key):
    if key is None:
        return uuid.uuid4().hex                   # callers without a form (CLI, tests): a fresh intent
    if not KEY_PATTERN.match(key):
        raise LinliError("bad_key", "表单已过期或不完整，请刷新页面后重新提交", 400)
    return key


def _by_key(key, community_id):
    notice = Notice.get_or_none(Notice.client_msg_id == key)
    if notice is not None and notice.community_id != community_id:
        raise NoticeError("key_used", "该提交标识已被使用，请刷新页面后重新提交")
    return notice


def _target(model, target_id, community_id):
    found = model.get_or_none((model.id == target_id) & (model.community == community_id))
    if found is None:
        raise LinliError("bad_target", "发送对象不存在", 404)
    return found


def schedule(notice):
    """Queue the send for its time."""
    enqueue_after_commit(send_notice, notice.id, delay=max((notice.send_at - utcnow()).total_seconds(), 0))


@huey.task(retries=3, retry_delay=60)
def send_notice(notice_id):
    return failures.stop_on_quota(lambda: send(notice_id), "notice %s" % notice_id)


def preview(notice, openid):
    """The notice to one staff member's WeChat first (mass/preview). It was to be seen before it
    goes out, so a preview WeChat refuses cancels the notice, with WeChat's reason."""
    try:
        wechat.official().mass.preview(_message(notice), openid)
    except (WeChatClientException, requests.RequestException) as exc:
        errcode, message = failures.describe(exc)
        Notice.update(state="cancelled", errcode=errcode, errmsg=message).where(
            (Notice.id == notice.id) & (Notice.state == "scheduled")).execute()
        raise _wechat_error("预览未能发送，通知已取消", exc) from None


def send(notice_id):
    """Send a scheduled notice once. Raises for the queue to retry on -1 and timeouts (safe:
    clientmsgid); 45009 and other refusals are recorded and end it."""
    if not Notice.update(state="sending").where((Notice.id == notice_id) & (Notice.state == "scheduled")).execute():
        return None                               # sent, cancelled, or another worker has it
    notice = Notice.get_by_id(notice_id)
    try:
        if notice.tag_id:
            sync_tags()                           # the tag reaches whoever lives there now
        result = wechat.official().mass.send_all(_message(notice), notice.tag.tag_id if notice.tag_id else None,
                                                 notice.client_msg_id)
    except Exception as exc:
        if failures.errcode_of(exc) == errcodes.REPEATED_CLIENT_MSG_ID:
            # An earlier try arrived after all (its answer was lost with a timeout or a killed
            # consumer): it went out once. Its msg_id never reached us, so no event will match.
            Notice.update(state="sent", wechat_status="已由先前一次请求发出（45065），无送达统计").where(
                Notice.id == notice_id).execute()
            return Notice.get_by_id(notice_id)
        errcode, message = failures.describe(exc)
        retry = failures.retryable(exc)
        Notice.update(state="scheduled" if retry else "failed", errcode=errcode, errmsg=message).where(
            Notice.id == notice_id).execute()
        if retry:
            raise
        if errcode == errcodes.QUOTA:
            raise failures.QuotaExhausted(message) from None
        return Notice.get_by_id(notice_id)
    Notice.update(msg_id=str(result.get("msg_id", "")), msg_data_id=str(result.get("msg_data_id", "")),
                  errcode=None, errmsg="").where(Notice.id == notice_id).execute()
    if notice.article_id and result.get("msg_data_id"):
        # Comments belong to the mass-sent message: this is what the comment sync reads.
        Article.update(msg_data_id=str(result["msg_data_id"])).where(Article.id == notice.article_id).execute()
    return Notice.get_by_id(notice_id)


def recover_stuck(now=None, after=STUCK_AFTER):
    """Notices left `sending` without a msg_id by a consumer that died mid-call go back in line.
    Sending again is safe: the clientmsgid makes WeChat drop a repeat (45065). Returns their ids."""
    now = now or utcnow()
    stuck = [n.id for n in Notice.select(Notice.id).where((Notice.state == "sending") & (Notice.msg_id == "")
                                                          & (Notice.send_at < now - after))]
    if stuck:
        Notice.update(state="scheduled").where(Notice.id.in_(stuck) & (Notice.state == "sending")).execute()
        for notice_id in stuck:
            enqueue_after_commit(send_notice, notice_id)
    return stuck


def on_mass_event(message):
    """MASSSENDJOBFINISH (wechatpy's MassSendJobFinishEvent)."""
    notice = Notice.get_or_none(Notice.msg_id == str(message.id))
    if notice is None:
        return None
    ok = str(message.status).lower() == "send success"
    Notice.update(state="sent" if ok else "failed", wechat_status=str(message.status)[:64],
                  total_count=message.total_count, sent_count=message.sent_count,
                  error_count=message.error_count).where(Notice.id == notice.id).execute()
    return Notice.get_by_id(notice.id)


def tag_for(grid=None, building=None):
    """The WeChat tag of a grid or a building, created on first use, once. The row is claimed
    first (unique per grid and per building), so of two requests on two workers only the
    claimant asks WeChat; the other waits for its tag id. A claim left by a worker that died
    mid-call is taken over after CLAIM_STALE."""
    where = (WeChatTag.grid == grid.id) if grid else (WeChatTag.building == building.id)
    name = tag_name(grid=grid, building=building)
    deadline = time.monotonic() + CLAIM_WAIT
    while True:
        row = WeChatTag.get_or_none(where)
        if row is not None and row.tag_id is not None:
            return row
        now = utcnow()
        if row is None:
            try:
                with db.atomic():
                    row = WeChatTag.create(grid=grid.id if grid else None, building=building.id if building else None,
                                           name=name, claimed_at=now)
            except IntegrityError:
                row = None                        # another request claimed it a moment ago
            else:
                return _create_tag(row)
        elif row.claimed_at < now - CLAIM_STALE and WeChatTag.update(claimed_at=now).where(
                (WeChatTag.id == row.id) & WeChatTag.tag_id.is_null() & (WeChatTag.claimed_at == row.claimed_at)
        ).execute():
            return _create_tag(WeChatTag.get_by_id(row.id))
        if time.monotonic() > deadline:
            raise NoticeError("tag_pending", "该发送对象的微信标签正在创建，请稍后再试")
        time.sleep(CLAIM_POLL)


def tag_name(grid=None, building=None):
    """Unique per grid and per building, within WeChat's limit: a building's name carries its
    estate ("丰泽园小区 1号楼#1": six estates have a 1号楼), a long estate name is cut before the
    building's own, and the id at the end keeps two names apart whatever is cut."""
    if grid:
        head, tail, suffix = "", grid.name, "#g%d" % grid.id
    else:
        head = building.estate.name if building.estate_id else ""
        tail, suffix = (" " if head else "") + building.name, "#%d" % building.id
    room = TAG_NAME_BYTES - len(suffix.encode())
    if len(tail.encode()) >= room:
        return _cut(tail.strip(), room) + suffix
    return _cut(head, room - len(tail.encode())) + tail + suffix


def _cut(text, limit):
    """`text` within `limit` UTF-8 bytes, never half a character."""
    return text.encode()[:limit].decode(errors="ignore")


def _create_tag(row):
    """Ask WeChat for the claimed row's tag. 45157 (the name exists) means an earlier claim's
    answer was lost after WeChat created it: that tag is this one, unless another row has it."""
    client = wechat.official()
    try:
        try:
            tag_id = client.tag.create(row.name)["id"]
        except WeChatClientException as exc:
            if exc.errcode != errcodes.TAG_NAME_TAKEN:
                raise _wechat_error("微信未能创建标签", exc) from None
            tag_id = next((t["id"] for t in client.tag.get() if t["name"] == row.name), None)
            if tag_id is None or WeChatTag.select().where(WeChatTag.tag_id == tag_id).exists():
                raise NoticeError("tag_name_taken",
                                  "微信中已有同名标签“%s”，请在公众号后台改名后重试" % row.name) from None
        except requests.RequestException as exc:
            raise _wechat_error("微信未能创建标签", exc) from None
        WeChatTag.update(tag_id=tag_id).where(WeChatTag.id == row.id).execute()
    except BaseException:
        # Nothing was recorded: let the next request claim it afresh.
        WeChatTag.delete().where((WeChatTag.id == row.id) & WeChatTag.tag_id.is_null()).execute()
        raise
    return WeChatTag.get_by_id(row.id)


def _wechat_error(what, exc):
    """A refusal or an unreachable WeChat, for the staff member who asked (never a 500)."""
    errcode, message = failures.describe(exc)
    return NoticeError("wechat_refused",
                       "%s（%s）：%s" % (what, errcode if errcode is not None else "网络", message), 502)


def sync_tags():
    """Bring followers' tags in step with where they live: add what is missing, remove what no
    longer fits (a move, an unfollow). Returns (added, removed) counts."""
    tags = {(t.grid_id, t.building_id): t for t in WeChatTag.select().where(WeChatTag.tag_id.is_null(False))}
    by_building = {b.id: b.grid_id for b in Building.select(Building.id, Building.grid)}
    wanted = {}
    for resident in Resident.select().where(Resident.oa_openid.is_null(False)):
        keep = set()
        if resident.subscribed and resident.address_state == "confirmed" and resident.building_id:
            for key in ((by_building.get(resident.building_id), None), (None, resident.building_id)):
                if key in tags:
                    keep.add(tags[key].id)
        wanted[resident.id] = (resident.oa_openid, keep)
    current = {}
    for row in ResidentTag.select():
        current.setdefault(row.resident_id, set()).add(row.tag_id)
    adds, removes = {}, {}
    for resident_id, (openid, keep) in wanted.items():
        have = current.get(resident_id, set())
        for tag_id in keep - have:
            adds.setdefault(tag_id, []).append((resident_id, openid))
        for tag_id in have - keep:
            removes.setdefault(tag_id, []).append((resident_id, openid))
    by_id = {t.id: t for t in tags.values()}
    client = wechat.official()
    for batch_tag, people in adds.items():
        for chunk in _chunks(people):
            client.tag.tag_user(by_id[batch_tag].tag_id, [o for _, o in chunk])
            ResidentTag.insert_many([{"resident": r, "tag": batch_tag}
                                     for r, _ in chunk]).on_conflict_ignore().execute()
    for batch_tag, people in removes.items():
        for chunk in _chunks(people):
            client.tag.untag_user(by_id[batch_tag].tag_id, [o for _, o in chunk])
            ResidentTag.delete().where((ResidentTag.tag == batch_tag)
                                       & ResidentTag.resident.in_([r for r, _ in chunk])).execute()
    return sum(len(p) for p in adds.values()), sum(len(p) for p in removes.values())


def _message(notice):
    if notice.article_id:
        return {"msgtype": "mpnews", "mpnews": {"media_id": notice.article.draft_media_id},
                "send_ignore_reprint": 0}
    return {"msgtype": "text", "text": {"content": notice.text}}


def _chunks(items):
    return [items[i:i + TAG_BATCH] for i in range(0, len(items), TAG_BATCH)]
