"""Statements composed once per database and run again with other values: for the hot path of
a WeChat push (issue 21), where peewee composing SQL cost more than SQLite running it.

Profiled under bench/gateway.py, peewee's query building (Context.sql and the __sql__ of every
node) took a quarter of a push's time and SQLite's execution about an eighth. The models stay
the truth: a `Prepared` query is written with peewee, composed the first time it runs on a
database, and from then on only its values change; an `insert` is one fixed INSERT per model
and column set, its values converted by the models' own fields. Everything off the hot path
keeps writing peewee queries as usual.
"""
from models.db import db

_MAX_DATABASES = 8          # tests make a database per run: forget the old ones' statements


class Prepared:
    """A peewee query built by `build(*samples)`, composed once per database; run with other
    values in place of the samples. Each sample must appear exactly once among the query's
    parameters (choose values nothing else in the query could equal), and the values given
    must be what the database stores (ids, not model instances; str, int, datetime)."""

    def __init__(self, build, *samples):
        self._build = build
        self._samples = samples
        self._by_database = {}

    def _composed(self):
        database = db.obj
        found = self._by_database.get(id(database))
        if found is None or found[0] is not database:
            query = self._build(*self._samples)
            sql, params = query.sql()
            slots = [i for sample in self._samples for i, p in enumerate(params) if p == sample]
            if len(slots) != len(self._samples):
                raise ValueError("each sample must appear once among the parameters: %r" % (params,))
            if len(self._by_database) >= _MAX_DATABASES:
                self._by_database.clear()
            found = self._by_database[id(database)] = (database, query, sql, tuple(params), slots, {})
        return found

    def _run(self, values):
        """(the kept column mapping, the query, the cursor of its run with `values`)."""
        _, query, sql, params, slots, reading = self._composed()
        params = list(params)
        for slot, value in zip(slots, values, strict=True):
            params[slot] = value
        return reading, query, db.execute_sql(sql, params)

    def rows(self, *values):
        """What the query itself would return (model instances, joined ones attached)."""
        reading, query, cursor = self._run(values)
        wrapper = query._get_cursor_wrapper(cursor)
        # How the columns map onto the models is worked out on the first row (peewee's
        # initialize()) and is the same for every run of one statement: a third of a push's
        # time in peewee went to working it out again. Kept from the first run, given to the next.
        if reading:
            wrapper.__dict__.update(reading)
            wrapper.initialized = True
        before = set(wrapper.__dict__)
        rows = list(wrapper)
        if not reading and wrapper.initialized:
            reading.update((k, v) for k, v in wrapper.__dict__.items() if k not in before)
        return rows

    def first(self, *values):
        rows = self.rows(*values)
        return rows[0] if rows else None

    def scalar(self, *values):
        rows = self._run(values)[2].fetchall()
        return rows[0][0] if rows else None

    def execute(self, *values):
        """An UPDATE or DELETE: the number of rows it changed."""
        return self._run(values)[2].rowcount


_inserts = {}


def insert(model, values, conflict_target=None, returning=None):
    """Insert one row of `model` (`values` by field name, defaults filled as peewee would) by a
    statement made once per database, model and set of columns. `conflict_target` (field names):
    ON CONFLICT (...) DO NOTHING. Returns the `returning` field's value (default the primary
    key), or None when a conflict inserted nothing."""
    meta = model._meta
    row = {}
    for field in meta.sorted_fields:
        if field.name in values:
            row[field] = values[field.name]
        elif field in meta.defaults and field is not meta.primary_key:
            default = meta.defaults[field]
            row[field] = default() if callable(default) else default
    returned = meta.fields[returning] if returning else meta.primary_key
    database = db.obj
    key = (id(database), model, tuple(f.name for f in row), tuple(conflict_target or ()), returned.name)
    found = _inserts.get(key)
    if found is None or found[0] is not database:
        def quote(name):
            return database.quote[0] + name + database.quote[1]      # peewee's quote characters
        sql = "INSERT INTO %s (%s) VALUES (%s)" % (
            quote(meta.table_name), ", ".join(quote(f.column_name) for f in row),
            ", ".join([database.param] * len(row)))
        if conflict_target:
            sql += " ON CONFLICT (%s) DO NOTHING" % ", ".join(
                quote(meta.fields[name].column_name) for name in conflict_target)
        sql += " RETURNING %s" % quote(returned.column_name)
        if len(_inserts) >= 64 * _MAX_DATABASES:
            _inserts.clear()
        found = _inserts[key] = (database, sql)
    cursor = db.execute_sql(found[1], [field.db_value(value) for field, value in row.items()])
    inserted = cursor.fetchall()       # all: SQLite finishes a RETURNING statement as it is read
    return inserted[0][0] if inserted else None
