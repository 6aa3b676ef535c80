"""Plain values from outside, as the database can hold them."""
import re

from models.db import INT_MAX

_DIGITS = re.compile(r"^[+-]?\d{1,10}$")        # 10 digits: INT_MAX's; more would not fit anyway


def whole_number(value):
    """`value` (a JSON number, or the digits of a form field) as an int the database can hold;
    None when it is not one."""
    if isinstance(value, str):
        if not _DIGITS.match(value.strip()):
            return None
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not -INT_MAX <= value <= INT_MAX:
        return None
    return value
