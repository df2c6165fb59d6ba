"""The plan of an import: every record checked and sorted into creates and
updates, each update with the fields it changes (the diff against the
stored row). Nothing is written here.

Which records exist is asked `READ_CHUNK` ids per query and only the rows
that do exist are read, `ROW_READ_CHUNK` per query, so a new import of
30,000 records costs a handful of round trips and no response outgrows a
libSQL server's limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

from core import encodings
from core.databases import content_connection as connection
from core.fields import NodeJSONField, NodeTimestampField
from importing.convert import (
    convert_record,
    converter_for,
    key_rules,
    same_value,
    shown,
)
from importing.readers import SourceRecord
from importing.report import FieldChange, ImportReport, ModelReport, Problem, UpdatedRecord
from importing.specs import SPECS, ModelSpec

# Ids per `id IN (...)` query that asks only which exist (at most the
# engine's parameter limit): on a libSQL server each query is a round trip.
READ_CHUNK = 5000
# Whole rows per query: 500 questions stay far below the 10 MB a libSQL
# server answers by default.
ROW_READ_CHUNK = 500
# Other records a duplicate id's message names; the rest are counted.
DUPLICATES_NAMED = 3

# (stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Pending:
    """A valid record, converted, waiting for the write."""

    source: SourceRecord
    values: dict[str, Any]  # field name -> Python value
    pk: Any = None
    changes: list[str] = field(default_factory=list)  # updates: changed field names
    before: dict[str, Any] | None = None  # updates: the stored values of `changes`
    faulted: frozenset[str] = frozenset()  # keys whose value did not convert
    missing_id: bool = False  # refused for having no id


@dataclass
class Plan:
    spec: ModelSpec
    report: ModelReport
    creates: list[Pending] = field(default_factory=list)
    updates: list[Pending] = field(default_factory=list)


# --------------------------------------------------------------------------
# Validation and diff


def plan_all(
    report: ImportReport,
    ordered: list[str],
    batches: dict[str, list[SourceRecord]],
    *,
    assign_ids: bool,
    actor: Any,
    overwrite_newer: bool,
    on_duplicate: str,
    progress: Progress | None,
) -> list[Plan]:
    """The plans of the models named in `ordered` (write order), in that order."""
    # Keys of the rows this import creates, per model, so that later models
    # (written after the ones they refer to) may refer to them.
    created: dict[type[models.Model], set[Any]] = defaultdict(set)
    plans = []
    for name in ordered:
        spec = SPECS[name]
        plan = _plan_model(
            spec,
            batches[name],
            report.model_report(name),
            assign_ids=assign_ids,
            guard_allows=spec.guard is None or spec.guard.may_change(actor),
            overwrite_newer=overwrite_newer,
            on_duplicate=on_duplicate,
            created=created,
            progress=progress,
        )
        created[spec.model].update(p.pk for p in plan.creates if p.pk is not None)
        plans.append(plan)
    return plans


def _plan_model(
    spec: ModelSpec,
    records: list[SourceRecord],
    report: ModelReport,
    *,
    assign_ids: bool,
    guard_allows: bool,
    overwrite_newer: bool,
    on_duplicate: str,
    created: dict[type[models.Model], set[Any]],
    progress: Progress | None,
) -> Plan:
    """Check every record and sort the valid ones into creates and updates.

    Every fault of a record is reported, not only the first: a value that
    does not convert leaves its field out, and the record is still checked
    for duplicates, choices, shapes and missing values, so one run lists all
    that needs fixing.
    """
    plan = Plan(spec=spec, report=report)
    report.received += len(records)
    rules = key_rules(spec)
    pk_name = spec.pk_field.name
    invalid: dict[int, list[Problem]] = {}  # index in `records` -> problems
    held_back: dict[int, Problem] = {}  # valid, but changed in the database since the file was made
    items: dict[int, Pending] = {}  # every record that is an object, with the values that converted

    def refuse(index: int, problem: Problem) -> None:
        invalid.setdefault(index, []).append(problem)

    for index, record in enumerate(records):
        values, problems = convert_record(record, rules, report)
        for problem in problems:
            refuse(index, problem)
        if "__not_an_object__" not in record.data:
            items[index] = Pending(
                source=record,
                values=values,
                pk=values.get(pk_name),
                faulted=frozenset(p.field for p in problems if p.field) if problems else _NO_FAULTS,
            )
        if progress and index % 2000 == 0:
            progress(f"checking {spec.name}", index, len(records))

    _handle_duplicates(spec, records, items, invalid, refuse, on_duplicate=on_duplicate, report=report)
    _resolve_missing_ids(spec, items, invalid, refuse, assign_ids=assign_ids)
    _refuse_missing_references(spec, items, refuse, created)

    existing = _load_existing(spec, items, progress)
    required = spec.required_columns()
    choices = {
        f.name: [str(value) for value, _ in f.flatchoices] for f in spec.model._meta.concrete_fields if f.choices
    }
    json_fields = [f for f in spec.model._meta.concrete_fields if isinstance(f, NodeJSONField) and not f.primary_key]
    stamp_field = spec.change_timestamp_field
    for index, item in sorted(items.items()):
        if item.pk is not None:
            stored = existing.get(item.pk)
        elif item.missing_id:
            stored = None
        else:
            stored = existing.get(_natural_key(spec, item.values))
        problems = _check_choices(spec, item, stored, choices)
        problems += _check_json_values(spec, item, stored, json_fields)
        if stored is None:
            problems += _complete_for_create(spec, item, report, required, count=index not in invalid)
        for problem in problems:
            refuse(index, problem)
        if index in invalid:
            continue
        if stored is None:
            plan.creates.append(item)
            continue
        item.pk = stored.pk
        item.values[pk_name] = stored.pk
        file_stamp = item.values.get(stamp_field.name) if stamp_field else None
        _diff(spec, item, stored)
        if not item.changes:
            report.unchanged += 1
            continue
        if not guard_allows and spec.guard.field in item.changes:
            refuse(index, _guarded_change_refused(spec, item))
            continue
        if stamp_field and not overwrite_newer:
            newer = _changed_since_file(spec, item, stamp_field, getattr(stored, stamp_field.attname), file_stamp)
            if newer:
                held_back[index] = newer
                continue
        plan.updates.append(item)

    # Records refused or held back above are in no list of the plan, so it
    # holds valid records only.
    for index in sorted(invalid.keys() | held_back.keys()):
        report.problems.extend(invalid.get(index) or [held_back[index]])
    report.invalid_records = len(invalid)
    report.newer_records = len(held_back)
    report.created = len(plan.creates)
    report.updated = len(plan.updates)
    report.created_ids = [str(p.pk) for p in plan.creates if p.pk is not None]
    report.updates = [_updated_record(spec, p) for p in plan.updates]
    report.newer_updates = [_updated_record(spec, items[index]) for index in sorted(held_back)]
    if progress:
        progress(f"checking {spec.name}", len(records), len(records))
    return plan


def _updated_record(spec: ModelSpec, item: Pending) -> UpdatedRecord:
    return UpdatedRecord(
        record_id=str(item.pk),
        file=item.source.file,
        record=item.source.number,
        changes=[
            FieldChange(
                field=key_of(spec, name),
                before=_display(spec.model._meta.get_field(name), (item.before or {}).get(name)),
                after=_display(spec.model._meta.get_field(name), item.values.get(name)),
            )
            for name in item.changes
        ],
    )


_NO_FAULTS: frozenset[str] = frozenset()
CHANGED_SINCE_FILE = "changed in the database since this file was made"


def _changed_since_file(
    spec: ModelSpec, item: Pending, stamp_field: NodeTimestampField, stored: Any, file_stamp: Any
) -> Problem | None:
    """A problem when the stored row's change timestamp is newer than the file's.

    A record without a timestamp counts as older than any stored one; a
    stored value that is not a timestamp cannot be compared and is no reason
    to hold the record back. Both of the app's formats are compared as
    instants (`StoredTimestamp` is a datetime).
    """
    if not isinstance(stored, datetime):
        return None
    if isinstance(file_stamp, datetime) and file_stamp >= stored:
        return None
    in_file = encodings.write_timestamp(file_stamp) if isinstance(file_stamp, datetime) else "none"
    return Problem(
        file=item.source.file,
        record=item.source.number,
        field=key_of(spec, stamp_field.name),
        reason=(
            f"{CHANGED_SINCE_FILE} (stored {encodings.write_timestamp(stored)}, "
            f"in the file {in_file}); it is left out unless the import overwrites newer rows"
        ),
        record_id=str(item.pk),
        kind=Problem.NEWER,
    )


def _guarded_change_refused(spec: ModelSpec, item: Pending) -> Problem:
    """The refusal of a change to the spec's guarded field, naming both values and the rule."""

    def shown(value: Any) -> str:
        return "(none)" if value in (None, "") else str(value)

    name = spec.guard.field
    return Problem(
        file=item.source.file,
        record=item.source.number,
        field=key_of(spec, name),
        reason=(
            f"would change the {name} from {shown((item.before or {}).get(name))} "
            f"to {shown(item.values.get(name))}; {spec.guard.rule}"
        ),
        record_id=str(item.pk),
    )



