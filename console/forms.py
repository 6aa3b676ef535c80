"""Reading form fields: a clear 400 for a number that is not one."""
import datetime

from flask import abort

from linli.clock import SHANGHAI
from linli.clock import stored
from linli.errors import LinliError
from linli.values import whole_number


def integer(value):
    """A form or query field's number (None when empty) within the database's integers."""
    if value in (None, ""):
        return None
    number = whole_number(value)
    if number is None:
        abort(400, "应为整数：%s" % str(value)[:20])
    return number


def day(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        abort(400, "日期格式应为 YYYY-MM-DD")


def moment(value):
    """A datetime-local field (Asia/Shanghai, as staff read the clock) as stored (naive UTC);
    None when empty, 422 bad_times when it is not a time."""
    if not value:
        return None
    try:
        return stored(datetime.datetime.fromisoformat(value).replace(tzinfo=SHANGHAI))
    except ValueError:
        raise LinliError("bad_times", "时间格式应为 年-月-日 时:分", 422) from None
