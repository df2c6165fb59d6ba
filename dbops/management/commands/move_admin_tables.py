"""`manage.py move_admin_tables`: the admin's own tables out of the shared database."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from core.databases import ADMIN_DB, CONTENT_DB
from dbops.admin_tables_move import MoveRefused, move_admin_tables, plan_move
from dbops.management.commands._db_command import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Move the tables an earlier version of the admin left in the shared content database "
        "(users with their password hashes, groups, permissions, sessions, the admin log, "
        "login throttling, pending uploads, migration records) to the admin database: copy "
        "them in one transaction, check row counts and a hash of every row, and only then drop "
        "them from the shared database. It never touches the Node app's 12 tables. --dry-run "
        "prints the plan and changes nothing; a second run finds nothing to move; if a step "
        "fails, both databases are left as they were."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Print the plan; change nothing.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace admin users, log entries or uploads the admin database already holds.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        content = self.connection_for(options)
        if content.alias != CONTENT_DB:
            raise CommandError("move_admin_tables moves from the content database only.")
        admin = connections[ADMIN_DB]
        plan = plan_move(content=content, admin=admin)
        if plan.empty:
            self.stdout.write("Nothing to move: the shared database holds none of the admin's tables.")
            return
        self.stdout.write("Plan:")
        for move in plan.moves:
            self.stdout.write(f"  {move.describe()}")
        for table in plan.unknown:
            self.stdout.write(f"  {table}: not a table of this admin; left where it is")
        if plan.conflicts:
            self.stdout.write(
                "  the admin database already holds rows in "
                + ", ".join(plan.conflicts)
                + (": they will be replaced (--replace)" if options["replace"] else ": refused without --replace")
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        # The admin database gets its tables first (a no-op when it has them).
        call_command("migrate", database=ADMIN_DB, interactive=False, verbosity=0)
        try:
            result = move_admin_tables(
                content=content,
                admin=admin,
                replace=options["replace"],
                progress=lambda message: self.stderr.write(message),
            )
        except MoveRefused as exc:
            raise CommandError(str(exc)) from exc
        # Content types and permissions a newer version adds over the moved rows.
        call_command("migrate", database=ADMIN_DB, interactive=False, verbosity=0)
        copied = sum(result.copied.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Moved {len(result.dropped)} tables ({copied} rows copied, counts and hashes checked) "
                "to the admin database and dropped them from the shared database."
            )
        )
