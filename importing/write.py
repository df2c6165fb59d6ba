"""The writes of an import plan, in a few statements.

Rows are built as tuples of column values straight from the converted
records: no model instances, each JSON value encoded once. A new row's
history snapshot (for a table whose spec keeps history) is assembled from
the same encoded column values (`_RowLayout.encode`), so 30,000 questions
cost one pass over their values, not three.

Locally each table and chunk is one `executemany` (SQLite's fastest insert
path); on a libSQL server, multi-row `INSERT ... SELECT ... FROM
json_each(?)` statements batched into requests of a few MB (30,000
questions with their history: about 70 round trips).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from core import encodings
from core.databases import content_connection as connection
from core.fields import NodeJSONField, NodeTimestampField
from importing.plan import Pending, Plan, Progress, chunks
from importing.readers import SourceRecord
from importing.specs import ModelSpec

# Records per write step; each step is one `executemany` per table.
WRITE_CHUNK = 1000


def write_plan(plan: Plan, *, user_label: str, progress: Progress | None, now: datetime) -> None:
    """Write the plan's creates and updates (and their history rows)."""
    spec = plan.spec
    history = spec.history
    total = len(plan.creates) + len(plan.updates)
    done = 0
    # Every row this import creates or changes carries the same instant.
    now_text = encodings.format_node_timestamp(now)
    for records, inserts in _create_statements(plan, user_label=user_label, now=now, now_text=now_text):
        for insert in inserts:
            _insert(insert.table, insert.columns, insert.rows)
            if insert.is_history:
                plan.report.history_rows += len(insert.rows)
        done += records
        if progress:
            progress(f"writing {spec.name}", done, total)
    for chunk in chunks(plan.updates, WRITE_CHUNK):
        _update_rows(spec, chunk)
        if history is not None:
            _insert(
                history.table,
                history.columns,
                [_update_history_row(spec, item, user_label=user_label, created_at=now_text) for item in chunk],
            )
            plan.report.history_rows += len(chunk)
        done += len(chunk)
        if progress:
            progress(f"writing {spec.name}", done, total)
    if spec.on_written is not None:
        spec.on_written([item.pk for item in [*plan.creates, *plan.updates]])


@dataclass(frozen=True, slots=True)
class _Insert:
    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    is_history: bool = False


def _create_statements(
    plan: Plan, *, user_label: str, now: datetime, now_text: str
) -> Iterator[tuple[int, list[_Insert]]]:
    """Per chunk of new records: how many, and the INSERTs of their rows and
    history rows (computed here, written by the caller)."""
    spec = plan.spec
    history = spec.history
    now_value = encodings.StoredTimestamp.from_text(now_text, now)
    pk_name = spec.pk_field.name
    for chunk in chunks(plan.creates, WRITE_CHUNK):
        by_layout: dict[_RowLayout, list[Pending]] = defaultdict(list)
        for item in chunk:
            with_pk = not spec.pk_is_generated or item.values.get(pk_name) is not None
            by_layout[_layout(spec.model, with_pk=with_pk)].append(item)
        inserts = []
        for layout, items in by_layout.items():
            rows, snapshots, changed = layout.encode(
                [item.values for item in items],
                now_value,
                snapshot_value=history.snapshot_value if history is not None else None,
            )
            inserts.append(_Insert(spec.model._meta.db_table, layout.columns, rows))
            if history is not None:
                created_row = history.created_row
                history_rows = [
                    created_row(
                        record_id=str(item.pk),
                        source_name=user_label,
                        changed_fields=changed_fields,
                        after=after,
                        metadata=_metadata(item.source),
                        created_at=now_text,
                    )
                    for item, after, changed_fields in zip(items, snapshots, changed, strict=True)
                ]
                inserts.append(_Insert(history.table, history.columns, history_rows, is_history=True))
        yield len(chunk), inserts


_NOW = object()


