"""Value conversion: the app's JSON values and CSV/XLSX cells to the
Python values of a model's fields, each checked against the storage rule
(`core.encodings.value_problem`).

Kept apart from the plan and the writes because it is the part that runs
once per value (30,000 questions are ~600,000 values): the common cases
(text as text, JSON inline in a JSON file) take no conversion call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models

from core import encodings
from core.encodings import text_problem, value_problem
from core.fields import NodeJSONField, NodeTimestampField
from importing.readers import SourceRecord, parse_json
from importing.report import ModelReport, Problem
from importing.specs import ModelSpec


class InvalidValue(ValueError):
    """A record's value that cannot be stored in its column; the message says why."""


@dataclass(frozen=True, slots=True)
class KeyRule:
    """How one of the file's keys becomes a field value (see `key_rules`)."""

    key: str
    name: str  # the model field's name
    kind: int
    convert: Callable[[Any, bool], Any]
    required: bool  # NOT NULL without a default: an empty value is refused


# A value of these kinds needs no conversion call in the common case (text
# as text, JSON inline in a JSON file): 30,000 questions are ~600,000 values.
_KIND_TEXT, _KIND_JSON, _KIND_OTHER = range(3)
_INLINE_JSON_TYPES = frozenset({list, dict, str, int, bool, type(None)})
# Converted values the storage rule can refuse (timestamps and booleans it cannot).
_RULED_TYPES = frozenset({str, int, list, dict})


def key_rules(spec: ModelSpec) -> dict[str, KeyRule]:
    rules = {}
    for key, model_field in spec.columns.items():
        convert = converter_for(model_field)
        kind = _KIND_TEXT if convert is _to_text else _KIND_JSON if convert is _to_json_value else _KIND_OTHER
        required = not model_field.null and not fillable(model_field)
        rules[key] = KeyRule(key=key, name=model_field.name, kind=kind, convert=convert, required=required)
    return rules