DUPLICATE_CHOICES = ("refuse", "first", "last")


def _handle_duplicates(
    spec: ModelSpec,
    records: list[SourceRecord],
    items: dict[int, Pending],
    invalid: dict[int, list[Problem]],
    refuse: Callable[[int, Problem], None],
    *,
    on_duplicate: str,
    report: ModelReport,
) -> None:
    """An id (or natural key) given more than once.

    `refuse` (the default): which copy is meant is unknowable, so every copy
    is refused. `first` / `last`: that copy is imported (or refused for its
    own faults) and the others are left out, each named in the report.
    """
    if on_duplicate not in DUPLICATE_CHOICES:
        raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_CHOICES)}, not {on_duplicate!r}")
    seen: dict[Any, list[int]] = defaultdict(list)
    for index, item in items.items():
        key = item.pk if item.pk not in (None, "") else (_natural_key(spec, item.values) if spec.natural_key else None)
        if key is not None:
            seen[key].append(index)
    id_key = key_of(spec, spec.pk_field.name)
    for key, indexes in seen.items():
        if len(indexes) < 2:
            continue
        label = f"id {key}" if not isinstance(key, tuple) else "the same " + " / ".join(map(str, key))
        record_id = str(key) if not isinstance(key, tuple) else None
        if on_duplicate != "refuse":
            kept = indexes[0] if on_duplicate == "first" else indexes[-1]
            where = f"{records[kept].file} record {records[kept].number}"
            for index in indexes:
                if index == kept:
                    continue
                # Left out: its own faults no longer matter, it is not imported.
                items.pop(index)
                invalid.pop(index, None)
                report.left_out.append(
                    Problem(
                        file=records[index].file,
                        record=records[index].number,
                        field=id_key,
                        reason=f"left out: {label} is also in {where}, which is kept (on duplicate: {on_duplicate})",
                        record_id=record_id,
                        kind=Problem.LEFT_OUT,
                    )
                )
            continue
        # Each message names a few of the others and counts the rest: naming
        # them all made the messages grow with the square of the repeats.
        head = indexes[: DUPLICATES_NAMED + 1]
        for index in indexes:
            named = [o for o in head if o != index][:DUPLICATES_NAMED]
            others = ", ".join(f"{records[o].file} record {records[o].number}" for o in named)
            rest = len(indexes) - 1 - len(named)
            if rest:
                others += f" and {rest:,} more"
            refuse(
                index,
                Problem(
                    file=records[index].file,
                    record=records[index].number,
                    field=id_key,
                    reason=f"{label} appears more than once (also {others})",
                    record_id=record_id,
                ),
            )


