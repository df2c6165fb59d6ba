"""Facts about a database connection: where it points, what the credentials
may do (the write check every changing command makes before it sends
anything), its tables and row counts, the server's version.

None of this writes to a table, and nothing here ever prints or returns the
auth token.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.db import DatabaseError

from core.db.errors import (
    ReadOnlyDatabaseError,
    read_only_settings_sentence,
    read_only_token_sentence,
    server_address,
)
from dbops.schema_contract import is_internal_table

SERVER_VERSION_TIMEOUT_SECONDS = 5.0


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Location:
    """Where a connection points, safe to print: never the token."""

    scheme: str  # "file" or the URL scheme (libsql, https, http)
    address: str  # host:port, or the file path
    remote: bool

    def describe(self) -> str:
        return f"{self.scheme}://{self.address}" if self.remote else f"file:{self.address}"


def remote_url(connection: Any) -> str | None:
    return (connection.settings_dict.get("OPTIONS") or {}).get("url") or None


def auth_token(connection: Any) -> str | None:
    return (connection.settings_dict.get("OPTIONS") or {}).get("auth_token") or None


def database_location(connection: Any) -> Location:
    url = remote_url(connection)
    if url:
        return Location(
            scheme=urlsplit(url).scheme.lower(), address=server_address(url), remote=True
        )
    return Location(scheme="file", address=str(connection.settings_dict.get("NAME")), remote=False)


def settings_read_only(connection: Any) -> bool:
    return bool(getattr(connection, "read_only", False)) or bool(
        (connection.settings_dict.get("OPTIONS") or {}).get("read_only")
    )


def token_claims(token: str | None) -> dict[str, Any] | None:
    """The claims of a JWT auth token, read without verifying it (the server
    verifies); None when the token is not a JWT."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(decoded)
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_says_read_only(token: str | None) -> bool:
    """Turso and sqld mark read-only tokens with the claim `"a": "ro"`."""
    claims = token_claims(token) or {}
    return str(claims.get("a", "")).lower() == "ro"


@dataclass(frozen=True)
class WriteAccess:
    writable: bool
    reason: str


def write_access(connection: Any) -> WriteAccess:
    """Whether these credentials may write, found without writing any table.

    In order: the settings (only the `_RO` pair configured), the token's own
    claims, then, remotely, a `PRAGMA defer_foreign_keys = OFF` (a no-op the
    server nonetheless classifies as a write and refuses for a read-only
    token); locally, whether the file may be written.
    """
    location = database_location(connection)
    if settings_read_only(connection):
        return WriteAccess(False, read_only_settings_sentence())
    if location.remote:
        if token_says_read_only(auth_token(connection)):
            return WriteAccess(False, read_only_token_sentence(location.address))
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA defer_foreign_keys = OFF")
        except ReadOnlyDatabaseError as exc:
            return WriteAccess(False, str(exc))
        except DatabaseError as exc:
            if "read-only" in str(exc).lower() or "readonly" in str(exc).lower():
                return WriteAccess(False, str(exc))
            raise
        return WriteAccess(True, "the server accepted a write-classified statement")
    path = Path(location.address)
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        return WriteAccess(False, f"The SQLite database file {path} is read-only on disk.")
    return WriteAccess(True, "the file is writable")


def require_writable(connection: Any) -> None:
    """Raise ReadOnlyDatabaseError (with the sentence to print) unless these
    credentials can write; called before any change is sent."""
    access = write_access(connection)
    if not access.writable:
        raise ReadOnlyDatabaseError(access.reason)


def user_tables(connection: Any) -> list[str]:
    """Tables other than SQLite's and libSQL's own, in creation order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        names = [row[0] for row in cursor.fetchall()]
    return [name for name in names if not is_internal_table(name)]


def row_counts(connection: Any, tables: list[str]) -> dict[str, int]:
    """Row count of each table, in one query."""
    if not tables:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT {index}, count(*) FROM {quote_name(table)}" for index, table in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return {tables[int(index)]: int(count) for index, count in rows}


def sqlite_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])


def server_version(connection: Any) -> str:
    """sqld answers `GET /version` (e.g. `sqld 0.24.32 (40c272de ...)`);
    other servers, and local files, report the SQLite library version."""
    url = remote_url(connection)
    library = f"SQLite {sqlite_version(connection)}"
    if not url:
        return library
    parts = urlsplit(url)
    scheme = "http" if parts.scheme in ("http", "ws") else "https"
    request = urllib.request.Request(f"{scheme}://{parts.netloc}/version")
    token = auth_token(connection)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=SERVER_VERSION_TIMEOUT_SECONDS) as response:
            text = response.read(200).decode("utf-8", errors="replace").strip()
    except (urllib.error.URLError, OSError, ValueError):
        text = ""
    return f"{text}, {library}" if text else f"libSQL server, {library}"
