"""A consultation's result, announced to the followers of its scope once it closes: a text
notice (account/notices.py) mass-sent to the tags that cover the scope, through the notices'
own path, so the clientmsgid, the retries, the stuck-send recovery and MASSSENDJOBFINISH's
counts all apply, and the mini-program and the 社区通知 answer show it as a notice.

How the close reaches here: decisions may not import account (the layers in pyproject.toml),
so the close calls the listeners registered with decisions.consultations.on_close, inside its
transaction; wsgi.py, the composition root, registers `queue`, which queues `announce_result`
after the close commits. A close in a process where nothing was registered, a queue that could
not be reached, or a send WeChat kept refusing past the retries, is found by `resume` (every 10
minutes, account/tasks.py). A failure here never touches the close: it committed first.

Never twice: the notices of one consultation are created together in one transaction, each
with a clientmsgid made of the consultation, its close and the tag, unique in the table; a second
run (a retry, another worker, `resume`) finds them and only sends what is still `scheduled`,
which notices.send takes by a conditional update. WeChat itself drops a repeated clientmsgid.

Who hears it:
- community: every follower (as a notice to everyone);
- building: that building's tag;
- unit: its building's tag, the text naming the unit. A unit has no tag of its own, and a mass
  send by openid list (mass/send) lacks what the notices give (tag sync, the mini-program's notice
  list, the console's list); the result carries counts, never a door, and the neighbours who
  share the building's stairs and lift are the ones a unit's decision (an elevator) touches next;
- estate: the tags of its buildings, except that a grid lying wholly inside the estate is sent
  its grid's tag when that replaces two or more building sends. Each send spends the tagged
  followers' monthly mass-send allowance and the account's daily one (45009), so fewer sends
  matter; a grid reaching beyond the estate is never used, so no one outside the scope hears it.
  Buildings where no confirmed follower lives are left out: no tag is created for nobody (an
  account has 100 tags).
"""
import datetime
import logging

from peewee import IntegrityError

from account import notices
from cases.proposals import scope_label
from decisions import consultations
from decisions import rules
from linli.clock import local
from linli.queue import enqueue_after_commit
from linli.queue import huey
from models.community import Building
from models.community import Grid
from models.content import Notice
from models.db import db
from models.db import utcnow
from models.decisions import Consultation
from models.people import Resident
from wechat import failures

logger = logging.getLogger(__name__)

ANNOUNCE_WITHIN = datetime.timedelta(days=2)   # older news is not sent late
STALLED_AFTER = datetime.timedelta(minutes=10)  # past a send's retries (3 × 60 s)
OUTCOMES = {rules.PASSED: "通过", rules.FAILED: "未通过",
            rules.UNDECIDABLE: "无法确定（有住户缺少专有面积，不能按面积判断）"}
CHECKS = {
    "quorum_households": "参与表态的住户",
    "consent_households": "同意的住户（占表态住户）",
    "participation_owners": "参与表决的业主（户数）",
    "participation_area": "参与表决的业主（专有面积）",
    "consent_owners": "同意的业主（户数，占参与表决）",
    "consent_area": "同意的业主（专有面积，占参与表决）",
}
AREA_CHECKS = ("participation_area", "consent_area")


# -- from the close to the queue -------------------------------------------------------------
def queue(consultation_id):
    """The close's listener (decisions.consultations.on_close): the announcement is queued once
    the close commits, and dropped with it if it rolls back."""
    enqueue_after_commit(_enqueue, consultation_id)


def _enqueue(consultation_id):
    try:
        announce_result(consultation_id)
    except Exception:
        # The queue could not be reached. The close has committed and stands; resume() finds
        # the consultation unannounced and queues it again.
        logger.exception("the result of consultation %s was not queued for announcing", consultation_id)


@huey.task(retries=3, retry_delay=60)
def announce_result(consultation_id):
    return failures.stop_on_quota(lambda: [n.id for n in announce(consultation_id)],
                                  "announcing consultation %s" % consultation_id)


# -- the announcement --------------------------------------------------------------------------
def announce(consultation_id):
    """The consultation's announcement notices, created once, and the sends of those still
    waiting queued. Raises (for the queue to retry) when WeChat cannot create a tag: nothing is
    created then, and the next run starts afresh."""
    consultation = Consultation.get_or_none(Consultation.id == consultation_id)
    if consultation is None or consultation.state != "closed" \
            or consultation.closed_at < utcnow() - ANNOUNCE_WITHIN:
        return []                           # not closed, or old news (a close dated back, a late retry)
    made = _of(consultation)
    if not made:
        tags = [None if target is None else _tag(target) for target in audiences(consultation)]
        made = _create(consultation, tags)
    for notice in made:
        if notice.state == "scheduled":
            enqueue_after_commit(notices.send_notice, notice.id)
    return made


def _of(consultation):
    return list(Notice.select().where(Notice.consultation == consultation.id).order_by(Notice.id))


def _tag(target):
    return notices.tag_for(grid=target) if isinstance(target, Grid) else notices.tag_for(building=target)


