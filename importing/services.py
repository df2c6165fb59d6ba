"""The import engine: validate every record, diff against the database, and
write everything in a few statements inside one transaction.

Why not django-import-export's own import: it looks up and saves row by
row, two or more statements per row, which over a network link to Turso is
minutes for 30,000 questions. Here which records exist is asked
`READ_CHUNK` ids per query, the diff is computed in Python, and the writes
are built as tuples of column values (history rows included, their
snapshots assembled from the already-encoded values) and sent as one
`executemany` per table and chunk locally (SQLite's fastest insert path),
or as multi-row `INSERT ... SELECT ... FROM json_each(?)` statements
batched into requests of a few MB on a libSQL server (30,000 questions
with their history: about 70 round trips).

Nothing is written unless every record is valid (or `skip_invalid` was
asked for), and then all of it is written or, on any database error,
none of it.
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, models, transaction

from core import encodings
from core.databases import CONTENT_DB
from core.databases import content_connection as connection
from core.db import errors as db_errors
from core.encodings import text_problem, value_problem
from core.fields import NodeJSONField, NodeTimestampField
from importing.readers import SourceFile, SourceRecord, cyclic_gc_paused, parse_json
from importing.report import (
    FieldChange,
    ImportReport,
    ModelReport,
    Problem,
    UpdatedRecord,
    refusal_sentence,
)
from importing.specs import IMPORT_ORDER, SPECS, ModelSpec, spec_for_model, spec_named
from interview import services as question_services
from interview.models import HistoryEventSource, HistoryEventType, Question, QuestionHistory
from interview.signals import announce_questions_written

# Ids per `id IN (...)` query that asks only which exist (at most the
# engine's parameter limit): on a libSQL server each query is a round trip.
READ_CHUNK = 5000
# Whole rows per query: 500 questions stay far below the 10 MB a libSQL
# server answers by default.
ROW_READ_CHUNK = 500
# Records per write step; each step is one `executemany` per table.
WRITE_CHUNK = 1000
# Other records a duplicate id's message names; the rest are counted.
DUPLICATES_NAMED = 3

Progress = Callable[[str, int, int], None]


class InvalidValue(ValueError):
    """A record's value that cannot be stored in its column; the message says why."""


@dataclass(slots=True)
class _Pending:
    """A valid record, converted, waiting for the write."""

    source: SourceRecord
    values: dict[str, Any]  # field name -> Python value
    pk: Any = None
    changes: list[str] = field(default_factory=list)  # updates: changed field names
    before: dict[str, Any] | None = None  # updates: the stored values of `changes`
    faulted: frozenset[str] = frozenset()  # keys whose value did not convert
    missing_id: bool = False  # refused for having no id


@dataclass
class _Plan:
    spec: ModelSpec
    report: ModelReport
    creates: list[_Pending] = field(default_factory=list)
    updates: list[_Pending] = field(default_factory=list)


# --------------------------------------------------------------------------
# Entry points


def import_records(
    *,
    model: str | type[models.Model],
    records: Sequence[SourceRecord],
    user_label: str,
    dry_run: bool,
    skip_invalid: bool = False,
    assign_ids: bool = False,
    overwrite_newer: bool = False,
    on_duplicate: str = "refuse",
    progress: Progress | None = None,
    actor: question_services.Actor = None,
) -> ImportReport:
    """Import `records` of one model. See `import_files` for the rules."""
    spec = spec_named(model) if isinstance(model, str) else spec_for_model(model)
    files = [SourceFile(name="input", model=spec.name, records=list(records))]
    return import_files(
        files=files,
        user_label=user_label,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        assign_ids=assign_ids,
        overwrite_newer=overwrite_newer,
        on_duplicate=on_duplicate,
        progress=progress,
        count_files=False,
        actor=actor,
    )


