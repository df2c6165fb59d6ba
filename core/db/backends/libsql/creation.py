"""Test databases.

Locally, as Django's sqlite3 backend (an in-memory database by default).
Remotely, a server cannot create databases on request, so the configured
server itself is the test database, and only when it listens on a loopback
address: a test run empties it first, and it must never be a real Turso
database.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteDatabaseCreation


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DatabaseCreation(SQLiteDatabaseCreation):
    def _get_test_db_name(self) -> str:
        if self.connection.is_remote:
            return self.connection.settings_dict["NAME"]
        return super()._get_test_db_name()

    def _create_test_db(self, verbosity: int, autoclobber: bool, keepdb: bool = False) -> str:
        if not self.connection.is_remote:
            return super()._create_test_db(verbosity, autoclobber, keepdb)
        url = self.connection.remote_url
        if not is_loopback_url(url):
            raise ImproperlyConfigured(
                f"Refusing to run tests against the libSQL server at {urlsplit(url).hostname}: "
                "tests empty the database, so it must be a local server "
                "(127.0.0.1, localhost or ::1)."
            )
        if not keepdb:
            if verbosity >= 1:
                self.log(f"Emptying the test database on {urlsplit(url).netloc}...")
            self._drop_all_objects()
        return self._get_test_db_name()

    def _drop_all_objects(self) -> None:
        """Drop every table and view (their indexes and triggers go with
        them) in as few round trips as possible."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                "AND name NOT LIKE 'libsql\\_%' ESCAPE '\\' "
                "AND name NOT LIKE '\\_litestream%' ESCAPE '\\'"
            )
            objects = cursor.fetchall()
        quote = self.connection.ops.quote_name
        drops = [(f"DROP {kind.upper()} IF EXISTS {quote(name)}", None) for kind, name in objects]
        # Foreign keys off so tables can be dropped in any order; the
        # setting cannot change inside the batch's transaction.
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
        try:
            if drops:
                self.connection.execute_batch(drops, want_rows=False)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys = ON")

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        # The server is emptied when the next run starts (unless keepdb).
        if not self.connection.is_remote:
            super()._destroy_test_db(test_database_name, verbosity)

    def test_db_signature(self) -> tuple[Any, ...]:
        if self.connection.is_remote:
            return (self.connection.remote_url,)
        return super().test_db_signature()

    def _clone_test_db(self, suffix: str, verbosity: int, keepdb: bool = False) -> None:
        if self.connection.is_remote:
            raise NotSupportedError("Parallel test databases cannot be cloned on a libSQL server.")
        super()._clone_test_db(suffix, verbosity, keepdb)
