"""What every request is refused for before a view runs, the same on SQLite and PostgreSQL:

- JSON nested deeper than any body of ours: the parser would recurse until RecursionError (a 500)
  on 100,000 nested brackets; past MAX_JSON_DEPTH it is a 400.
- A NUL character (U+0000) in the path, the query string, a header, a form or a JSON string:
  PostgreSQL cannot store or even compare it in text (a 500), SQLite would store it silently.
  Nothing a person types contains one, so it is a 400 here, before any query.
- A text field longer than text_limits.TEXT_LIMITS allows it (a JSON body or a console form):
  a 400 that names the field, not 100,000 characters stored in a case's timeline. Except a field
  the route bounds itself (`bounds_own_text`: an API model's max_length from the domain's
  constant, or a console view marked so): the same too-long title must get one answer, the
  domain's, not 422 bad_title at 61 characters and 400 title_too_long at 65.
"""
from flask import abort
from flask import current_app
from flask import request
from flask.json.provider import DefaultJSONProvider

from linli.errors import LinliError
from linli.text_limits import limit

# Our deepest body is two levels (a report's `location`); room to grow, far below the recursion limit.
MAX_JSON_DEPTH = 32
FORM_READERS = ("console", "open311")
NUL_MESSAGE = "输入中含有不允许的空字符（U+0000）"


class BadInput(LinliError):
    status = 400


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON with a bound on nesting. Raises BadInput, not ValueError, so that even
    `get_json(silent=True)` answers 400 instead of treating the body as absent."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            value = None
        else:
            if _depth_within(value, MAX_JSON_DEPTH):
                return value
        raise BadInput("json_too_deep", "JSON 嵌套不能超过 %d 层" % MAX_JSON_DEPTH)


def _depth_within(value, limit):
    level = [value]
    for _ in range(limit + 1):
        level = [v for item in level if isinstance(item, (dict, list))
                 for v in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return True
    return False


def _named_strings(value, name=""):
    """(field name, string) for every string of a parsed JSON value (its depth already bounded):
    a list's items under the list's name, and each key itself under no name."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield "", key
            yield from _named_strings(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _named_strings(item, name)


def bounds_own_text(*names):
    """Mark a view whose domain bounds these fields itself (its own length, its own code): the
    table here leaves them to it. (An API route's model marks its view in openapi.declare.)"""
    def mark(view):
        view.bounds_own_text = frozenset(names)
        return view
    return mark


def _own_bounds():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "bounds_own_text", frozenset())


def _fields():
    """(name, text) of every field people type: the APIs' JSON bodies, and the console's forms,
    but the top-level fields the route bounds itself. (Not WeChat's pushes: their JSON carries a
    long `Encrypt`, and the gateway bounds the body.)"""
    own = _own_bounds()
    if request.is_json and request.path.startswith("/api/"):
        body = request.get_json(silent=True)
        if own and isinstance(body, dict):
            body = {k: v for k, v in body.items() if not (k in own and isinstance(v, str))}
        yield from _named_strings(body)
    if request.blueprint == "console":
        yield from ((name, text) for name, text in request.form.items(multi=True) if name not in own)


def _submitted_text():
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    for value in request.headers.values():
        yield value
    # Forms only where forms are read: the WeChat gateway reads its raw body itself (under its
    # own size limit, whatever the content type), and the mini-program's upload likewise.
    if request.blueprint in FORM_READERS:
        for key, value in request.form.items(multi=True):
            yield key
            yield value
    if request.is_json:
        for _, text in _named_strings(request.get_json(silent=True)):
            yield text


def register(app):
    app.json = BoundedJSONProvider(app)

    @app.before_request
    def refuse_nul():
        if any("\x00" in text for text in _submitted_text()):
            if request.blueprint == "console":
                abort(400, NUL_MESSAGE)          # the console's own error page
            raise BadInput("nul_character", NUL_MESSAGE)

    @app.before_request
    def refuse_overlong():
        for name, text in _fields():
            if len(text) > limit(name):
                message = "%s 不能超过 %d 个字" % (name, limit(name))
                if request.blueprint == "console":
                    abort(400, message)
                raise BadInput("%s_too_long" % (name[:40] or "key"), message)