@cyclic_gc_paused()
def import_files(
    *,
    files: Sequence[SourceFile],
    user_label: str,
    dry_run: bool,
    skip_invalid: bool = False,
    assign_ids: bool = False,
    overwrite_newer: bool = False,
    on_duplicate: str = "refuse",
    progress: Progress | None = None,
    count_files: bool = True,
    actor: question_services.Actor = None,
) -> ImportReport:
    """Validate and (unless `dry_run`) write the records of `files`.

    - an existing id updates only the fields that differ; unchanged records
      write nothing; a new id creates; a record without an id is invalid
      unless `assign_ids` (questions continue the `q-<n>` numbering);
    - every created or updated question gets a `question_history` row
      (event source `import`, `user_label` as source name);
    - a record that changes an existing question's status is invalid unless
      `actor` may moderate (`interview.services.may_change_status`); a new
      question arrives with the status its record gives;
    - a record that would update a row changed in the database since the
      file was made (the row's `last_updated` is newer than the record's,
      or the record has none) is held back unless `overwrite_newer`;
    - an id given more than once refuses every copy, unless `on_duplicate`
      is `first` or `last`, which keeps that copy and leaves out the others;
    - with any unreadable file, invalid or held-back record the whole
      import is refused unless `skip_invalid`, which leaves those out;
    - a database error midway rolls everything back.
    """
    started = time.perf_counter()
    report = ImportReport(dry_run=dry_run, skip_invalid=skip_invalid)
    batches: dict[str, list[SourceRecord]] = defaultdict(list)
    for source in files:
        if source.note:
            report.skipped_files.append((source.name, source.note))
            continue
        if count_files:
            report.files_read += 1
        if source.problem:
            report.file_problems.append(Problem(file=source.name, reason=source.problem))
            continue
        if source.model is None or not SPECS[source.model].importable:
            report.file_problems.append(Problem(file=source.name, reason="holds nothing this importer writes"))
            continue
        batches[source.model].extend(source.records)
    ordered = [name for name in IMPORT_ORDER if name in batches]
    options = {
        "assign_ids": assign_ids,
        "may_change_status": question_services.may_change_status(actor=actor),
        "overwrite_newer": overwrite_newer,
        "on_duplicate": on_duplicate,
    }
    # Set once every write was sent, when only the commit remains: a failure
    # after that may or may not have saved the import; before it, nothing was.
    committing = False
    try:
        if dry_run:
            _plan_all(report, ordered, batches, progress=progress, **options)
        else:
            outermost = not transaction.get_connection(CONTENT_DB).in_atomic_block
            with transaction.atomic(using=CONTENT_DB):
                plans = _plan_all(report, ordered, batches, progress=progress, **options)
                if report.has_problems and not skip_invalid:
                    raise _Refused
                now = encodings.node_now()
                for plan in plans:
                    _write_plan(plan, user_label=user_label, progress=progress, now=now)
                committing = outermost
            report.committed = True
    except _Refused:
        pass
    except DatabaseError as exc:
        report.error = _database_failure(exc, committing=committing)
        report.committed = False
        if not committing:
            for model_report in report.models.values():
                model_report.history_rows = 0
    if report.has_problems and not skip_invalid and not report.error:
        # Where the problems are listed and what to do next is the caller's
        # to say: a terminal lists them above, a page below.
        report.error = refusal_sentence(problems=len(report.problems))
    report.seconds = time.perf_counter() - started
    return report


class _Refused(Exception):
    pass


def _database_failure(exc: DatabaseError, *, committing: bool) -> str:
    """One sentence on a database failure, saying only what is known of the outcome."""
    cause = db_errors.without_outcome(str(exc).strip())
    if committing:
        return (
            f"The database failed while committing the import, so it may or may not have been saved: {cause} "
            "Import the same file again: records already saved come out unchanged."
        )
    return f"The database failed before the import was committed, so nothing was written: {cause}"


# --------------------------------------------------------------------------
# Validation and diff


def _plan_all(
    report: ImportReport,
    ordered: list[str],
    batches: dict[str, list[SourceRecord]],
    *,
    assign_ids: bool,
    may_change_status: bool,
    overwrite_newer: bool,
    on_duplicate: str,
    progress: Progress | None,
) -> list[_Plan]:
    # Question ids this import creates, so later models may refer to them.
    created_question_ids: set[str] = set()
    plans = []
    for name in ordered:
        plan = _plan_model(
            SPECS[name],
            batches[name],
            report.model_report(name),
            assign_ids=assign_ids,
            may_change_status=may_change_status,
            overwrite_newer=overwrite_newer,
            on_duplicate=on_duplicate,
            created_question_ids=created_question_ids,
            progress=progress,
        )
        if plan.spec.model is Question:
            created_question_ids.update(p.pk for p in plan.creates)
        plans.append(plan)
    return plans


