"""`manage.py db_status`: where we are connected and what the database holds."""

from __future__ import annotations

import json
from typing import Any

from django.db import connections

from core.databases import ADMIN_DB
from dbops.connection import database_location
from dbops.management.commands._db_command import DatabaseCommand
from dbops.status import database_status


class Command(DatabaseCommand):
    help = (
        "Show where the admin is connected (scheme and host or file; never the token), the "
        "server's version, whether the credentials can write (found without writing to any "
        "table), each table's row count, whether the schema is in sync with the models, and "
        "the time of one round trip. Read-only: it never changes the database."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--json", action="store_true", help="Print the status as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        status = database_status(self.connection_for(options))
        if options["json"]:
            self.stdout.write(json.dumps(status.as_dict(), indent=2))
            return
        admin = database_location(connections[ADMIN_DB]).describe()
        lines = [
            f"Database:     {status.location.describe()}",
            f"Admin state:  {admin} (users, sessions, uploads; `migrate` manages it)",
            f"Server:       {status.server_version}",
            f"Credentials:  {'read-write' if status.writable else 'read-only'}"
            + ("" if status.writable else f" ({status.write_reason})"),
            f"Round trip:   {status.round_trip_ms:.1f} ms",
        ]
        if status.in_sync:
            accepted = (
                f" ({status.accepted_differences} accepted differences)"
                if status.accepted_differences
                else ""
            )
            lines.append(f"Schema:       in sync with the models{accepted}")
        else:
            lines.append(
                f"Schema:       {len(status.unexplained_differences)} differences from the models "
                "(run db_check)"
            )
        lines.append("Tables:")
        width = max((len(name) for name in status.row_counts), default=0)
        for name, count in status.row_counts.items():
            lines.append(f"  {name.ljust(width)}  {count:>9,}")
        self.stdout.write("\n".join(lines))