def _resolve_missing_ids(
    spec: ModelSpec,
    items: dict[int, Pending],
    invalid: dict[int, list[Problem]],
    refuse: Callable[[int, Problem], None],
    *,
    assign_ids: bool,
) -> None:
    if spec.pk_is_generated:
        return
    missing = [index for index, item in items.items() if item.pk in (None, "")]
    if not missing:
        return
    sequence = spec.id_sequence
    if assign_ids and sequence is not None:
        new_ids = sequence.new_ids(item.pk for item in items.values())
        # Only records that are valid so far get a number: a refused one would waste it.
        for index in sorted(i for i in missing if i not in invalid):
            items[index].pk = next(new_ids)
            items[index].values[spec.pk_field.name] = items[index].pk
        missing = [index for index in missing if index in invalid]
    hint = f" (assign-ids numbers new {spec.label})" if sequence is not None else ""
    for index in missing:
        item = items[index]
        item.pk = None
        item.missing_id = True
        if "id" not in item.faulted:
            refuse(index, Problem(file=item.source.file, record=item.source.number, field="id", reason=f"has no id{hint}"))


def _refuse_missing_references(
    spec: ModelSpec,
    items: dict[int, Pending],
    refuse: Callable[[int, Problem], None],
    created: dict[type[models.Model], set[Any]],
) -> None:
    """Refuse records whose foreign keys name rows that neither exist nor
    are created by this import (asked `READ_CHUNK` keys per query)."""
    relations = [f for f in spec.model._meta.concrete_fields if f.is_relation]
    if not relations:
        return
    known: dict[type[models.Model], set[Any]] = {}
    for target in dict.fromkeys(f.related_model for f in relations):
        wanted = {
            item.values[f.name]
            for item in items.values()
            for f in relations
            if f.related_model is target and f.name in item.values
        }
        wanted.discard(None)
        found = set(created.get(target, ()))
        for chunk in chunks(list(wanted - found), _read_chunk()):
            found.update(target._default_manager.filter(pk__in=chunk).values_list("pk", flat=True))
        known[target] = found
    for index, item in items.items():
        for f in relations:
            target = f.related_model
            value = item.values.get(f.name)
            if value is not None and value not in known[target]:
                refuse(
                    index,
                    Problem(
                        file=item.source.file,
                        record=item.source.number,
                        field=key_of(spec, f.name),
                        reason=f"{target._meta.verbose_name} {value} does not exist",
                    ),
                )