class _RowLayout:
    """The INSERT columns of one model and how converted records become rows
    of column values (every column, in model order).

    A column a record does not give gets what a new row of the model gets:
    `now` for the set-on-create/change timestamps, else the field's
    default; an explicit null in a nullable column stays null, as in the
    file. Records are encoded a chunk at a time, column by column: one list
    comprehension per column instead of branching per value.
    """

    def __init__(self, model: type[models.Model], *, with_pk: bool) -> None:
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.columns = tuple(f.column for f in self.fields)
        self._plan = []
        for model_field in self.fields:
            if model_field.primary_key:
                default: Any = None
            elif isinstance(model_field, NodeTimestampField) and (
                model_field.set_on_create or model_field.set_on_change
            ):
                default = _NOW
            elif model_field.has_default():
                default = model_field.get_default()
            elif model_field.has_db_default() and not hasattr(model_field.db_default, "resolve_expression"):
                default = model_field.db_default
            else:
                default = None
            self._plan.append((model_field, default, db_encoder(model_field)))
        # The encoded `changed_fields` list per set of non-null columns (few distinct sets).
        self._changed_fields: dict[int, encodings.JSONText] = {}

    def encode(
        self,
        records: list[dict[str, Any]],
        now: datetime,
        *,
        snapshot_value: Callable[[models.Field, Any], Any] | None = None,
    ) -> tuple[list[tuple[Any, ...]], list[encodings.JSONText], list[encodings.JSONText]]:
        """The rows of `records` (dicts of field name -> converted value).

        With `snapshot_value` (the history's, see `specs.ImportHistory`),
        also each new row's history `after_snapshot` (every field) and
        `changed_fields` (the non-null ones), exactly as the app's own
        services record them (tests/importing/test_import_speed.py compares the two
        for questions), assembled from the row's already-encoded values.
        """
        with_snapshots = snapshot_value is not None
        stored_columns = []
        fragment_columns = []
        present = [0] * len(records)
        for bit, (model_field, default, encode) in enumerate(self._plan):
            name = model_field.name
            fill = now if default is _NOW else default
            if fill is None:
                column = [values.get(name) for values in records]
            elif model_field.null:
                column = [fill if value is _ABSENT else value for value in (v.get(name, _ABSENT) for v in records)]
            else:
                column = [fill if value is None else value for value in (v.get(name) for v in records)]
            stored = column if encode is _encode_as_is else list(map(encode, column))
            stored_columns.append(stored)
            if with_snapshots:
                flag = 1 << bit
                present = [mask | flag if value is not None else mask for mask, value in zip(present, stored, strict=True)]
                fragment_columns.append(_snapshot_fragments(model_field, column, stored, snapshot_value))
        rows = list(zip(*stored_columns, strict=True))
        if not with_snapshots:
            return rows, [], []
        snapshots = [encodings.JSONText("{" + ",".join(parts) + "}") for parts in zip(*fragment_columns, strict=True)]
        return rows, snapshots, [self._changed(mask) for mask in present]

    def _changed(self, mask: int) -> encodings.JSONText:
        changed = self._changed_fields.get(mask)
        if changed is None:
            names = [f.name for bit, (f, _d, _e) in enumerate(self._plan) if mask >> bit & 1]
            changed = self._changed_fields[mask] = encodings.JSONText(encodings.to_node_json(names))
        return changed


_ABSENT = object()


def _snapshot_fragments(
    model_field: models.Field,
    values: list[Any],
    stored: list[Any],
    snapshot_value: Callable[[models.Field, Any], Any],
) -> list[str]:
    """`"name":<JSON>` of each value in a history snapshot, reusing the
    encoded column values: JSON columns are already JSON text, text needs
    only quoting; anything unusual takes `snapshot_value` + `to_node_json`."""
    key = _JSON_STRING(model_field.name) + ":"
    null = key + "null"

    def other(value: Any) -> str:
        return key + encodings.to_node_json(snapshot_value(model_field, value))

    if isinstance(model_field, NodeJSONField):
        if any(type(value) is encodings.InvalidJSON for value in values):
            return [null if value is None else other(value) for value in values]
        return [null if text is None else key + text for text in stored]
    if isinstance(model_field, models.BooleanField):
        true, false = key + "true", key + "false"
        return [
            null if value is None else true if value is True else false if value is False else other(value)
            for value in values
        ]
    if isinstance(model_field, models.IntegerField) and not model_field.is_relation:
        return [
            null if value is None else key + str(value) if type(value) is int else other(value)
            for value in values
        ]
    if isinstance(model_field, NodeTimestampField | models.CharField | models.TextField):
        return [
            null if text is None else key + _json_string(text) if type(text) is str else other(value)
            for value, text in zip(values, stored, strict=True)
        ]
    return [null if value is None else other(value) for value in values]


def _json_string(text: str) -> str:
    """`text` as a JSON string the way JSON.stringify writes it (non-ASCII kept).

    ASCII text (but DEL, which only the ASCII encoder escapes) takes the
    ASCII encoder, which gives the same result about half again as fast.
    """
    if text.isascii() and "\x7f" not in text:
        return _JSON_STRING_ASCII(text)
    return _JSON_STRING(text)


_JSON_STRING = json.encoder.encode_basestring
_JSON_STRING_ASCII = json.encoder.encode_basestring_ascii


@functools.cache
def _layout(model: type[models.Model], *, with_pk: bool) -> _RowLayout:
    return _RowLayout(model, with_pk=with_pk)


def _metadata(source: SourceRecord) -> encodings.JSONText:
    """`{"file": ..., "record": n}`: where the history row's values came from."""
    return encodings.JSONText(f'{{"file":{_JSON_STRING(source.file)},"record":{int(source.number)}}}')


def _db_value(model_field: models.Field, value: Any) -> Any:
    prepared = model_field.get_db_prep_save(value, connection)
    return int(prepared) if isinstance(prepared, bool) else prepared


# Per-column encoders that give exactly what `field.get_db_prep_save` gives
# for the values this module builds (tests/importing/test_import_engine.py checks the
# two agree), at a fraction of the cost: 30,000 questions are ~750,000 values.
def _encode_json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, encodings.InvalidJSON):
        return str(value)
    # Values come from `parse_json` (numbers already as JSON.stringify keeps
    # them), so the encoder needs no second pass over them.
    return _JSON_ENCODE(value)


