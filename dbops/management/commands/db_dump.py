"""`manage.py db_dump`: schema and data as SQL, like the sqlite3 shell's `.dump`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbops.backup import DUMP_BATCH_ROWS, dump_database
from dbops.management.commands._db_command import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Write the whole database (schema and every row) as SQL statements to -o FILE "
        "(gzip when FILE ends in .gz) or to standard output, like `sqlite3 .dump`. Rows are "
        "read in batches from one read transaction, so the dump is one consistent snapshot "
        "even while the app writes; progress goes to standard error. Read-only: it never "
        "changes the database, and works with a read-only token."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("-o", "--output", type=Path, help="File to write (.gz to compress).")
        parser.add_argument(
            "--batch-rows", type=int, default=DUMP_BATCH_ROWS, help="Rows fetched per request."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        # Progress goes to stderr, so it never mixes with a dump written to stdout.
        quiet = options["quiet"]
        result = dump_database(
            connection=self.connection_for(options),
            path=output,
            out=self.stdout._out if output is None else None,
            progress=self.progress_writer(quiet=quiet),
            batch_rows=max(1, options["batch_rows"]),
        )
        self.end_progress(quiet=quiet)
        if output is not None:
            rows = sum(result.tables.values())
            self.stderr.write(
                f"Wrote {output}: {len(result.tables)} tables, {rows} rows, {result.statements} statements."
            )
