"""How a message can reach a person now: the channels to try, in the order they are tried.

- "subscribe": a subscribe message on the mini-program, to a resident who uses it (they must
  have opted in to the template, else WeChat answers 43101 and the next channel is tried);
- on the official account, to a resident who follows it:
  - "custom": a customer-service message while WeChat's window is open (window.py);
  - "oa_subscribe": a subscription notice to a template the resident consented to;
  - "template": a template message, unless the resident blocked that template;
- staff: a subscribe message on the mini-program they bound, else a template message on the
  official account once they have bound it.

The resident's say on templates is kept by the account's push handling (TemplateConsent rows,
written from WeChat's subscription-notice events and template reports); read here."""
from models.db import utcnow
from models.notifications import TemplateConsent
from wechat.outbound import window

CHANNELS = ("subscribe", "custom", "oa_subscribe", "template")


def channels(resident, message, now=None, kinds=CHANNELS):
    """The channels among `kinds` that can carry `message` (payload.Message) to `resident` now."""
    found = []
    if "subscribe" in kinds and message.mini_program and resident.mp_openid:
        found.append("subscribe")
    if not (resident.oa_openid and resident.subscribed):
        return found
    if "custom" in kinds and message.text and window.remaining(resident, now or utcnow()) > 0:
        found.append("custom")
    if "oa_subscribe" in kinds and message.notice and accepted(resident, message.notice.template_id):
        found.append("oa_subscribe")
    if "template" in kinds and message.template and not rejected(resident, message.template.template_id):
        found.append("template")
    return found


def staff_channels(staff, message):
    """Staff hear by subscribe message on the mini-program they bound (WeChat refusing it for want
    of consent, 43101, passes to the next), else by template message on the official account."""
    found = ["subscribe"] if staff.mp_openid and message.mini_program else []
    return found + (["template"] if staff.oa_openid and message.template else [])


def accepted(resident, template_id):
    return _said(resident, template_id, "accept")


def rejected(resident, template_id):
    return _said(resident, template_id, "reject")


def spent(resident, template_id, now=None):
    """WeChat refused a send to this template for want of consent (43101): it is used up."""
    (TemplateConsent.update(state="spent", updated_at=now or utcnow())
     .where((TemplateConsent.resident == resident) & (TemplateConsent.template_id == template_id)
            & (TemplateConsent.state == "accept")).execute())


def _said(resident, template_id, state):
    return TemplateConsent.select().where(
        (TemplateConsent.resident == resident) & (TemplateConsent.template_id == template_id)
        & (TemplateConsent.state == state)).exists()