_JSON_ENCODE = json.JSONEncoder(separators=encodings.JSON_SEPARATORS, ensure_ascii=False).encode


def _encode_boolean(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def _encode_as_is(value: Any) -> Any:
    return value


def db_encoder(model_field: models.Field, *, trusted_json: bool = True) -> Callable[[Any], Any]:
    """The function turning a value of `model_field` into the value bound to SQL."""
    if isinstance(model_field, NodeJSONField):
        return _encode_json if trusted_json else model_field.get_prep_value
    if isinstance(model_field, NodeTimestampField):
        return encodings.write_timestamp
    if isinstance(model_field, models.BooleanField):
        return _encode_boolean
    if model_field.is_relation or isinstance(model_field, models.IntegerField | models.TextField | models.CharField):
        return _encode_as_is
    return functools.partial(_db_value, model_field)


# INSERTs sent to a libSQL server carry their rows as one JSON text
# parameter that the server unpacks with `json_each`: one value in the
# request instead of one per column and row (building those was most of the
# client's time), and one statement to parse per up to 200 rows. The server
# refuses a single value of a few MB, so a statement's JSON stays under
# `REMOTE_STATEMENT_BYTES`; a request (one round trip) carries up to
# `hrana.BATCH_MAX_BYTES` of statements.
REMOTE_ROWS_PER_STATEMENT = 200
REMOTE_STATEMENT_BYTES = 1 << 20


def _insert(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT `rows` (tuples of column values in `columns` order).

    Locally one `executemany` (SQLite's fastest path: one prepared
    statement, no SQL text per row); on a libSQL server `execute_batch` of
    `INSERT ... SELECT` from JSON arrays of rows.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    target = "INSERT INTO {} ({})".format(quote(table), ", ".join(quote(column) for column in columns))
    if not getattr(connection, "is_remote", False):
        with connection.cursor() as cursor:
            cursor.executemany("{} VALUES ({})".format(target, ", ".join(["%s"] * len(columns))), rows)
        return
    # `value ->> n` is element n of a row's array as an SQL value: a JSON
    # string is TEXT, a number INTEGER, null NULL; the same values the
    # local path binds (rows hold only text, integers and None).
    select = ", ".join(f"value ->> {index}" for index in range(len(columns)))
    sql = f"{target} SELECT {select} FROM json_each(%s)"
    connection.execute_batch([(sql, [rows_json]) for rows_json in json_row_arrays(rows)], want_rows=False)


def json_row_arrays(rows: list[tuple[Any, ...]]) -> Iterator[str]:
    """`rows` as JSON arrays of rows, each within the statement limits above."""
    group: list[str] = []
    size = 0
    for row in rows:
        text = _ROW_ENCODE(row)
        if group and (len(group) >= REMOTE_ROWS_PER_STATEMENT or size + len(text) > REMOTE_STATEMENT_BYTES):
            yield "[" + ",".join(group) + "]"
            group, size = [], 0
        group.append(text)
        size += len(text) + 1
    if group:
        yield "[" + ",".join(group) + "]"


# Non-ASCII kept: the server's limit is on the decoded value, and `é` as
# `\u00e9` would count six times. (NaN cannot occur: no float columns.)
_ROW_ENCODE = json.JSONEncoder(separators=encodings.JSON_SEPARATORS, ensure_ascii=False, allow_nan=False).encode


def _update_rows(spec: ModelSpec, items: list[Pending]) -> None:
    """UPDATE only the changed columns, one `executemany` per set of changed columns."""
    quote = connection.ops.quote_name
    model = spec.model
    pk_column = quote(spec.pk_field.column)
    groups: dict[tuple[str, ...], list[Pending]] = defaultdict(list)
    for item in items:
        groups[tuple(item.changes)].append(item)
    for names, group in groups.items():
        fields = [model._meta.get_field(name) for name in names]
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(model._meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields), pk_column
        )
        encoders = [(f.name, db_encoder(f)) for f in fields]
        params = [[*(encode(item.values[name]) for name, encode in encoders), item.pk] for item in group]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def _update_history_row(spec: ModelSpec, item: Pending, *, user_label: str, created_at: str) -> tuple[Any, ...]:
    """The history row of an updated record: the changed content fields, before and after."""
    history = spec.history
    snapshot_value = history.snapshot_value
    get_field = spec.model._meta.get_field
    content = [name for name in item.changes if name not in spec.bookkeeping_fields]
    before = item.before or {}
    return history.updated_row(
        record_id=str(item.pk),
        source_name=user_label,
        changed_fields=content,
        # Before-values were read from the database: the row builder gives
        # them (and everything else here) the full JSON.stringify treatment.
        before={name: snapshot_value(get_field(name), before.get(name)) for name in content},
        after={name: snapshot_value(get_field(name), item.values[name]) for name in content},
        metadata=_metadata(item.source),
        created_at=created_at,
    )


