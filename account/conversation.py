"""What the account answers to each message and event. Returns a wechatpy reply, or None to
answer `success` (nothing to say now). Makes no outbound WeChat call: the reply must go back
within WeChat's 5 seconds."""
import json

import xmltodict
from wechatpy.replies import ArticlesReply
from wechatpy.replies import ImageReply
from wechatpy.replies import TextReply

from account import articles
from account import clicks
from account import consent
from account import followers
from account import media
from account import notices
from account import participation
from account import reporting
from account import rules
from account import screening
from account import texts
from account import verification
from account import volunteering
from community.board import render_board
from community.board import service_board

# Senders and events that are WeChat speaking about the account, not a follower: they never
# become residents. `mphelper` sends the job reports.
SYSTEM_SENDERS = frozenset({"mphelper"})
ACCOUNT_EVENTS = frozenset({"masssendjobfinish", "publishjobfinish"}) | frozenset(verification.EVENTS)
# Events only a follower can cause (menu taps, scans, the location they share); a message of
# any type proves it too. Not the delivery reports, which WeChat sends about them.
PROOF_OF_FOLLOWING = frozenset({"click", "view", "scan", "location", "scancode_push", "scancode_waitmsg",
                                "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select",
                                "view_miniprogram"})


def respond(row, message, now):
    """(reply or None, resident)."""
    if row.openid in SYSTEM_SENDERS or (row.msg_type == "event" and row.event in ACCOUNT_EVENTS):
        _account_event(row, message)
        return None, None
    resident = followers.resident_for(row.openid)
    row.resident = resident
    if row.msg_type != "event" or row.event in PROOF_OF_FOLLOWING:
        followers.heard_from(resident, row.wechat_time, now)
    media.later(row)
    screening.later(row)
    if row.msg_type == "event":
        return _event(row, message, resident, now), resident
    handler = {"text": _text, "image": _image, "voice": _voice, "location": _location}.get(row.msg_type)
    if handler is None:
        if row.msg_type in ("video", "shortvideo", "link", "miniprogrampage"):
            return _text_reply(message, texts.get("default_reply")), resident
        return None, resident          # a type we do not know: stored, answered `success`
    return handler(row, message, resident, now), resident


def _event(row, message, resident, now):
    event = row.event
    if event == "subscribe":
        building = followers.subscribed(resident, row.event_key, now)
        return _text_reply(message, _welcome(resident, building))
    if event == "scan":
        building = followers.scanned(resident, row.event_key, now)
        return _text_reply(message, _board_text(building)) if building else None
    if event == "unsubscribe":
        followers.unsubscribed(resident, now)
        return None
    if event == "click":
        return _click(message, resident, row.event_key, now)
    if event in consent.EVENTS:
        consent.on_event(resident, event, xmltodict.parse(row.raw_xml).get("xml") or {}, now)
    return None


def _account_event(row, message):
    if row.event == "publishjobfinish":
        articles.on_publish_event(xmltodict.parse(row.raw_xml).get("xml") or {})
    elif row.event == "masssendjobfinish":
        notices.on_mass_event(message)
    elif row.event in verification.EVENTS:
        verification.on_event(row)


def _click(message, resident, key, now):
    """A staff rule for the key first (staff may override an answer), then the key's own answer."""
    rule = rules.match(click_key=key, now=now)
    if rule is not None:
        return _rule_reply(message, rule)
    answer = clicks.ANSWERS.get(key)
    if answer is None:
        # A key the menu file should not have had (`wechat menu push` refuses one): say what
        # the menu offers rather than pretend a message was received.
        return _text_reply(message, texts.get("report_help"))
    return _text_reply(message, answer(resident, now))


# The commands a follower may type or say, before anything becomes a case: (is it, its answer).
COMMANDS = ((reporting.is_progress_query, lambda resident, now: reporting.progress(resident)),
            (participation.is_query, participation.answer),
            (volunteering.is_query, volunteering.answer))


def _command(said, resident, now):
    """The answer to a command, or None when `said` is none."""
    return next((answer(resident, now) for is_it, answer in COMMANDS if is_it(said)), None)


def _text(row, message, resident, now):
    content = row.content
    answer = _command(content, resident, now)
    if answer is not None:
        return _text_reply(message, answer)
    description = reporting.report_text(content)
    if description is not None:
        outcome = reporting.words(resident, description, row, now)
        return _text_reply(message, reporting.acknowledgement(outcome, "words"))
    rule = rules.match(text=content, now=now)
    if rule is not None:
        return _rule_reply(message, rule)
    return _text_reply(message, texts.get("default_reply"))


def _image(row, message, resident, now):
    outcome = reporting.photo(resident, row.media_id, row.pic_url, row, now)
    return _text_reply(message, reporting.acknowledgement(outcome, "photo"))


def _voice(row, message, resident, now):
    said = row.content.strip()
    answer = _command(said, resident, now)     # elders who cannot type say 进度, 议事 or 志愿
    if answer is not None:
        return _text_reply(message, answer)
    description = reporting.report_text(said) or said or "（语音留言，未能识别文字，请工作人员收听原声）"
    outcome = reporting.words(resident, description, row, now)
    return _text_reply(message, reporting.acknowledgement(outcome, "words"))


def _location(row, message, resident, now):
    outcome = reporting.location(resident, row.location_x, row.location_y, row.location_label, row, now)
    return _text_reply(message, reporting.acknowledgement(outcome, "location"))


def _welcome(resident, building):
    community = building.community.name if building else (
        resident.community.name if resident.community_id else "社区公众号")
    text = texts.get("welcome", community=community)
    if building is not None:
        text += "\n\n" + _board_text(building)
    return text


def _board_text(building):
    return render_board(building, service_board(building))


def _rule_reply(message, rule):
    if rule.reply_type == "image":
        return ImageReply(message=message, media_id=rule.reply_media_id)
    if rule.reply_type == "news":
        return ArticlesReply(message=message, articles=json.loads(rule.reply_articles)[:8])
    return _text_reply(message, rule.reply_text)


def _text_reply(message, content):
    return TextReply(message=message, content=content)