def _plan_model(
    spec: ModelSpec,
    records: list[SourceRecord],
    report: ModelReport,
    *,
    assign_ids: bool,
    may_change_status: bool,
    overwrite_newer: bool,
    on_duplicate: str,
    created_question_ids: set[str],
    progress: Progress | None,
) -> _Plan:
    """Check every record and sort the valid ones into creates and updates.

    Every fault of a record is reported, not only the first: a value that
    does not convert leaves its field out, and the record is still checked
    for duplicates, choices, shapes and missing values, so one run lists all
    that needs fixing.
    """
    plan = _Plan(spec=spec, report=report)
    report.received += len(records)
    rules = _key_rules(spec)
    pk_name = spec.pk_field.name
    invalid: dict[int, list[Problem]] = {}  # index in `records` -> problems
    held_back: dict[int, Problem] = {}  # valid, but changed in the database since the file was made
    items: dict[int, _Pending] = {}  # every record that is an object, with the values that converted

    def refuse(index: int, problem: Problem) -> None:
        invalid.setdefault(index, []).append(problem)

    for index, record in enumerate(records):
        values, problems = _convert_record(record, rules, report)
        for problem in problems:
            refuse(index, problem)
        if "__not_an_object__" not in record.data:
            items[index] = _Pending(
                source=record,
                values=values,
                pk=values.get(pk_name),
                faulted=frozenset(p.field for p in problems if p.field) if problems else _NO_FAULTS,
            )
        if progress and index % 2000 == 0:
            progress(f"checking {spec.name}", index, len(records))

    _handle_duplicates(spec, records, items, invalid, refuse, on_duplicate=on_duplicate, report=report)
    _resolve_missing_ids(spec, items, invalid, refuse, assign_ids=assign_ids)
    _refuse_missing_references(spec, items, refuse, created_question_ids)

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
        if not may_change_status and spec.model is Question and "status" in item.changes:
            refuse(index, _status_change_refused(spec, item))
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


def _updated_record(spec: ModelSpec, item: _Pending) -> UpdatedRecord:
    return UpdatedRecord(
        record_id=str(item.pk),
        file=item.source.file,
        record=item.source.number,
        changes=[
            FieldChange(
                field=_key_of(spec, name),
                before=_display(spec.model._meta.get_field(name), (item.before or {}).get(name)),
                after=_display(spec.model._meta.get_field(name), item.values.get(name)),
            )
            for name in item.changes
        ],
    )


_NO_FAULTS: frozenset[str] = frozenset()
CHANGED_SINCE_FILE = "changed in the database since this file was made"


def _changed_since_file(
    spec: ModelSpec, item: _Pending, stamp_field: NodeTimestampField, stored: Any, file_stamp: Any
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
        field=_key_of(spec, stamp_field.name),
        reason=(
            f"{CHANGED_SINCE_FILE} (stored {encodings.write_timestamp(stored)}, "
            f"in the file {in_file}); it is left out unless the import overwrites newer rows"
        ),
        record_id=str(item.pk),
        kind=Problem.NEWER,
    )


def _status_change_refused(spec: ModelSpec, item: _Pending) -> Problem:
    def shown(value: Any) -> str:
        return "(none)" if value in (None, "") else str(value)

    return Problem(
        file=item.source.file,
        record=item.source.number,
        field=_key_of(spec, "status"),
        reason=(
            f"would change the status from {shown((item.before or {}).get('status'))} "
            f"to {shown(item.values.get('status'))}; {question_services.STATUS_RULE}"
        ),
        record_id=str(item.pk),
    )


@dataclass(frozen=True, slots=True)
class _KeyRule:
    """How one of the file's keys becomes a field value (see `_key_rules`)."""

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


def _key_rules(spec: ModelSpec) -> dict[str, _KeyRule]:
    rules = {}
    for key, model_field in spec.columns.items():
        convert = _converter_for(model_field)
        kind = _KIND_TEXT if convert is _to_text else _KIND_JSON if convert is _to_json_value else _KIND_OTHER
        required = not model_field.null and not _fillable(model_field)
        rules[key] = _KeyRule(key=key, name=model_field.name, kind=kind, convert=convert, required=required)
    return rules


def _convert_record(
    record: SourceRecord,
    rules: dict[str, _KeyRule],
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
                record_id=_record_id(data),
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
                    record_id=_record_id(data),
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
                    record_id=_record_id(data),
                )
            )
            continue
        values[rule.name] = value
    return values, problems


def _record_id(data: dict[str, Any]) -> str | None:
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


def _shown(raw: Any) -> str:
    """`raw` as a message quotes it: repr, cut short."""
    if isinstance(raw, str):
        return repr(_shortened(raw))
    try:
        return _shortened(repr(raw))
    except ValueError:  # an integer with more digits than Python will print
        return "a number too long to show"


