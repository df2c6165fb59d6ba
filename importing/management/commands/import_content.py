"""`manage.py import_content PATH...`: bulk import of the app's exports (any format of `importing.formats`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from core.db.errors import describe_database_error
from core.roles import OPERATOR
from importing import formats
from importing.readers import cyclic_gc_paused
from importing.report import refusal_sentence
from importing.services import DUPLICATE_CHOICES, import_files
from importing.sources import read_paths
from importing.specs import assign_ids_help, import_order, spec_named

# A refused or failed import: nothing was written (or, after a failed
# commit, the sentence says it is unknown). The same code as a database the
# command cannot reach.
EXIT_REFUSED = 2


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # Read when the help is shown: the formats and specs are registries.
        return (
            f"Import content from the app's export files and folders ({formats.names(upper=True)}). "
            "By default any bad file or record refuses the whole import; a refused import exits with code 2."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (the app's export tree)")
        parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        parser.add_argument(
            "--model", metavar="NAME", help=f"what the files hold ({', '.join(import_order())}); else inferred"
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid records; list the rejected ones (with --report, write them there)",
        )
        parser.add_argument(
            "--assign-ids", action="store_true", help=assign_ids_help()
        )
        parser.add_argument(
            "--overwrite-newer",
            action="store_true",
            help="also update records whose row changed in the database since the file was made "
            "(its lastUpdated is newer than the file's, or the file gives none); without it they are held back",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=DUPLICATE_CHOICES,
            default="refuse",
            help="an id given more than once: refuse every copy (default), or import the first or the last "
            "copy and leave out the others",
        )
        parser.add_argument("--report", metavar="FILE", help="write the full report (every problem) as JSON")
        parser.add_argument(
            "--max-problems", type=int, default=200, metavar="N", help="problems printed here (all go to --report)"
        )

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError:
            raise
        except Exception as exc:
            if options.get("traceback"):
                raise
            # Every input problem the readers and the engine know of is a
            # sentence in the report; anything else still ends in one line.
            sentence = describe_database_error(exc, url=str(connection.settings_dict.get("NAME")))
            raise CommandError(
                sentence or f"The import stopped on an error it does not describe ({type(exc).__name__}: {exc}); "
                "run it again with --traceback for the details.",
                returncode=EXIT_REFUSED,
            ) from None

    def handle(self, *args: Any, **options: Any) -> None:
        if options["model"]:
            try:
                spec_named(options["model"])
            except LookupError as exc:
                raise CommandError(str(exc), returncode=EXIT_REFUSED) from None
        started = time.perf_counter()
        self._bar = _ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        # One pause of the cycle collector over reading and importing: the
        # records read stay young objects until the import is done with them.
        with cyclic_gc_paused():
            files = read_paths(paths=options["paths"], model=options["model"])
            report = import_files(
                files=files,
                user_label="cli",
                # An operator tool: whoever runs it holds the database
                # credentials, so it may change statuses (see the README).
                actor=OPERATOR,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                assign_ids=options["assign_ids"],
                overwrite_newer=options["overwrite_newer"],
                on_duplicate=options["on_duplicate"],
                progress=self._bar.update,
            )
            del files
        self._bar.finish()
        problems = report.problems
        limit = options["max_problems"]
        if problems:
            heading = "Rejected" if options["skip_invalid"] else "Problems"
            self.stdout.write(f"{heading} ({len(problems):,}):")
            for problem in problems[:limit]:
                self.stdout.write(f"  {problem}")
            if len(problems) > limit:
                self.stdout.write(f"  ... and {len(problems) - limit:,} more (see --report)")
        left_out = report.left_out
        if left_out:
            self.stdout.write(f"Duplicates left out ({len(left_out):,}):")
            for note in left_out[:limit]:
                self.stdout.write(f"  {note}")
            if len(left_out) > limit:
                self.stdout.write(f"  ... and {len(left_out) - limit:,} more (see --report)")
        for line in report.summary_lines():
            self.stdout.write(line)
        self.stdout.write(f"total {time.perf_counter() - started:.2f} s")
        if options["report"]:
            try:
                Path(options["report"]).write_text(
                    json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str),
                    encoding="utf-8",
                    errors="backslashreplace",
                )
            except OSError as exc:
                raise CommandError(
                    f"Cannot write the report to {options['report']}: {exc.strerror or exc}.",
                    returncode=EXIT_REFUSED,
                ) from None
            self.stdout.write(f"report written to {options['report']}")
        if report.refused:
            raise CommandError(self._refusal(report), returncode=EXIT_REFUSED)
        if report.error:
            raise CommandError(report.error, returncode=EXIT_REFUSED)

    def _refusal(self, report: Any) -> str:
        """The refusal, pointing to the problems above and to the options that go on."""
        totals = report.totals()
        valid = totals["created"] + totals["updated"]
        hints = []
        if report.newer_records:
            hints.append(
                f"--overwrite-newer updates the {report.newer_records:,} record"
                f"{'s' if report.newer_records != 1 else ''} changed in the database since the file was made"
            )
        hints.append(f"--skip-invalid imports the {valid:,} valid record{'s' if valid != 1 else ''} and leaves out the rest")
        return f"{refusal_sentence(problems=len(report.problems), where='above')} Fix them, or run again: {'; '.join(hints)}."


class _ProgressBar:
    """Progress on stderr: on a terminal one line redrawn in place; otherwise
    (a log, a CI job) plain lines, at each new stage, at its end and at
    most every `PLAIN_EVERY_SECONDS` between."""

    WIDTH = 30
    PLAIN_EVERY_SECONDS = 5.0

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.terminal = hasattr(stream, "isatty") and stream.isatty()
        self.last_stage = ""
        self.last_done = -1
        self.last_draw = 0.0

    def update(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        same_stage = stage == self.last_stage
        if not self.terminal:
            if same_stage and (done == self.last_done or (done < total and now - self.last_draw < self.PLAIN_EVERY_SECONDS)):
                return
            self.last_stage, self.last_done, self.last_draw = stage, done, now
            self.stream.write(f"{stage}: {done:,}/{total:,}\n")
            self.stream.flush()
            return
        if same_stage and done < total and now - self.last_draw < 0.1:
            return
        if not same_stage and self.last_stage:
            self.stream.write("\n")
        self.last_stage, self.last_draw = stage, now
        filled = int(self.WIDTH * done / total) if total else self.WIDTH
        self.stream.write(f"\r{stage:<28} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:,}/{total:,}")
        self.stream.flush()

    def finish(self) -> None:
        if self.terminal and self.last_stage:
            self.stream.write("\n")
            self.stream.flush()
