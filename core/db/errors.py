"""Database failures as one plain sentence a person can act on.

The libSQL engine raises its connection-level errors with these sentences
already as their message; `describe_database_error` finds them (or a raw
socket/SQLite failure) anywhere in an exception's chain, so the error
middleware and management commands can print them instead of a traceback.
No sentence ever contains the auth token.
"""

from __future__ import annotations

import socket
import sqlite3
import ssl
from urllib.parse import urlsplit

from django.db.utils import DatabaseError

READ_WRITE_TOKEN_HINT = "a read-write token (TURSO_AUTH_TOKEN)"


class ReadOnlyDatabaseError(DatabaseError):
    """A write was attempted with read-only credentials."""


class DatabaseBusy(Exception):  # noqa: N818 - a marker mixin, not an error of its own
    """Mixin for driver errors meaning another connection's write held the
    database for longer than this one could wait."""


class DatabaseUnavailable(Exception):  # noqa: N818 - a marker mixin, not an error of its own
    """Mixin for driver errors whose message is already a plain sentence
    about reaching or authenticating with the database server."""


def server_address(url: str) -> str:
    """`host:port` of a libSQL URL, for messages (never includes credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or url
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 80 if parts.scheme in ("http", "ws") else 443
    return f"{host}:{port}"


def unreachable_sentence(address: str, cause: BaseException) -> str:
    return f"Cannot reach the libSQL server at {address}: {_network_cause(cause)}."


OUTCOME_UNKNOWN = "; the last change may or may not have been saved."


def connection_lost_sentence(address: str) -> str:
    return f"The connection to the libSQL server at {address} was lost while waiting for its answer{OUTCOME_UNKNOWN}"


def without_outcome(sentence: str) -> str:
    """A failure's sentence without its guess at whether the change was saved,
    for a caller that knows: a transaction that never reached its commit
    saved nothing."""
    return sentence.removesuffix(OUTCOME_UNKNOWN) + "." if sentence.endswith(OUTCOME_UNKNOWN) else sentence


def auth_rejected_sentence(address: str, status: int, *, token_given: bool) -> str:
    if not token_given:
        return (
            f"The libSQL server at {address} requires an auth token (HTTP {status}); "
            "set TURSO_AUTH_TOKEN."
        )
    return f"The libSQL server at {address} refused the auth token (HTTP {status})."


def read_only_token_sentence(address: str) -> str:
    return (
        f"The libSQL server at {address} accepted the token as read-only; "
        f"this change needs {READ_WRITE_TOKEN_HINT}."
    )


def read_only_settings_sentence() -> str:
    return (
        "The database is connected read-only (only TURSO_DATABASE_URL_RO is configured); "
        f"this change needs TURSO_DATABASE_URL with {READ_WRITE_TOKEN_HINT}."
    )


def busy_sentence() -> str:
    return (
        "Another save is in progress and this one could not wait any longer, so this "
        "change was not saved; nothing was lost. Try again in a moment."
    )


def stream_expired_sentence(address: str) -> str:
    return (
        f"The libSQL server at {address} ended the transaction after it sat idle too long; "
        "the change was not saved, try again."
    )


def server_failed_sentence(address: str, status: int, detail: str) -> str:
    detail = detail.strip().rstrip(".")
    suffix = f": {detail}" if detail else ""
    return f"The libSQL server at {address} answered HTTP {status}{suffix}."


def describe_database_error(exc: BaseException, *, url: str) -> str | None:
    """One sentence explaining why the database at `url` (a libSQL URL or a
    SQLite file path) could not be used, or None when `exc` is not a
    connection, authentication or permission failure."""
    if is_busy_error(exc):
        return busy_sentence()
    for link in _exception_chain(exc):
        if isinstance(link, (DatabaseUnavailable, ReadOnlyDatabaseError)):
            return str(link)
        if isinstance(link, OSError):
            return unreachable_sentence(_address_for(url), link)
        if isinstance(link, sqlite3.OperationalError):
            sentence = _sqlite_sentence(link, path=url)
            if sentence:
                return sentence
    return None


def is_busy_error(exc: BaseException) -> bool:
    """Whether `exc` (or its cause) says another connection's write kept
    this one from running: SQLITE_BUSY / SQLITE_LOCKED locally, their
    libSQL counterparts remotely."""
    for link in _exception_chain(exc):
        if isinstance(link, DatabaseBusy):
            return True
        if isinstance(link, sqlite3.OperationalError):
            message = str(link).lower()
            if any(marker in message for marker in _SQLITE_BUSY_MESSAGES):
                return True
    return False


# sqlite3's messages for SQLITE_BUSY and SQLITE_LOCKED.
_SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked", "database schema is locked")


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _address_for(url: str) -> str:
    return server_address(url) if "://" in url else url


def _network_cause(cause: BaseException) -> str:
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(cause, TimeoutError):
        return "the connection timed out"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"its TLS certificate was not accepted ({cause.verify_message})"
    if isinstance(cause, ssl.SSLError):
        return f"the TLS handshake failed ({cause.reason or 'unknown reason'})"
    if isinstance(cause, ConnectionResetError):
        return "the connection was reset"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror[0].lower() + cause.strerror[1:]
    return type(cause).__name__


def _sqlite_sentence(exc: sqlite3.OperationalError, *, path: str) -> str | None:
    message = str(exc).lower()
    if "unable to open database file" in message:
        return (
            f"Cannot open the SQLite database file {path}; "
            "check that its folder exists and is writable."
        )
    if "readonly database" in message:
        return f"The SQLite database file {path} is read-only on disk; this change cannot be saved."
    return None
