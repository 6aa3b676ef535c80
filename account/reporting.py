"""How the official account turns messages into cases.

A report is a text that starts with a report word, a photo ("随手拍"), a voice message (its
recognition text: elderly residents who cannot type speak) or a location. A photo and
its words sent within MERGE_WINDOW of each other make one case, in either order.
"""
import dataclasses
import datetime
import re

from account import texts
from cases import intake
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from linli import limits

CHANNEL = "official_account"
MERGE_WINDOW = datetime.timedelta(minutes=5)
REPORT_WORDS = ("报修", "反映", "投诉", "举报", "求助", "随手拍", "报告")
PROGRESS_WORDS = ("进度", "查询", "查进度", "我的案件")
_LEADING = re.compile(r"^(%s)[\s:：,，、。!！-]*" % "|".join(REPORT_WORDS))


@dataclasses.dataclass(frozen=True)
class Outcome:
    case: object        # None: over the filing limit, no case (the message stays in the inbox)
    merged: bool        # added to a case filed moments ago rather than a new one


def report_text(text):
    """The description when `text` is a report ("报修：3号楼电梯坏了" → "3号楼电梯坏了"), else None."""
    text = (text or "").strip()
    match = _LEADING.match(text)
    if not match:
        return None
    return text[match.end():].strip() or text


def is_progress_query(text):
    return (text or "").strip().rstrip("?？。") in PROGRESS_WORDS


def words(resident, description, source_message, now):
    """A report in words: completes a photo sent moments ago, or files a new case."""
    recent = intake.recent_case(resident, CHANNEL, MERGE_WINDOW, now)
    if recent is not None and not recent.description:
        intake.add_description(recent, description, source_message, resident, now)
        return Outcome(recent, merged=True)
    return _file(resident, now, description=description, source_message=source_message)


def photo(resident, media_id, url, source_message, now):
    recent = intake.recent_case(resident, CHANNEL, MERGE_WINDOW, now)
    if recent is not None:
        intake.add_photo(recent, (media_id, url), source_message, resident, now)
        return Outcome(recent, merged=True)
    return _file(resident, now, photo=(media_id, url), source_message=source_message)


def location(resident, lat, lng, label, source_message, now):
    recent = intake.recent_case(resident, CHANNEL, MERGE_WINDOW, now)
    if recent is not None:
        intake.add_location(recent, (lat, lng, label), source_message, resident, now)
        return Outcome(recent, merged=True)
    return _file(resident, now, location=(lat, lng, label), source_message=source_message)


def _file(resident, now, **case):
    """A new case, within the filing limit every channel shares; past it, no case: the message
    is stored already and stays in the console's inbox, where staff can still make it one."""
    try:
        intake.count_filing(resident)
    except limits.TooMany:
        return Outcome(None, merged=False)
    return Outcome(intake.submit(resident, CHANNEL, now=now, **case), merged=False)


def acknowledgement(outcome, kind):
    """What the resident reads back: the case number and what happens next."""
    case = outcome.case
    if case is None:
        return texts.get("filing_limited")
    if outcome.merged:
        added = {"words": "文字说明", "photo": "照片", "location": "位置"}[kind]
        return "已将%s补充到案件 %s。回复“进度”可查询办理情况。" % (added, case.number)
    owner = ("%s%s" % (LEVEL_LABELS[case.level], case.assignee.name) if case.assignee_id
             else "社区工作人员")
    lines = ["已收到您的反映，案件编号 %s。" % case.number,
             "已转交%s，会尽快与您联系并处理。" % owner]
    if kind == "photo" and not case.description:
        lines.append("请在5分钟内补充一句文字说明（如“3号楼2单元楼道灯不亮”），会合并到这个案件。")
    elif kind == "location":
        lines.append("请在5分钟内发送文字或照片说明问题，会合并到这个案件。")
    lines.append("回复“进度”可随时查询。")
    return "\n".join(lines)


def progress(resident):
    cases = intake.open_cases(resident)
    if not cases:
        return "您目前没有正在办理的案件。\n反映问题请发送“报修+问题描述”，或直接发送照片、语音。"
    lines = ["您正在办理的案件："]
    for case in cases:
        summary = (case.description or "（照片）").splitlines()[0][:20]
        lines.append("%s %s\n  状态：%s，当前由%s负责" % (
            case.number, summary, STATE_LABELS[case.state], LEVEL_LABELS[case.level]))
    return "\n".join(lines)
