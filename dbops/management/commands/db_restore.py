"""`manage.py db_restore FILE`: load a dump into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbops.backup import RestoreError, restore_database
from dbops.connection import database_location
from dbops.management.commands._db_command import DatabaseCommand


class Command(DatabaseCommand):
    creates_database = True
    help = (
        "Load a SQL dump (written by db_dump, or the sqlite3 shell's .dump; .gz or plain) into "
        "an empty database, in one transaction: every statement or none. A database that "
        "already has tables is refused unless --force, which drops them first in the same "
        "transaction. Row counts are checked against the dump before commit. It never "
        "half-loads a dump and refuses read-only credentials before sending anything."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="The dump to load.")
        parser.add_argument(
            "--force", action="store_true", help="Replace the tables of a non-empty database."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise RestoreError(f"No such dump file: {path}")
        connection = self.connection_for(options)
        result = restore_database(
            connection=connection,
            path=path,
            force=options["force"],
            progress=self.progress_writer(quiet=options["quiet"]),
        )
        self.end_progress(quiet=options["quiet"])
        rows = sum(result.tables.values())
        self.stdout.write(
            f"Restored {path} into {database_location(connection).describe()}: "
            f"{len(result.tables)} tables, {rows} rows, {result.statements} statements."
        )