def _fillable(model_field: models.Field) -> bool:
    """A NOT NULL column an empty value may leave to its default."""
    if model_field.primary_key:
        return False
    return isinstance(model_field, NodeTimestampField) and model_field.set_on_create


DUPLICATE_CHOICES = ("refuse", "first", "last")


def _handle_duplicates(
    spec: ModelSpec,
    records: list[SourceRecord],
    items: dict[int, _Pending],
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
    id_key = _key_of(spec, spec.pk_field.name)
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
    items: dict[int, _Pending],
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
    if assign_ids and spec.model is Question:
        highest = question_services.max_question_number()
        for item in items.values():
            if isinstance(item.pk, str) and item.pk.startswith("q-") and item.pk[2:].isdigit():
                highest = max(highest, int(item.pk[2:]))
        # Only records that are valid so far get a number: a refused one would waste it.
        for index in sorted(i for i in missing if i not in invalid):
            highest += 1
            items[index].pk = f"q-{highest}"
            items[index].values[spec.pk_field.name] = items[index].pk
        missing = [index for index in missing if index in invalid]
    hint = " (assign-ids numbers new questions)" if spec.model is Question else ""
    for index in missing:
        item = items[index]
        item.pk = None
        item.missing_id = True
        if "id" not in item.faulted:
            refuse(index, Problem(file=item.source.file, record=item.source.number, field="id", reason=f"has no id{hint}"))


def _refuse_missing_references(
    spec: ModelSpec,
    items: dict[int, _Pending],
    refuse: Callable[[int, Problem], None],
    created_question_ids: set[str],
) -> None:
    relations = [f for f in spec.model._meta.concrete_fields if f.is_relation]
    if not relations:
        return
    wanted = {item.values[f.name] for item in items.values() for f in relations if f.name in item.values}
    wanted.discard(None)
    known = set(created_question_ids)
    target = relations[0].related_model
    unknown = list(wanted - known)
    for chunk in _chunks(unknown, _read_chunk()):
        known.update(target.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    for index, item in items.items():
        for f in relations:
            value = item.values.get(f.name)
            if value is not None and value not in known:
                refuse(
                    index,
                    Problem(
                        file=item.source.file,
                        record=item.source.number,
                        field=_key_of(spec, f.name),
                        reason=f"{target._meta.verbose_name} {value} does not exist",
                    ),
                )


def _load_existing(
    spec: ModelSpec, items: dict[int, _Pending], progress: Progress | None
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
    for chunk in _chunks(pks, size):
        found.extend(manager.filter(pk__in=chunk).values_list("pk", flat=True))
    for done, chunk in enumerate(_chunks(found, ROW_READ_CHUNK)):
        for row in manager.filter(pk__in=chunk):
            existing[row.pk] = row
        if progress:
            progress(f"reading {spec.name}", min((done + 1) * ROW_READ_CHUNK, len(found)), len(found))
    if spec.natural_key:
        # Rows are looked up by the question they hang off, then matched in Python.
        anchor = next(n for n in spec.natural_key if spec.model._meta.get_field(n).is_relation)
        anchor_field = spec.model._meta.get_field(anchor)
        by_key = [item for item in items.values() if item.pk is None and not item.missing_id]
        anchors = list({item.values.get(anchor) for item in by_key} - {None})
        for chunk in _chunks(anchors, ROW_READ_CHUNK):
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
    spec: ModelSpec, item: _Pending, stored: models.Model | None, choices: dict[str, list[str]]
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
                field=_key_of(spec, name),
                reason=f"{_shown(value)} is not one of {', '.join(allowed)}",
                record_id=str(item.pk) if item.pk is not None else None,
            )
        )
    return problems


def _check_json_values(
    spec: ModelSpec, item: _Pending, stored: models.Model | None, json_fields: list[NodeJSONField]
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
                f"is marked as legacy text ({_shown(str(value))}) that is not JSON; an import may keep "
                "such text where it is stored, not write it over another value"
            )
        elif shape is None or shape.accepts(value):
            continue
        elif stored is not None and _same(model_field, getattr(stored, model_field.attname), value):
            continue  # the stored value, whatever its shape: no change
        else:
            reason = shape.problem(value) or f"must be {shape.description}"
        problems.append(
            Problem(
                file=item.source.file,
                record=item.source.number,
                field=_key_of(spec, model_field.name),
                reason=reason,
                record_id=str(item.pk) if item.pk is not None else None,
            )
        )
    return problems


def _complete_for_create(
    spec: ModelSpec, item: _Pending, report: ModelReport, required: list[str], *, count: bool = True
) -> list[Problem]:
    """Fill a new row's derived values and check nothing required is missing
    (a value already refused for another reason is not named again)."""
    if spec.create_defaults:
        converters = {key: (f, _converter_for(f)) for key, f in spec.columns.items()}
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


def _diff(spec: ModelSpec, item: _Pending, stored: models.Model) -> None:
    """Which fields the record changes. Bookkeeping timestamps alone are no change."""
    bookkeeping = spec.bookkeeping_fields
    tabular = item.source.tabular
    changed = []
    for name, value in item.values.items():
        model_field = spec.model._meta.get_field(name)
        if model_field.primary_key or name in bookkeeping:
            continue
        old = getattr(stored, model_field.attname)
        if not _same(model_field, old, value) and not (tabular and value is None and old == ""):
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
            item.values[name] = new if new is not None and not _same(model_field, old, new) else now
            changed.append(name)
        elif old is None and new is not None:
            changed.append(name)
    item.changes = changed
    item.before = {name: getattr(stored, spec.model._meta.get_field(name).attname) for name in changed}


def _same(model_field: models.Field, old: Any, new: Any) -> bool:
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


def _converter_for(model_field: models.Field) -> Callable[[Any, bool], Any]:
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
        raise InvalidValue(f"{_shown(raw)} is not a timestamp")
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
            f"{_shown(raw)} is not a timestamp (use 2026-01-13T03:29:00.972Z or 2026-01-13 03:29:00)"
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
    raise InvalidValue(f"{_shown(raw)} is not a boolean (use 0/1 or true/false)")


def _to_integer(raw: Any, tabular: bool) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidValue(f"{_shown(raw)} is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    raise InvalidValue(f"{_shown(raw)} is not a whole number")


def _to_text(raw: Any, tabular: bool) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if tabular and isinstance(raw, int | float) and not isinstance(raw, bool):
        # A spreadsheet turns "2023" into a number; the column is text.
        return str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    raise InvalidValue(f"expected text, got {type(raw).__name__} {_shown(raw)}")


# --------------------------------------------------------------------------
# Writes
#
# Rows are built as tuples of column values straight from the converted
# records: no model instances, each JSON value encoded once. A new
# question's history snapshot is assembled from the same encoded column
# values (`_RowLayout.encode`), so 30,000 questions cost one
# pass over their values, not three.


def _write_plan(plan: _Plan, *, user_label: str, progress: Progress | None, now: datetime) -> None:
    spec = plan.spec
    total = len(plan.creates) + len(plan.updates)
    done = 0
    # Every row this import creates or changes carries the same instant.
    now_text = encodings.format_node_timestamp(now)
    for records, inserts in _create_statements(plan, user_label=user_label, now=now, now_text=now_text):
        for insert in inserts:
            _insert(insert.table, insert.columns, insert.rows)
            if insert.table == QuestionHistory._meta.db_table:
                plan.report.history_rows += len(insert.rows)
        done += records
        if progress:
            progress(f"writing {spec.name}", done, total)
    for chunk in _chunks(plan.updates, WRITE_CHUNK):
        _update_rows(spec, chunk)
        if spec.writes_history:
            _insert(
                QuestionHistory._meta.db_table,
                _HISTORY_COLUMNS,
                [_update_history_row(spec, item, user_label=user_label, created_at=now_text) for item in chunk],
            )
            plan.report.history_rows += len(chunk)
        done += len(chunk)
        if progress:
            progress(f"writing {spec.name}", done, total)
    if spec.model is Question:
        announce_questions_written(item.pk for item in [*plan.creates, *plan.updates])


@dataclass(frozen=True, slots=True)
class _Insert:
    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _create_statements(
    plan: _Plan, *, user_label: str, now: datetime, now_text: str
) -> Iterator[tuple[int, list[_Insert]]]:
    """Per chunk of new records: how many, and the INSERTs of their rows and
    history rows (computed here, written by the caller)."""
    spec = plan.spec
    now_value = encodings.StoredTimestamp.from_text(now_text, now)
    pk_name = spec.pk_field.name
    for chunk in _chunks(plan.creates, WRITE_CHUNK):
        by_layout: dict[_RowLayout, list[_Pending]] = defaultdict(list)
        for item in chunk:
            with_pk = not spec.pk_is_generated or item.values.get(pk_name) is not None
            by_layout[_layout(spec.model, with_pk=with_pk)].append(item)
        inserts = []
        for layout, items in by_layout.items():
            rows, snapshots, changed = layout.encode(
                [item.values for item in items], now_value, with_snapshots=spec.writes_history
            )
            inserts.append(_Insert(spec.model._meta.db_table, layout.columns, rows))
            if spec.writes_history:
                history = [
                    question_services.history_row(
                        question_id=str(item.pk),
                        event_type=HistoryEventType.IMPORTED,
                        event_source=HistoryEventSource.IMPORT,
                        source_name=user_label,
                        changed_fields=changed_fields,
                        before=None,
                        after=after,
                        metadata=_metadata(item.source),
                        summary=_IMPORTED_SUMMARY,
                        created_at=now_text,
                    )
                    for item, after, changed_fields in zip(items, snapshots, changed, strict=True)
                ]
                inserts.append(_Insert(QuestionHistory._meta.db_table, _HISTORY_COLUMNS, history))
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
        self, records: list[dict[str, Any]], now: datetime, *, with_snapshots: bool = False
    ) -> tuple[list[tuple[Any, ...]], list[encodings.JSONText], list[encodings.JSONText]]:
        """The rows of `records` (dicts of field name -> converted value).

        With `with_snapshots`, also each new row's history `after_snapshot`
        (every field) and `changed_fields` (the non-null ones), exactly as
        `create_question` records them (tests/importing/test_import_speed.py compares
        the two), assembled from the row's already-encoded values.
        """
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
                fragment_columns.append(_snapshot_fragments(model_field, column, stored))
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


def _snapshot_fragments(model_field: models.Field, values: list[Any], stored: list[Any]) -> list[str]:
    """`"name":<JSON>` of each value in a history snapshot, reusing the
    encoded column values: JSON columns are already JSON text, text needs
    only quoting; anything unusual takes `snapshot_value` + `to_node_json`."""
    key = _JSON_STRING(model_field.name) + ":"
    null = key + "null"

    def other(value: Any) -> str:
        return key + encodings.to_node_json(question_services.snapshot_value(model_field, value))

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
    connection.execute_batch([(sql, [rows_json]) for rows_json in _json_row_arrays(rows)], want_rows=False)


def _json_row_arrays(rows: list[tuple[Any, ...]]) -> Iterator[str]:
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


def _update_rows(spec: ModelSpec, items: list[_Pending]) -> None:
    """UPDATE only the changed columns, one `executemany` per set of changed columns."""
    quote = connection.ops.quote_name
    model = spec.model
    pk_column = quote(spec.pk_field.column)
    groups: dict[tuple[str, ...], list[_Pending]] = defaultdict(list)
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


_IMPORTED_SUMMARY = str(HistoryEventType.IMPORTED.label)
_UPDATED_LABEL = str(HistoryEventType.UPDATED.label)
_HISTORY_COLUMNS = tuple(QuestionHistory._meta.get_field(name).column for name in question_services.HISTORY_ROW_FIELDS)


def _update_history_row(spec: ModelSpec, item: _Pending, *, user_label: str, created_at: str) -> tuple[Any, ...]:
    """The history row of an updated record: the changed content fields, before and after."""
    get_field = spec.model._meta.get_field
    content = [name for name in item.changes if name not in spec.bookkeeping_fields]
    before = item.before or {}
    return question_services.history_row(
        question_id=str(item.pk),
        event_type=HistoryEventType.UPDATED,
        event_source=HistoryEventSource.IMPORT,
        source_name=user_label,
        changed_fields=content,
        # Before-values were read from the database: `history_row` gives
        # them (and everything else here) the full JSON.stringify treatment.
        before={name: question_services.snapshot_value(get_field(name), before.get(name)) for name in content},
        after={name: question_services.snapshot_value(get_field(name), item.values[name]) for name in content},
        metadata=_metadata(item.source),
        summary=f"{_UPDATED_LABEL}: {', '.join(content)}",
        created_at=created_at,
    )


# --------------------------------------------------------------------------
# Helpers


def _chunks(items: Sequence[Any] | Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = list(items) if not isinstance(items, list) else items
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key_of(spec: ModelSpec, field_name: str) -> str:
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


def source_label(user: Any) -> str:
    """The `source_name` of history rows an import writes."""
    return getattr(user, "get_username", lambda: "")() or "cli"

