"""Residents' say on the official account's notices, and WeChat's reports on how each went.

- A subscription notice (订阅通知, `message/subscribe/bizsend`) needs the resident's consent to
  its template. WeChat tells us in `subscribe_msg_popup_event` (the popup: accept or reject, per
  template) and `subscribe_msg_change_event` (their notice settings; WeChat reports rejections).
  The latest word per template is kept, by WeChat's CreateTime: a late retry of an older event
  does not undo a newer one. A send WeChat refuses for want of consent (43101) spends it. The
  sending side reads these rows (wechat/outbound/reach.py).
- `subscribe_msg_sent_event` and TEMPLATESENDJOBFINISH report each send's fate (`success`,
  `failed:user block`, `failed: system failed`), recorded on the notification it belongs to.
  A resident who blocked a template has rejected it: the next notification takes another channel.
"""
import logging

from models.db import db
from models.db import utcnow
from models.notifications import Notification
from models.notifications import TemplateConsent

logger = logging.getLogger(__name__)

# Event (lowercased, as stored) → the element that holds its List of templates.
CONSENT_EVENTS = {"subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
                  "subscribe_msg_change_event": "SubscribeMsgChangeEvent"}
SENT_EVENT = ("subscribe_msg_sent_event", "SubscribeMsgSentEvent")
TEMPLATE_REPORT = "templatesendjobfinish"
EVENTS = set(CONSENT_EVENTS) | {SENT_EVENT[0], TEMPLATE_REPORT}
USER_BLOCK = "failed:user block"


def on_event(resident, event, fields, now=None):
    """Record what `event` (its XML as a dict) says; returns how many templates or sends it
    spoke of that were recorded."""
    now = now or utcnow()
    wechat_time = _int(fields.get("CreateTime"))
    if event in CONSENT_EVENTS:
        said = 0
        for item in _items(fields, CONSENT_EVENTS[event]):
            status = (item.get("SubscribeStatusString") or "").strip().lower()
            if item.get("TemplateId") and status in ("accept", "reject"):
                _say(resident, item["TemplateId"], status, wechat_time, now)
                said += 1
        return said
    if event == SENT_EVENT[0]:
        return sum(_subscribe_report(resident, item, now) for item in _items(fields, SENT_EVENT[1]))
    if event == TEMPLATE_REPORT:
        return _template_report(resident, fields, wechat_time, now)
    return 0


def _say(resident, template_id, state, wechat_time, now):
    (TemplateConsent.insert(resident=resident, template_id=template_id[:128], state=state,
                                   wechat_time=wechat_time, updated_at=now)
            .on_conflict(conflict_target=[TemplateConsent.resident, TemplateConsent.template_id],
                         update={TemplateConsent.state: state, TemplateConsent.wechat_time: wechat_time,
                                 TemplateConsent.updated_at: now},
                         where=(TemplateConsent.wechat_time <= wechat_time))
     .execute())


def _subscribe_report(resident, item, now):
    """bizsend answers no msgid: the report is matched to the latest subscription notice sent
    to the resident with that template and not yet reported on."""
    template_id = item.get("TemplateId") or ""
    with db.atomic():
        note = (Notification.select()
                .where((Notification.resident == resident) & (Notification.channel == "oa_subscribe")
                       & (Notification.template_id == template_id) & (Notification.delivery == ""))
                .order_by(Notification.id.desc()).first())
        if note is None:
            logger.info("subscription notice report for %s/%s matches no notification", resident.id, template_id)
            return 0
        status = (item.get("ErrorStatus") or "").strip()[:64] or "errcode %s" % item.get("ErrorCode")
        return (Notification.update(delivery=status, msgid=(item.get("MsgID") or None), reported_at=now)
                .where(Notification.id == note.id).execute())


def _template_report(resident, fields, wechat_time, now):
    msgid, status = (fields.get("MsgID") or "").strip(), (fields.get("Status") or "").strip()[:64]
    note = Notification.get_or_none((Notification.msgid == msgid) & (Notification.resident == resident)) \
        if msgid else None
    if note is None:
        logger.info("template report %s (%s) matches no notification", msgid, status)
        return 0
    with db.atomic():
        Notification.update(delivery=status, reported_at=now).where(Notification.id == note.id).execute()
        if status.replace(" ", "") == USER_BLOCK.replace(" ", "") and note.template_id:
            _say(resident, note.template_id, "reject", wechat_time, now)
    return 1


def _items(fields, container):
    """The List under `container`: xmltodict gives a dict for one item, a list for several."""
    holder = fields.get(container)
    items = holder.get("List") if isinstance(holder, dict) else None
    if isinstance(items, dict):
        items = [items]
    return [i for i in items or [] if isinstance(i, dict)]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
