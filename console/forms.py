"""Reading form fields: a clear 400 for a number that is not one."""
import datetime

from flask import abort


def integer(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        abort(400, "应为数字：%s" % str(value)[:20])


def day(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        abort(400, "日期格式应为 YYYY-MM-DD")
