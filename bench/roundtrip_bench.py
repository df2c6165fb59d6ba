"""Full-export round trip: export every question, import the file back.

    python bench/roundtrip_bench.py [--copies 2]

Builds the Node app's database from the shared exports
(../shared/legacy/make_legacy_db.py, which prints the raw insert rate of one
`executemany` in one transaction: the floor an import is measured against),
its questions replicated --copies more times, then for JSON, CSV and XLSX:
exports all questions (the admin's export), imports that file back through
the import engine (a real import, not a dry run) and reports the seconds of
each half and whether everything came back unchanged (0 created, 0 updated,
0 invalid, no row and no history row written). Then the engine's own import
rate beside the floor measured in the same run: a fresh copy of the
database with its questions deleted, the JSON export imported into it.
Exits 1 when a round trip is not all unchanged.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.admin_screens import build_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="extra copies of the shared questions (default 2)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oi-roundtrip-"))
    try:
        content = work / "content.sqlite3"
        floor = build_database(content, copies=args.copies)
        os.environ.update(
            TURSO_DATABASE_URL=f"file:{content}",
            ADMIN_DATABASE_URL=f"file:{work / 'admin.sqlite3'}",
            DJANGO_SETTINGS_MODULE="config.settings",
            OI_ALLOW_INSECURE_SECRET_KEY="1",
            OI_SEARCH_BACKGROUND_SYNC="0",
            DJANGO_LOG_LEVEL="WARNING",
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        return run(content=content, floor=floor)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(*, content: Path, floor: float) -> int:
    from django.db import connections

    from core.databases import CONTENT_DB
    from importing.exporting import export_queryset
    from importing.formats import FORMATS
    from importing.services import import_files
    from importing.sources import read_bytes
    from interview import services as question_services
    from interview.models import Question, QuestionHistory

    total = Question.objects.count()
    history = QuestionHistory.objects.count()
    print(f"{total:,} questions; raw insert floor (make_legacy_db.py, same run): {floor:,.0f} rows/s\n")
    print("| format | export s | file MB | import back s | created | updated | unchanged | invalid | all unchanged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    failures = 0
    exported_json = b""
    for file_format in FORMATS:
        started = time.perf_counter()
        exported = export_queryset(queryset=Question.objects.all(), file_format=file_format)
        export_s = time.perf_counter() - started
        if file_format == "json":
            exported_json = exported.content
        started = time.perf_counter()
        report = import_files(
            files=[read_bytes(name=exported.filename, content=exported.content)],
            user_label="roundtrip-bench",
            dry_run=False,
            actor=question_services.OPERATOR,
        )
        import_s = time.perf_counter() - started
        totals = report.totals()
        unchanged = (
            report.error is None
            and (totals["created"], totals["updated"], totals["invalid_records"]) == (0, 0, 0)
            and totals["unchanged"] == total
            and QuestionHistory.objects.count() == history
        )
        failures += not unchanged
        print(
            f"| {file_format} | {export_s:.1f} | {len(exported.content) / 1e6:.1f} | {import_s:.1f} | "
            f"{totals['created']} | {totals['updated']} | {totals['unchanged']:,} | {totals['invalid_records']} | "
            f"{'yes' if unchanged else 'NO'} |",
            flush=True,
        )

    # The engine's rate for new rows, beside the floor: the same questions
    # imported into the database emptied of them (with their history rows).
    with connections[CONTENT_DB].cursor() as cursor:
        cursor.execute("DELETE FROM channel_mappings")
        cursor.execute("DELETE FROM question_relationships")
        cursor.execute("DELETE FROM questions")
    started = time.perf_counter()
    report = import_files(
        files=[read_bytes(name="questions.json", content=exported_json)],
        user_label="roundtrip-bench",
        dry_run=False,
        actor=question_services.OPERATOR,
    )
    seconds = time.perf_counter() - started
    created = report.totals()["created"]
    rate = created / seconds if seconds else 0.0
    print(
        f"\nImport of {created:,} new questions (and their history rows): {seconds:.1f} s, {rate:,.0f} rows/s; "
        f"the floor is {floor / rate:.1f}× faster (goal: at most 3×)." if rate and floor else
        f"\nImport of {created:,} new questions: {seconds:.1f} s."
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
