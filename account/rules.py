"""Auto-reply rules staff edit: exact, contains or regex on text, or a menu CLICK key; the
highest priority wins; a rule may be active only in some hours (Asia/Shanghai)."""
import json
import re

from linli.clock import local
from linli.errors import LinliError
from models.account import MATCH_TYPES
from models.account import REPLY_TYPES
from models.account import AutoReplyRule
from models.db import utcnow

MAX_MATCHED_TEXT = 2000          # WeChat text messages are shorter; bounds regex work
HOUR_MINUTE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class RuleError(LinliError):
    status = 422


def save_rule(name, match_type, pattern, reply_type="text", reply_text="", reply_media_id="",
              reply_articles=None, priority=0, active_from="", active_until="", rule=None):
    """Create or update a rule after checking it: a bad regex or hour is refused here, never
    discovered when a resident's message hits it."""
    if match_type not in MATCH_TYPES:
        raise RuleError("bad_match_type", "匹配方式必须是 %s 之一" % "、".join(MATCH_TYPES))
    if reply_type not in REPLY_TYPES:
        raise RuleError("bad_reply_type", "回复类型必须是 %s 之一" % "、".join(REPLY_TYPES))
    if not pattern or len(pattern) > 200:
        raise RuleError("bad_pattern", "匹配内容不能为空，且不超过200个字符")
    if match_type == "regex":
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleError("bad_regex", "正则表达式无效：%s" % exc) from None
    for value in (active_from, active_until):
        if value and not HOUR_MINUTE.match(value):
            raise RuleError("bad_hours", "时间格式应为 HH:MM，例如 08:30")
    if reply_type == "text" and not reply_text:
        raise RuleError("empty_reply", "文字回复不能为空")
    if reply_type == "image" and not reply_media_id:
        raise RuleError("empty_reply", "图片回复需要素材 media_id")
    if reply_type == "news" and not reply_articles:
        raise RuleError("empty_reply", "图文回复至少需要一篇")
    values = dict(name=name, match_type=match_type, pattern=pattern, priority=priority,
                  active_from=active_from, active_until=active_until, reply_type=reply_type,
                  reply_text=reply_text, reply_media_id=reply_media_id,
                  reply_articles=json.dumps(reply_articles or [], ensure_ascii=False))
    if rule is None:
        return AutoReplyRule.create(**values)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save()
    return rule


def match(text=None, click_key=None, now=None):
    """The rule that answers this text or menu key now, or None."""
    clock = local(now or utcnow()).strftime("%H:%M")
    kinds = ["click"] if click_key is not None else ["exact", "contains", "regex"]
    rules = (AutoReplyRule.select()
             .where((AutoReplyRule.enabled == True) & AutoReplyRule.match_type.in_(kinds))  # noqa: E712
             .order_by(AutoReplyRule.priority.desc(), AutoReplyRule.id))
    text = (text or "").strip()[:MAX_MATCHED_TEXT]
    for rule in rules:
        if not _active(rule, clock):
            continue
        if click_key is not None:
            if rule.pattern == click_key:
                return rule
        elif _matches(rule, text):
            return rule
    return None


def click_keys_always_answered():
    """Menu keys an enabled click rule answers at every hour."""
    return {r.pattern for r in AutoReplyRule.select(AutoReplyRule.pattern, AutoReplyRule.active_from,
                                                    AutoReplyRule.active_until)
            .where((AutoReplyRule.enabled == True) & (AutoReplyRule.match_type == "click"))  # noqa: E712
            if not (r.active_from and r.active_until)}


def _matches(rule, text):
    if rule.match_type == "exact":
        return text == rule.pattern
    if rule.match_type == "contains":
        return rule.pattern in text
    return re.search(rule.pattern, text) is not None


def _active(rule, clock):
    start, end = rule.active_from, rule.active_until
    if not start or not end:
        return True
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end          # overnight, e.g. 22:00–07:00
