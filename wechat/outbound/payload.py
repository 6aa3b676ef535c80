"""What to say, in every form WeChat may carry it, with template fields WeChat will accept.

A template field's kind is its key without the number ("thing3" is a thing). WeChat refuses a
whole send whose field breaks its kind's rule (47003), so values are cut here, once: a `thing`
(free text, 20 characters) shows its cut with "…"; a `phrase` (5 Chinese characters),
`character_string` and the other kinds allow no "…" and are cut short. The full text stays in
the domain's record."""
import dataclasses

LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32,
          "symbol": 5, "car_number": 8, "phone_number": 17}
ELLIPSIS = "…"


@dataclasses.dataclass(frozen=True)
class Template:
    """A template message, subscription notice or subscribe message: which template, its data
    (WeChat's {"key": {"value": ...}}), and the mini-program page a tap opens ("" for none; from
    the official account, the page of the mini-program `appid`)."""
    template_id: str
    data: dict
    page: str = ""
    appid: str = ""


@dataclasses.dataclass(frozen=True)
class Message:
    """What to say to one person. `text` is the customer-service message; each template form
    is None when its template is not configured."""
    text: str = ""
    mini_program: Template | None = None    # subscribe message (opted in on the mini-program)
    notice: Template | None = None          # the official account's subscription notice (consent)
    template: Template | None = None        # the official account's template message (no window)


def template(template_id, fields, page="", appid=""):
    """A Template from plain values ({"thing3": "..."}), each cut to its kind's limit; None when
    `template_id` is empty (not configured)."""
    if not template_id:
        return None
    return Template(template_id, {key: {"value": fit(key, value)} for key, value in fields.items()}, page, appid)


def reply_template(text, settings):
    """The official account's reply template carrying `text` (WECHAT_REPLY_TEMPLATE_ID, its
    field WECHAT_REPLY_TEMPLATE_FIELD): how a text reaches a follower outside the window."""
    return template(settings.WECHAT_REPLY_TEMPLATE_ID, {settings.WECHAT_REPLY_TEMPLATE_FIELD: text})


def fit(key, value):
    value = str(value)
    kind = key.rstrip("0123456789")
    limit = LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[:limit - 1] + ELLIPSIS if kind == "thing" else value[:limit]
