"""`manage.py db_check`: compare the models with the live database."""

from __future__ import annotations

import json
from typing import Any

from dbops.connection import database_location
from dbops.management.commands._db_command import DatabaseCommand
from dbops.schema_sync import check_schema

EXIT_DRIFT = 1


class Command(DatabaseCommand):
    help = (
        "Compare the models with the live database (embedded file, file: URL or libSQL server): "
        "missing tables, columns and indexes, differing types, nullability or defaults, and what "
        "only the database has. Differences listed in dbops.schema_contract.ACCEPTED_DRIFT are "
        "shown with their explanation and do not count as drift. Exit 0 in sync, 1 on drift, "
        "2 when the database cannot be reached or refuses the credentials. "
        "Read-only: it never changes the database (one query, one round trip)."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = self.connection_for(options)
        report = check_schema(connection=connection)
        location = database_location(connection).describe()
        if options["json"]:
            self.stdout.write(json.dumps({"database": location, **report.as_dict()}, indent=2))
        else:
            self.stdout.write(render_report(report, location=location))
        if not report.in_sync:
            self._exit(EXIT_DRIFT)

    def _exit(self, code: int) -> None:
        if getattr(self, "_called_from_command_line", False):
            raise SystemExit(code)
        from django.core.management.base import CommandError

        raise CommandError("The database differs from the models.", returncode=code)


def render_report(report: Any, *, location: str) -> str:
    lines = [f"Database: {location}"]
    drift = [d for d in report.unexplained if not d.is_extra]
    extra = [d for d in report.unexplained if d.is_extra]
    if report.in_sync:
        note = f" ({len(report.accepted)} accepted differences)" if report.accepted else ""
        lines.append(f"In sync with the models{note}.")
    else:
        lines.append(
            f"Drift: {len(report.unexplained)} differences not explained by ACCEPTED_DRIFT."
        )
    if drift:
        lines.append("")
        lines.append("Differs from the models:")
        lines.extend(f"  - {d.describe()}" for d in drift)
    if extra:
        lines.append("")
        lines.append("Only in the database (reported, never touched):")
        lines.extend(f"  - {d.describe()}" for d in extra)
    if report.accepted:
        lines.append("")
        lines.append("Accepted differences (dbops.schema_contract.ACCEPTED_DRIFT):")
        for d in report.accepted:
            lines.append(f"  - {d.describe()}")
            lines.append(f"      why: {d.accepted.explanation}")
    return "\n".join(lines)