def _load_existing(
    spec: ModelSpec, items: dict[int, Pending], progress: Progress | None
) -> dict[Any, models.Model]:
    """The stored rows the records name.

    Which ids exist is asked `READ_CHUNK` ids per query; only the rows that
    do exist are then read, `ROW_READ_CHUNK` per query, so a new import of
    30,000 records costs a handful of queries and no response outgrows the
    server's limit (10 MB by default on libSQL).
    """
    manager = spec.model._default_manager.order_by()
    existing: dict[Any, models.Model] = {}
    pks = [item.pk for item in items.values() if item.pk is not None]
    found: list[Any] = []
    size = _read_chunk()
    for chunk in chunks(pks, size):
        found.extend(manager.filter(pk__in=chunk).values_list("pk", flat=True))
    for done, chunk in enumerate(chunks(found, ROW_READ_CHUNK)):
        for row in manager.filter(pk__in=chunk):
            existing[row.pk] = row
        if progress:
            progress(f"reading {spec.name}", min((done + 1) * ROW_READ_CHUNK, len(found)), len(found))
    if spec.natural_key:
        # Rows are looked up by the row they hang off (a foreign key), then matched in Python.
        anchor = next(n for n in spec.natural_key if spec.model._meta.get_field(n).is_relation)
        anchor_field = spec.model._meta.get_field(anchor)
        by_key = [item for item in items.values() if item.pk is None and not item.missing_id]
        anchors = list({item.values.get(anchor) for item in by_key} - {None})
        for chunk in chunks(anchors, ROW_READ_CHUNK):
            for row in manager.filter(**{f"{anchor_field.attname}__in": chunk}):
                existing.setdefault(_natural_key_of_row(spec, row), row)
    return existing


def _read_chunk() -> int:
    return max(1, min(READ_CHUNK, connection.features.max_query_params))


def _natural_key(spec: ModelSpec, values: dict[str, Any]) -> tuple[Any, ...] | None:
    if not spec.natural_key:
        return None
    return tuple(values.get(name) for name in spec.natural_key)


def _natural_key_of_row(spec: ModelSpec, row: models.Model) -> tuple[Any, ...]:
    return tuple(getattr(row, spec.model._meta.get_field(name).attname) for name in spec.natural_key)


def _check_choices(
    spec: ModelSpec, item: Pending, stored: models.Model | None, choices: dict[str, list[str]]
) -> list[Problem]:
    problems = []
    for name, allowed in choices.items():
        value = item.values.get(name)
        if value in (None, "") or value in allowed:
            continue
        if stored is not None and getattr(stored, spec.model._meta.get_field(name).attname) == value:
            continue  # a stored value the bots know and we do not: kept as it is
        problems.append(
            Problem(
                file=item.source.file,
                record=item.source.number,
                field=key_of(spec, name),
                reason=f"{shown(value)} is not one of {', '.join(allowed)}",
                record_id=str(item.pk) if item.pk is not None else None,
            )
        )
    return problems


