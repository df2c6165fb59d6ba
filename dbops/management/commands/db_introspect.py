"""`manage.py db_introspect`: the live schema as SQL or as model definitions."""

from __future__ import annotations

from typing import Any

from dbops.management.commands._db_command import DatabaseCommand
from dbops.schema_contract import framework_tables, schema_from_connection
from dbops.schema_introspect import schema_as_models


class Command(DatabaseCommand):
    help = (
        "Print the live database's schema as SQL (tables, then indexes, views and triggers), "
        "or with --models as Django model definitions to compare with ours, as "
        "`drizzle-kit introspect` does for the Node app. Read-only: one query, never a change."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--models", action="store_true", help="Print model definitions.")
        parser.add_argument(
            "--include-django",
            action="store_true",
            help="Also show the tables `migrate` owns (Django's, third-party apps').",
        )
        parser.add_argument("tables", nargs="*", help="Only these tables.")

    def handle(self, *args: Any, **options: Any) -> None:
        schema = schema_from_connection(self.connection_for(options))
        hidden = set() if options["include_django"] else set(framework_tables(schema))
        names = [name for name in schema.tables if name not in hidden]
        if options["tables"]:
            unknown = sorted(set(options["tables"]) - set(schema.tables))
            if unknown:
                from django.core.management.base import CommandError

                raise CommandError(f"No such table: {', '.join(unknown)}", returncode=1)
            names = [n for n in names if n in options["tables"]] + [
                n for n in options["tables"] if n not in names
            ]
        selected = schema.only(names)
        self.stdout.write(
            schema_as_models(selected) if options["models"] else selected.to_sql(), ending=""
        )
