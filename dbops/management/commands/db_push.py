"""`manage.py db_push`: bring the live database up to the models, additively."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from core.db.errors import ReadOnlyDatabaseError
from dbops.connection import database_location, write_access
from dbops.management.commands._db_command import DatabaseCommand
from dbops.schema_sync import SchemaPushError, apply_push, plan_push


class Command(DatabaseCommand):
    creates_database = True
    help = (
        "Print the SQL that brings the live database up to the models, then apply its additive "
        "part (CREATE TABLE, ADD COLUMN with its default, CREATE INDEX) in one transaction after "
        "confirmation (--yes for scripts). Running it again finds nothing to do. Changes that "
        "need a table rebuild (retyping a column, changing NULL or a default, a NOT NULL column "
        "without a default) are listed and skipped unless --allow-rebuild, which first writes a "
        "dump and then rebuilds each table keeping every row (row counts and a hash per table "
        "are checked before commit). It never drops or alters what only the database has "
        "(tables, columns, indexes), never acts on differences listed in ACCEPTED_DRIFT, and "
        "refuses read-only credentials before sending anything. On an empty content database it "
        "creates the Node app's 12 tables; it adds nothing the app's own schema tool does not "
        "know (no migration records, no tables of the admin's)."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="Apply without asking.")
        parser.add_argument(
            "--allow-rebuild",
            action="store_true",
            help="Also run the listed table rebuilds, after writing a dump (see --dump-to).",
        )
        parser.add_argument(
            "--dump-to",
            type=Path,
            help="Where --allow-rebuild writes its dump first "
            "(default: <data dir>/backups/pre-push-<time>.sql.gz).",
        )
        parser.add_argument(
            "--plan-only", action="store_true", help="Print the plan and stop (changes nothing)."
        )
        parser.add_argument(
            "--unless-read-only",
            action="store_true",
            help="With read-only credentials, say so and succeed instead of refusing (for `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = self.connection_for(options)
        location = database_location(connection).describe()
        if options["unless_read_only"] or not options["plan_only"]:
            # Asked once: on a server the question is itself a round trip.
            access = write_access(connection)
            if not access.writable:
                if options["unless_read_only"]:
                    self.stdout.write(f"-- Database: {location} is read-only: the schema is left as it is.")
                    return
                if not options["plan_only"]:
                    raise ReadOnlyDatabaseError(access.reason)
        plan = plan_push(connection=connection)
        self.stdout.write(f"-- Database: {location}")
        rebuilding = options["allow_rebuild"] and bool(plan.rebuilds)
        if plan.additive or plan.rebuilds:
            self.stdout.write(plan.sql(include_rebuilds=rebuilding), ending="")
        if plan.rebuilds and not rebuilding:
            self.stdout.write("-- Skipped, needs a table rebuild (run with --allow-rebuild):")
            for rebuild in plan.rebuilds:
                for reason in rebuild.reasons:
                    self.stdout.write(f"--   {reason.describe()}")
        if plan.not_touched:
            self.stdout.write(
                f"-- Not touched: {len(plan.not_touched)} differences "
                "(only in the database, or accepted); see db_check."
            )
        if not plan.additive and not rebuilding:
            self.stdout.write("-- Nothing to do.")
            return
        if options["plan_only"]:
            return
        if not options["yes"] and not self._confirm(location):
            raise SchemaPushError(
                "Not applied: not confirmed (pass --yes to apply without asking)."
            )
        dump_path = options["dump_to"]
        if rebuilding and dump_path is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            dump_path = Path(settings.DATA_DIR) / "backups" / f"pre-push-{stamp}.sql.gz"
        if dump_path is not None:
            dump_path.parent.mkdir(parents=True, exist_ok=True)
        result = apply_push(
            connection=connection,
            plan=plan,
            allow_rebuild=options["allow_rebuild"],
            dump_path=dump_path,
            progress=lambda message: self.stderr.write(message),
            writable_checked=True,
        )
        if result.dump_path:
            self.stdout.write(f"-- Dump written first: {result.dump_path}")
        self.stdout.write(
            f"-- Applied {len(result.applied)} additive changes"
            + (f" and rebuilt {', '.join(result.rebuilt)}" if result.rebuilt else "")
            + "."
        )

    def _confirm(self, location: str) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"Apply these changes to {location}? [y/N] ")
        return answer.strip().lower() in {"y", "yes"}