def _check_json_values(
    spec: ModelSpec, item: Pending, stored: models.Model | None, json_fields: list[NodeJSONField]
) -> list[Problem]:
    """New JSON values against their column's shape (`core.shapes`).

    A value equal to the stored one is no change and passes, whatever its
    shape. Legacy text (`InvalidJSON`, marked as such by an export) comes
    back byte for byte: kept where it is stored, restored into a row the
    import creates, but never written over another stored value.
    """
    problems = []
    values = item.values
    for model_field in json_fields:
        value = values.get(model_field.name)
        if value is None:
            continue
        shape = model_field.shape
        if type(value) is encodings.InvalidJSON:
            old = getattr(stored, model_field.attname) if stored is not None else None
            if stored is None or (type(old) is encodings.InvalidJSON and str(old) == str(value)):
                continue  # kept as stored, or restored from an export into a new row
            reason = (
                f"is marked as legacy text ({shown(str(value))}) that is not JSON; an import may keep "
                "such text where it is stored, not write it over another value"
            )
        elif shape is None or shape.accepts(value):
            continue
        elif stored is not None and same_value(model_field, getattr(stored, model_field.attname), value):
            continue  # the stored value, whatever its shape: no change
        else:
            reason = shape.problem(value) or f"must be {shape.description}"
        problems.append(
            Problem(
                file=item.source.file,
                record=item.source.number,
                field=key_of(spec, model_field.name),
                reason=reason,
                record_id=str(item.pk) if item.pk is not None else None,
            )
        )
    return problems


def _complete_for_create(
    spec: ModelSpec, item: Pending, report: ModelReport, required: list[str], *, count: bool = True
) -> list[Problem]:
    """Fill a new row's derived values and check nothing required is missing
    (a value already refused for another reason is not named again)."""
    if spec.create_defaults:
        converters = {key: (f, converter_for(f)) for key, f in spec.columns.items()}
        for key, raw in spec.create_defaults(item.source.data).items():
            model_field, convert = converters[key]
            if key not in item.faulted and item.values.get(model_field.name) is None:
                item.values[model_field.name] = convert(raw, False)
                if count:
                    report.defaulted_keys[key] += 1
    problems = []
    for key in required:
        name = spec.columns[key].name
        if key in item.faulted or (key == "id" and item.missing_id):
            continue
        if item.values.get(name) in (None, ""):
            problems.append(
                Problem(
                    file=item.source.file,
                    record=item.source.number,
                    field=key,
                    reason="is missing (required for a new record)",
                    record_id=str(item.pk) if item.pk is not None else None,
                )
            )
    return problems


def _diff(spec: ModelSpec, item: Pending, stored: models.Model) -> None:
    """Which fields the record changes. Bookkeeping timestamps alone are no change."""
    bookkeeping = spec.bookkeeping_fields
    tabular = item.source.tabular
    changed = []
    for name, value in item.values.items():
        model_field = spec.model._meta.get_field(name)
        if model_field.primary_key or name in bookkeeping:
            continue
        old = getattr(stored, model_field.attname)
        if not same_value(model_field, old, value) and not (tabular and value is None and old == ""):
            # (A CSV/XLSX cell cannot tell '' from NULL: an empty cell over '' is no change.)
            changed.append(name)
    if not changed:
        return
    now = encodings.node_now()
    for name in sorted(bookkeeping):
        model_field = spec.model._meta.get_field(name)
        old = getattr(stored, model_field.attname)
        new = item.values.get(name)
        if model_field.set_on_change:
            # The file's own timestamp when it moved on, else the time of this import.
            item.values[name] = new if new is not None and not same_value(model_field, old, new) else now
            changed.append(name)
        elif old is None and new is not None:
            changed.append(name)
    item.changes = changed
    item.before = {name: getattr(stored, spec.model._meta.get_field(name).attname) for name in changed}



# --------------------------------------------------------------------------
# Helpers


def chunks(items: Sequence[Any] | Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = list(items) if not isinstance(items, list) else items
    for start in range(0, len(items), size):
        yield items[start : start + size]


def key_of(spec: ModelSpec, field_name: str) -> str:
    for key, model_field in spec.columns.items():
        if model_field.name == field_name:
            return key
    return field_name


def _display(model_field: models.Field, value: Any) -> Any:
    """A value as the preview shows it: stored text for timestamps, JSON as JSON text."""
    if value is None:
        return None
    if isinstance(model_field, NodeTimestampField):
        return encodings.write_timestamp(value)
    if isinstance(model_field, NodeJSONField):
        return encodings.to_node_json(value)
    if isinstance(value, bool):
        return int(value)
    return value

