"""The import engine's entry points: validate every record, diff against
the database, and write everything in a few statements inside one
transaction.

Why not django-import-export's own import: it looks up and saves row by
row, two or more statements per row, which over a network link to Turso is
minutes for 30,000 questions. Here the work is split by concern:

- `importing.convert`: each value of a record to its field's Python value;
- `importing.plan`: every record checked and diffed against the stored
  rows, asked a chunk of ids per query (nothing written);
- `importing.write`: the plan as rows of column values, one `executemany`
  per table and chunk locally, batched `INSERT ... SELECT ... FROM
  json_each(?)` statements on a libSQL server;
- this module: the order of the tables (`specs.import_order`), the
  transaction, and the report.

What a table needs beyond that (history rows, a guarded field, id
numbering, announcing written rows) comes from its app's spec.

Nothing is written unless every record is valid (or `skip_invalid` was
asked for), and then all of it is written or, on any database error,
none of it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError, models, transaction

from core import encodings
from core.databases import CONTENT_DB
from core.db import errors as db_errors
from importing.convert import InvalidValue
from importing.plan import CHANGED_SINCE_FILE, DUPLICATE_CHOICES, Progress, plan_all
from importing.readers import SourceFile, SourceRecord, cyclic_gc_paused
from importing.report import ImportReport, Problem, refusal_sentence
from importing.specs import SPECS, import_order, spec_for_model, spec_named
from importing.write import db_encoder, write_plan

# Whoever imports: a signed-in user, the command-line operator (see the
# app's services), or None. Only the specs' guards look at it.
Actor = Any

__all__ = [
    "CHANGED_SINCE_FILE",
    "DUPLICATE_CHOICES",
    "Actor",
    "InvalidValue",
    "Progress",
    "db_encoder",
    "import_files",
    "import_records",
]



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
    actor: Actor = None,
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
    actor: Actor = None,
) -> ImportReport:
    """Validate and (unless `dry_run`) write the records of `files`.

    - an existing id updates only the fields that differ; unchanged records
      write nothing; a new id creates; a record without an id is invalid
      unless `assign_ids` and its spec numbers new ids (questions continue
      the `q-<n>` numbering);
    - tables are written in `specs.import_order()`, each after those its
      foreign keys refer to;
    - a table whose spec keeps history gets a history row for every row
      created or updated (`ImportHistory`);
    - a record that changes a stored row's guarded field (a question's
      status) is invalid unless the spec's guard lets `actor` change it;
      a new row arrives with the value its record gives;
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
    ordered = [name for name in import_order() if name in batches]
    options = {
        "assign_ids": assign_ids,
        "actor": actor,
        "overwrite_newer": overwrite_newer,
        "on_duplicate": on_duplicate,
    }
    # Set once every write was sent, when only the commit remains: a failure
    # after that may or may not have saved the import; before it, nothing was.
    committing = False
    try:
        if dry_run:
            plan_all(report, ordered, batches, progress=progress, **options)
        else:
            outermost = not transaction.get_connection(CONTENT_DB).in_atomic_block
            with transaction.atomic(using=CONTENT_DB):
                plans = plan_all(report, ordered, batches, progress=progress, **options)
                if report.has_problems and not skip_invalid:
                    raise _Refused
                now = encodings.node_now()
                for plan in plans:
                    write_plan(plan, user_label=user_label, progress=progress, now=now)
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
