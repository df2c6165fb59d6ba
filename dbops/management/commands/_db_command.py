"""What the db_* commands share: one-line failures, never a traceback or a token.

A database that cannot be reached or refuses the credentials ends the
command with one sentence (from core.db.errors) on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.databases import CONTENT_DB
from core.db.errors import ReadOnlyDatabaseError, describe_database_error
from dbops.backup import RestoreError
from dbops.connection import auth_token, remote_url
from dbops.schema_sync import SchemaPushError

EXIT_CANNOT_CONNECT = 2


class MissingDatabaseFile(Exception):  # noqa: N818 - reads as the condition it reports
    """A read-only command was pointed at a database file that does not exist."""


class DatabaseCommand(BaseCommand):
    # The commands must run against a database the checks cannot reach.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--database",
            default=CONTENT_DB,
            help=f"Database alias from settings (default: {CONTENT_DB}, the Node app's content).",
        )

    # Commands that only read refuse a database file that does not exist
    # rather than let SQLite create an empty one.
    creates_database = False

    def connection_for(self, options: dict[str, Any]) -> Any:
        connection = connections[options.get("database") or CONTENT_DB]
        if not self.creates_database and not remote_url(connection):
            path = Path(str(connection.settings_dict.get("NAME")))
            if str(path) != ":memory:" and not path.is_file():
                raise MissingDatabaseFile(f"There is no database file at {path}.")
        return connection

    def progress_writer(self, *, quiet: bool) -> Any:
        """Progress on stderr: one updating line on a terminal, else a line each."""
        if quiet:
            return None
        if self.stderr.isatty():
            return lambda message: self.stderr.write(f"\r\x1b[K{message}", ending="")
        return lambda message: self.stderr.write(message)

    def end_progress(self, *, quiet: bool) -> None:
        if not quiet and self.stderr.isatty():
            self.stderr.write("")

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError:
            raise
        except (RestoreError, SchemaPushError) as exc:
            self._fail(str(exc), 1, options)
        except (ReadOnlyDatabaseError, MissingDatabaseFile) as exc:
            self._fail(str(exc), EXIT_CANNOT_CONNECT, options)
        except Exception as exc:
            connection = connections[options.get("database") or CONTENT_DB]
            url = remote_url(connection) or str(connection.settings_dict.get("NAME"))
            sentence = describe_database_error(exc, url=url)
            if sentence is None:
                if options.get("traceback"):
                    raise
                sentence = f"{type(exc).__name__}: {exc}"
            self._fail(sentence, EXIT_CANNOT_CONNECT, options)

    def _fail(self, message: str, code: int, options: dict[str, Any]) -> None:
        connection = connections[options.get("database") or CONTENT_DB]
        token = auth_token(connection)
        if token:
            message = message.replace(token, "<token>")
        message = message.strip().splitlines()[0] if message.strip() else "failed"
        if getattr(self, "_called_from_command_line", False):
            self.stderr.write(message)
            self.stderr.flush()
            _close_quietly()
            sys.exit(code)
        raise CommandError(message, returncode=code)


def _close_quietly() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the command has already failed; say nothing more
            pass