def convert_record(
    record: SourceRecord,
    rules: dict[str, KeyRule],
    report: ModelReport,
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    data = record.data
    tabular = record.tabular
    if "__not_an_object__" in data:
        return values, [Problem(file=record.file, record=record.number, reason="is not a JSON object")]
    if "__extra_cells__" in data:
        problems.append(
            Problem(
                file=record.file,
                record=record.number,
                record_id=record_id_of(data),
                reason="has more cells than the header has columns",
            )
        )
    for key, raw in data.items():
        rule = rules.get(key)
        if rule is None:
            if not key.startswith("__"):
                report.ignored_keys[encodings.printable(key)] += 1
            continue
        kind = rule.kind
        # Every value passes the storage rule (`encodings.value_problem`);
        # plain ASCII text, most of an import, is checked inline.
        if kind == _KIND_TEXT and type(raw) is str:
            value = raw
            unstorable = None if raw.isascii() and "\x00" not in raw else text_problem(raw)
        elif (
            kind == _KIND_JSON
            and not tabular
            and type(raw) in _INLINE_JSON_TYPES
            and not (type(raw) is dict and encodings.LEGACY_TEXT_KEY in raw)
        ):
            value = raw
            unstorable = None if raw is None else value_problem(raw)
        else:
            try:
                value = rule.convert(raw, tabular)
            except InvalidValue as exc:
                unstorable = str(exc)
            else:
                unstorable = value_problem(value) if type(value) in _RULED_TYPES else None
                if type(value) is encodings.InvalidJSON:
                    unstorable = text_problem(value)
        if unstorable:
            problems.append(
                Problem(
                    file=record.file,
                    record=record.number,
                    field=key,
                    reason=unstorable,
                    record_id=record_id_of(data),
                )
            )
            continue
        if rule.required and (value is None or value == ""):
            problems.append(
                Problem(
                    file=record.file,
                    record=record.number,
                    field=key,
                    reason="is required but empty",
                    record_id=record_id_of(data),
                )
            )
            continue
        values[rule.name] = value
    return values, problems


def record_id_of(data: dict[str, Any]) -> str | None:
    """The record's id as problems name it, when it has a usable one."""
    record_id = data.get("id")
    if isinstance(record_id, str):
        return encodings.printable(_shortened(record_id))
    return str(record_id) if type(record_id) is int and encodings.integer_problem(record_id) is None else None


# A value quoted in a message is cut to this many characters: one cell may
# hold megabytes, and a report repeats the message for every record.
SHOWN_CHARS = 80


def _shortened(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}… ({len(text):,} characters)"


def shown(raw: Any) -> str:
    """`raw` as a message quotes it: repr, cut short."""
    if isinstance(raw, str):
        return repr(_shortened(raw))
    try:
        return _shortened(repr(raw))
    except ValueError:  # an integer with more digits than Python will print
        return "a number too long to show"


def fillable(model_field: models.Field) -> bool:
    """A NOT NULL column an empty value may leave to its default."""
    if model_field.primary_key:
        return False
    return isinstance(model_field, NodeTimestampField) and model_field.set_on_create



def same_value(model_field: models.Field, old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if isinstance(model_field, NodeTimestampField):
        if isinstance(old, datetime) and isinstance(new, datetime):
            return old == new  # the same instant in either of the app's formats
        return encodings.write_timestamp(old) == encodings.write_timestamp(new)
    if isinstance(model_field, NodeJSONField):
        return encodings.to_node_json(old) == encodings.to_node_json(new)
    if isinstance(model_field, models.BooleanField | models.IntegerField):
        return old == new
    return str(old) == str(new)


# --------------------------------------------------------------------------
# Value conversion: the app's JSON values and CSV/XLSX cells to Python values


def converter_for(model_field: models.Field) -> Callable[[Any, bool], Any]:
    if isinstance(model_field, NodeJSONField):
        return _to_json_value
    if isinstance(model_field, NodeTimestampField):
        return _to_timestamp
    if isinstance(model_field, models.BooleanField):
        return _to_boolean
    if isinstance(model_field, models.IntegerField) and not model_field.is_relation:
        return _to_integer
    return _to_text


def _to_json_value(raw: Any, tabular: bool) -> Any:
    if raw is None:
        return None
    if tabular and isinstance(raw, str):
        if raw == "":
            return None  # an empty cell, as the export writes NULL
        try:
            raw = parse_json(raw)
        except ValueError as exc:
            raise InvalidValue(f"is not valid JSON: {exc}") from None
        except RecursionError:
            raise InvalidValue(_TOO_DEEP) from None
    if type(raw) is dict:
        legacy = encodings.legacy_text_of(raw)
        return raw if legacy is None else legacy
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InvalidValue("is not a finite number")
        if raw.is_integer() and abs(raw) < 1e21:
            return int(raw)
    return raw


_TOO_DEEP = f"nests lists or objects more than {encodings.MAX_JSON_DEPTH} levels deep"


def _to_timestamp(raw: Any, tabular: bool) -> datetime | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):  # an XLSX date cell
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if not isinstance(raw, str):
        raise InvalidValue(f"{shown(raw)} is not a timestamp")
    try:
        if _CANONICAL_TIMESTAMP.fullmatch(raw):
            # Already the app's own form (UTC, `Z`): keep the text, skip
            # formatting it again; parsed straight into the marker type.
            stored = encodings.StoredTimestamp.fromisoformat(raw)
            stored.stored_text = raw
            return stored
        return encodings.parse_node_timestamp(raw)
    except ValueError:
        raise InvalidValue(
            f"{shown(raw)} is not a timestamp (use 2026-01-13T03:29:00.972Z or 2026-01-13 03:29:00)"
        ) from None


_CANONICAL_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


_TRUE_TEXT = {"1", "true", "yes"}
_FALSE_TEXT = {"0", "false", "no"}


def _to_boolean(raw: Any, tabular: bool) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE_TEXT | _FALSE_TEXT:
        return raw.strip().lower() in _TRUE_TEXT
    raise InvalidValue(f"{shown(raw)} is not a boolean (use 0/1 or true/false)")


def _to_integer(raw: Any, tabular: bool) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidValue(f"{shown(raw)} is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    raise InvalidValue(f"{shown(raw)} is not a whole number")


def _to_text(raw: Any, tabular: bool) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if tabular and isinstance(raw, int | float) and not isinstance(raw, bool):
        # A spreadsheet turns "2023" into a number; the column is text.
        return str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    raise InvalidValue(f"expected text, got {type(raw).__name__} {shown(raw)}")