def _create(consultation, tags):
    """One notice per tag (None: everyone), all or none."""
    text = result_text(consultation)
    stamp = consultation.closed_at.strftime("%Y%m%d%H%M%S")
    try:
        with db.atomic():
            return [Notice.create(community=consultation.community_id, text=text, tag=tag, send_at=utcnow(),
                                  client_msg_id="consultation-%d-%s-%s" % (
                                      consultation.id, stamp, "all" if tag is None else "t%d" % tag.id),
                                  consultation=consultation.id)
                    for tag in tags]
    except IntegrityError:
        made = _of(consultation)            # another worker announced it a moment ago
        if not made:
            raise
        return made


def audiences(consultation):
    """What to send to: [None] for every follower, else the Grid and Building rows whose tags
    cover the scope (see the module's docstring for why these)."""
    if consultation.scope == "community":
        return [None]
    if consultation.scope in ("unit", "building"):
        building = Building.get_by_id(consultation.building_id)
        return [building] if _lived_in([building.id]) else []
    estate = {b.id: b for b in Building.select().where(Building.estate == consultation.estate_id)}
    lived = _lived_in(list(estate))
    grids = {}
    for building in Building.select(Building.id, Building.grid).where(
            Building.grid.in_({b.grid_id for b in estate.values() if b.grid_id})):
        grids.setdefault(building.grid_id, set()).add(building.id)
    targets, covered = [], set()
    for grid_id, members in sorted(grids.items()):
        if members <= estate.keys() and len(members & lived) >= 2:
            targets.append(Grid.get_by_id(grid_id))
            covered |= members
    return targets + [estate[b] for b in sorted(lived - covered)]


def _lived_in(building_ids):
    """Those of the buildings where a follower with a confirmed address lives."""
    return {r.building_id for r in Resident.select(Resident.building).distinct().where(
        Resident.building.in_(building_ids) & (Resident.address_state == "confirmed")
        & (Resident.subscribed == True) & Resident.oa_openid.is_null(False))}  # noqa: E712


# -- the text ----------------------------------------------------------------------------------
def result_text(consultation):
    """The result in plain Chinese: the outcome, the voices per option (with floor area where
    the rule counts it), and each test of the rule with what it needed and found."""
    result = consultations.result_of(consultation)
    place = scope_label(consultation)
    lines = ["【征询结果】%s" % consultation.question,
             "范围：%s" % place + ("（本单元的征询，结果告知全楼邻居）" if consultation.scope == "unit" else ""),
             "结果：%s" % OUTCOMES[result["outcome"]]]
    by_area = consultation.rule in rules.OWNERS_ONLY
    said = []
    for row in result["by_option"]:
        area = "（%s㎡）" % _m2(row["area_dm2"]) if by_area and row["area_dm2"] is not None else ""
        said.append("%s %d户%s" % (row["option"], row["households"], area))
    lines.append("表态：%s；共%d户，%d户表态" % ("，".join(said), result["counted_households"],
                                           result["answered_households"]))
    lines.append("规则：%s" % consultations.rule_sentence(consultation))
    lines += ["· " + _check(check) for check in result["checks"]]
    closed = local(consultation.closed_at).strftime("%m月%d日%H:%M")
    lines.append("%s结束。详情请在小程序“征询”中查看，或回复“征询”。" % closed)
    return "\n".join(lines)


def _check(check):
    area = check["test"] in AREA_CHECKS
    label = CHECKS.get(check["test"], check["test"])
    if check["met"] is None:
        return "%s：面积信息不全，无法判断" % label
    got, of = (_m2(check["got"]), _m2(check["of"]) + "㎡") if area else (check["got"], "%d户" % check["of"])
    return "%s：%s/%s，需%s，%s" % (label, got, of, _share(check["needed"]), "已达到" if check["met"] else "未达到")


def _share(needed):
    return ("不少于" + needed[2:]) if needed.startswith(">=") else ("超过" + needed.lstrip(">"))


def _m2(dm2):
    return "%.2f" % (dm2 / 100)


# -- the safety net ----------------------------------------------------------------------------
def resume(now=None):
    """Consultations closed within ANNOUNCE_WITHIN that have no announcement (nothing registered
    the listener, the queue was down, a tag could not be made past the retries) are queued
    again; their notices still `scheduled` STALLED_AFTER after they were made are sent again
    (safe: the clientmsgid). A scope where no follower lives has no notice and is looked at
    again each time until the window passes: a few reads, and whoever moves in meanwhile hears
    it. Returns (consultation ids, notice ids) queued."""
    now = now or utcnow()
    recent = Consultation.select(Consultation.id).where((Consultation.state == "closed")
                                                       & (Consultation.closed_at >= now - ANNOUNCE_WITHIN))
    announced = Notice.select(Notice.consultation).where(Notice.consultation.in_(recent))
    missing = [c.id for c in recent.where(Consultation.id.not_in(announced))]
    waiting = [n.id for n in Notice.select(Notice.id).where(
        Notice.consultation.in_(recent) & (Notice.state == "scheduled") & (Notice.created_at < now - STALLED_AFTER))]
    for consultation_id in missing:
        enqueue_after_commit(announce_result, consultation_id)
    for notice_id in waiting:
        enqueue_after_commit(notices.send_notice, notice_id)
    return missing, waiting
