"""What a request to /api/mp may carry: the field types its request models are built from (each
model sits above its view), the bases those models share, and the one rule that turns a failed
validation into our 400 (`refusal`). A model says what a JSON Schema can say (types, ranges,
patterns); the domain keeps its own rules (a description's length, a stock above what is claimed).
"""
import dataclasses
import datetime
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import WithJsonSchema
from pydantic import model_validator
from werkzeug.datastructures import FileStorage

from cases import queries
from cases.queries import MAX_PAGE
from cases.queries import MAX_PAGE_SIZE
from linli.clock import stored
from linli.errors import LinliError
from models.db import INT_MAX

# Beyond the database's 32-bit integers a value cannot be stored or even compared, and would
# fail deep inside a query (a 30-digit filter once overflowed inside SQLite: a 500). Pydantic
# compares integers of any size exactly, so 10**30 or 2**64 is a plain 400.
INT_LIMIT = INT_MAX
YEARS = range(2000, 2100)
BAD_JSON = ("bad_json", "请求体应为 JSON 对象")
CURSOR_MESSAGE = queries.CURSOR_MESSAGE
_EXPECTED = {"int": "整数", "string": "字符串", "bool": " true 或 false", "float": "数字", "list": "数组",
             "dict": "对象", "model": "对象"}
_RANGES = {"less_than_equal": "不能大于 %(le)s", "less_than": "应小于 %(lt)s",
           "greater_than_equal": "不能小于 %(ge)s", "greater_than": "应大于 %(gt)s"}


class BadRequest(LinliError):
    status = 400


@dataclasses.dataclass(frozen=True)
class Refusal:
    """How a bad value of one field is answered where the general rule (400 `bad_field`, or
    `bad_filter` in a query) does not: the code clients and tests already know, its message,
    and the status the domain answered it with before. `{name}` stands for the field's name."""
    code: str
    message: str
    status: int = 400


def refusal(model, error, default):
    """The LinliError for pydantic's `error` about `model`: the first failing field's Refusal,
    or `default` ("bad_field", "bad_filter") with a message naming the field."""
    first = error.errors(include_url=False)[0]
    if not first["loc"]:
        return BadRequest(*BAD_JSON)
    name = str(first["loc"][0])
    field = model.model_fields.get(name)
    rule = next((m for m in field.metadata if isinstance(m, Refusal)), None) if field else None
    if rule is not None:
        return LinliError(rule.code.format(name=name), rule.message.format(name=name), rule.status)
    return BadRequest(default, _message(name, first))


def _message(name, error):
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "缺少 %s" % name
    if kind in _RANGES:
        return "%s %s" % (name, _RANGES[kind] % context)
    if kind == "literal_error":
        return "%s 应为 %s" % (name, context["expected"])
    expected = _EXPECTED.get(kind.split("_")[0])
    return "%s 应为%s" % (name, expected) if expected else "%s 格式不对" % name


# -- bases --------------------------------------------------------------------------------------
class Body(BaseModel):
    """A JSON object body. Strict: a number is not a string of digits, true is not 1."""
    model_config = ConfigDict(strict=True)


class Query(BaseModel):
    """A query string: values arrive as text. A name given twice counts once, by its first
    value, as Flask's `args.get` read it."""

    @model_validator(mode="before")
    @classmethod
    def _first_values(cls, values):
        return {k: v[0] if isinstance(v, list) and v else v for k, v in values.items()}


class Form(BaseModel):
    """A multipart form (its files among its fields)."""


class Headers(BaseModel):
    """The request headers a route reads; the others pass unread."""


class IdempotencyKey(Headers):
    key: str | None = Field(None, alias="Idempotency-Key",
                            description="a replay with the same key answers the first result")


# -- field types --------------------------------------------------------------------------------
def _none_is_empty(value):
    return "" if value is None else value


def _blank_is_none(value):
    return None if value == "" else value


Text = Annotated[str, BeforeValidator(_none_is_empty)]
"""A string, "" when absent or null."""


def _stripped(value):
    value = _none_is_empty(value)
    return value.strip() if isinstance(value, str) else value


def bounded(max_chars, code, message, status=422):
    """A string whose length the domain bounds, at the domain's own `max_chars` and answered
    with its `code` and `message` (the domain's rule, e.g. proposals.TITLE_RULE): over it, the
    same answer whatever the length, where the edge's table (linli.text_limits) would have
    answered 400 <field>_too_long past its own, different, number. Stripped first, as the domain
    measures it. The edge leaves such a field to the model (linli.edge, openapi.declare)."""
    return Annotated[str, BeforeValidator(_stripped), Field(max_length=max_chars), Refusal(code, message, status)]

Whole = Annotated[int, Field(ge=-INT_LIMIT, le=INT_LIMIT)]
"""An integer the database can hold (ids, counts, money in fen); the range a value makes sense
in (a positive stock, a score of 1 to 5) is the domain's rule, answered with its own code."""

Id = Annotated[int, Field(gt=0, le=INT_LIMIT)]


def optional_filter(kind):
    """A query filter of type `kind`: absent or empty, None (no filter)."""
    return Annotated[kind | None, BeforeValidator(_blank_is_none)]


QueryWhole = optional_filter(Whole)

# Paging numbers are read leniently by the domain (cases.queries.page_args): out of range they
# are clamped, and anything else is the default.
LENIENT = "anything else (or nothing) falls back to the default"
Page = Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
                 Field(description=LENIENT)]
PageSize = Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
                     Field(description=LENIENT)]


def _moment(value):
    """An ISO 8601 time with its offset ("2026-12-01T09:00:00+08:00") as naive UTC. Only years
    YEARS: further out it is a typo, and near the calendar's ends the arithmetic on it (UTC,
    Asia/Shanghai, N days of validity) runs off the calendar."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    try:
        parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        moment = stored(parsed) if parsed is not None and parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.year not in YEARS:
        raise ValueError("not a time with its offset in YEARS")
    return moment


Moment = Annotated[datetime.datetime | None, BeforeValidator(_moment),
                   Field(description="ISO 8601 with its offset, years %d–%d" % (YEARS[0], YEARS[-1])),
                   Refusal("bad_{name}", "{name} 应为带时区的 ISO 8601 时间（%d–%d 年）" % (YEARS[0], YEARS[-1]))]


def _file(value):
    if not isinstance(value, FileStorage):
        raise ValueError("not a file")
    return value


UploadedFile = Annotated[Any, BeforeValidator(_file), WithJsonSchema({"type": "string", "format": "binary"})]


# -- keyset cursors -----------------------------------------------------------------------------


def _cursor(value):
    if not value:
        return None
    position = queries.cursor_position(value) if isinstance(value, str) else None
    if position is None:
        raise ValueError("not a cursor")
    return position


Cursor = Annotated[Any, BeforeValidator(_cursor), Refusal("bad_cursor", CURSOR_MESSAGE),
                   WithJsonSchema({"type": "string", "description": "the `next` of the page before"})]
