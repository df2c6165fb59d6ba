"""Django database engine for SQLite files and remote libSQL (Turso) servers.

Local mode (NAME is a file path) is Django's sqlite3 backend with WAL
journaling, so `runserver` and a management command can share the file. Remote mode (OPTIONS['url'] set) talks Hrana-over-HTTP to a
libSQL server through `hrana`, with the same SQL dialect: the operations
class emits no calls to Python functions, in either mode.

Both modes refuse writes client-side when OPTIONS['read_only'] is true,
count HTTP round trips (`round_trips`, `tcp_connects`), and offer
`execute_batch()` to run many statements in few round trips.

Writers wait their turn instead of failing. A transaction that reads and
then writes (the admin's change form, an import) would otherwise start as a
reader, and a second such transaction could then only fail ("database is
locked"): its snapshot is stale once the first commits. So transactions
start as writers (`BEGIN IMMEDIATE`, which sqld accepts over Hrana too and
queues server-side), and a statement run outside a transaction (that BEGIN
itself, or a lone write) that finds the database busy is retried with
backoff until `busy_timeout` seconds have passed. A busy error inside a
transaction is never retried: part of the transaction would be lost.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.backends.sqlite3 import base as sqlite_base
from django.utils.asyncio import async_unsafe

from core.db.errors import ReadOnlyDatabaseError, is_busy_error, read_only_settings_sentence

from . import hrana
from .client import DatabaseClient
from .creation import DatabaseCreation
from .features import DatabaseFeatures
from .introspection import DatabaseIntrospection
from .operations import DatabaseOperations
from .schema import DatabaseSchemaEditor

# OPTIONS keys this engine reads; the rest go to sqlite3.connect() locally.
ENGINE_OPTIONS = ("url", "auth_token", "read_only", "timeout", "busy_timeout")
# Seconds a writer waits for another connection's write to finish before
# giving up, when neither OPTIONS['busy_timeout'] nor the
# OI_DATABASE_BUSY_TIMEOUT_SECONDS setting says otherwise.
DEFAULT_BUSY_TIMEOUT_SECONDS = 5.0
# Backoff between attempts on a busy database: doubling from the first
# delay up to the cap, each with up to half again added at random so that
# waiting writers do not retry in lockstep.
BUSY_RETRY_FIRST_DELAY_SECONDS = 0.01
BUSY_RETRY_MAX_DELAY_SECONDS = 0.25

Parameters = Sequence[Any] | Mapping[str, Any] | None
Result = TypeVar("Result")
StatementResult = hrana.StmtResult

# First keyword of statements that cannot change the database.
_READ_KEYWORDS = frozenset(
    {
        "SELECT",
        "VALUES",
        "EXPLAIN",
        "PRAGMA",
        "BEGIN",
        "COMMIT",
        "END",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
    }
)
_WRITE_IN_WITH = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_PRAGMA_ASSIGNMENT = re.compile(r"^\s*PRAGMA\s+[\w.]+\s*(=|\()", re.IGNORECASE)
_SAFE_PRAGMA_ASSIGNMENTS = re.compile(
    r"^\s*PRAGMA\s+(foreign_keys|legacy_alter_table|busy_timeout|table_x?info|index_list|"
    r"index_info|index_xinfo|foreign_key_list|foreign_key_check)\b",
    re.IGNORECASE,
)
_LEADING_COMMENTS = re.compile(r"^(\s+|--[^\n]*\n?|/\*.*?\*/)+", re.DOTALL)


def is_write_statement(sql: str) -> bool:
    """Whether `sql` may change the database (conservatively: unknown
    statements count as writes)."""
    text = _LEADING_COMMENTS.sub("", sql)
    keyword = text.split(None, 1)[0].upper() if text.strip() else ""
    if keyword == "WITH":
        return bool(_WRITE_IN_WITH.search(text))
    if keyword == "PRAGMA":
        return bool(_PRAGMA_ASSIGNMENT.match(text)) and not _SAFE_PRAGMA_ASSIGNMENTS.match(text)
    return keyword not in _READ_KEYWORDS


def _refuse_write(sql: str) -> None:
    if is_write_statement(sql):
        raise ReadOnlyDatabaseError(read_only_settings_sentence())


def run_waiting_for_writers(
    run: Callable[[], Result], *, in_transaction: Callable[[], bool], busy_timeout: float
) -> Result:
    """`run()`, again after a short sleep while it fails because another
    connection is writing, for at most `busy_timeout` seconds in all.
    Only a statement outside a transaction is retried: a busy statement
    changed nothing, whereas a transaction's earlier statements would be
    gone (`in_transaction()` is asked before each attempt)."""
    deadline = time.monotonic() + busy_timeout
    delay = BUSY_RETRY_FIRST_DELAY_SECONDS
    while True:
        retryable = not in_transaction()
        try:
            return run()
        except Exception as exc:
            remaining = deadline - time.monotonic()
            if not retryable or remaining <= 0 or not is_busy_error(exc):
                raise
        time.sleep(min(remaining, delay * (1 + random.random() / 2)))
        delay = min(delay * 2, BUSY_RETRY_MAX_DELAY_SECONDS)


class LocalCursorWrapper(sqlite_base.SQLiteCursorWrapper):
    """Django's sqlite3 cursor plus the read-only guard and the wait for
    other writers."""

    refuse_writes = False
    busy_timeout = DEFAULT_BUSY_TIMEOUT_SECONDS

    def execute(self, query: str, params: Parameters = None) -> Any:
        if self.refuse_writes:
            _refuse_write(query)
        return run_waiting_for_writers(
            lambda: super(LocalCursorWrapper, self).execute(query, params),
            in_transaction=lambda: self.connection.in_transaction,
            busy_timeout=self.busy_timeout,
        )

    def executemany(self, query: str, param_list: Iterable[Parameters]) -> Any:
        if self.refuse_writes:
            _refuse_write(query)
        return super().executemany(query, param_list)


class RemoteCursorWrapper(hrana.RemoteCursor):
    """The remote cursor with Django's "%s" placeholders, the read-only
    guard and the wait for other writers."""

    refuse_writes = False
    busy_timeout = DEFAULT_BUSY_TIMEOUT_SECONDS

    def execute(self, query: str, params: Parameters = None) -> Any:
        if self.refuse_writes:
            _refuse_write(query)
        if params is None:
            arguments: tuple[Any, ...] = (query,)
        else:
            arguments = (convert_query(query, params), params)
        return run_waiting_for_writers(
            lambda: super(RemoteCursorWrapper, self).execute(*arguments),
            in_transaction=lambda: self._connection.in_transaction,
            busy_timeout=self.busy_timeout,
        )

    def executemany(self, query: str, param_list: Iterable[Parameters]) -> Any:
        if self.refuse_writes:
            _refuse_write(query)
        param_list = list(param_list)
        if not param_list:
            self._rowcount = 0
            return self
        return super().executemany(convert_query(query, param_list[0]), param_list)


def convert_query(query: str, params: Parameters) -> str:
    """Django's "format"/"pyformat" placeholders as "qmark"/"named" ones."""
    if isinstance(params, Mapping):
        return query % {name: f":{name}" for name in params}
    return sqlite_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    # "sqlite" keeps Django's and third-party SQLite-specific SQL paths.
    vendor = "sqlite"
    display_name = "libSQL"

    SchemaEditorClass = DatabaseSchemaEditor
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations

    def __init__(self, settings_dict: dict[str, Any], alias: str = "default") -> None:
        super().__init__(settings_dict, alias)
        options = settings_dict.get("OPTIONS") or {}
        self.remote_url: str | None = options.get("url") or None
        self.read_only = bool(options.get("read_only"))
        self.busy_timeout = float(
            options.get("busy_timeout")
            or getattr(settings, "OI_DATABASE_BUSY_TIMEOUT_SECONDS", None)
            or DEFAULT_BUSY_TIMEOUT_SECONDS
        )
        self.round_trip_counter = hrana.RoundTripCounter()
        if self.remote_url:
            # Django maps driver exceptions to django.db ones through this.
            self.Database = hrana

    @property
    def is_remote(self) -> bool:
        return self.remote_url is not None

    @property
    def round_trips(self) -> int:
        """HTTP requests sent to the libSQL server so far (0 locally)."""
        return self.round_trip_counter.requests

    @property
    def tcp_connects(self) -> int:
        """TCP connections opened to the libSQL server so far (0 locally)."""
        return self.round_trip_counter.connects

    def get_connection_params(self) -> dict[str, Any]:
        options = self.settings_dict.get("OPTIONS") or {}
        if not self.is_remote:
            kwargs = super().get_connection_params()
            for key in ENGINE_OPTIONS:
                kwargs.pop(key, None)
            # SQLite's own busy handler waits (with backoff) for the lock
            # within the same bound as the remote retries.
            kwargs["timeout"] = self.busy_timeout
            self.transaction_mode = self._writer_transaction_mode(options)
            return kwargs
        self.transaction_mode = self._writer_transaction_mode(options)
        self.init_commands = (options.get("init_command") or "").split(";")
        return {
            "url": self.remote_url,
            "auth_token": options.get("auth_token") or None,
            "timeout": float(options.get("timeout") or hrana.DEFAULT_TIMEOUT_SECONDS),
        }

    def _writer_transaction_mode(self, options: Mapping[str, Any]) -> str | None:
        """IMMEDIATE unless OPTIONS['transaction_mode'] says otherwise; a
        read-only connection never writes, so its transactions need not
        queue behind writers."""
        mode = options.get("transaction_mode")
        if mode:
            return mode.upper()
        return None if self.read_only else "IMMEDIATE"

    @contextmanager
    def reader_transactions(self) -> Iterator[None]:
        """Transactions begun inside start as readers (a plain BEGIN): for a
        read-only snapshot such as a dump, which must neither hold up
        writers for its whole length nor, on sqld, be ended by one that has
        waited 5 seconds."""
        self.ensure_connection()
        writer_mode = self.transaction_mode
        self.transaction_mode = None
        try:
            yield
        finally:
            self.transaction_mode = writer_mode

    def get_database_version(self) -> tuple[int, ...]:
        if not self.is_remote:
            return super().get_database_version()
        with self.temporary_connection() as cursor:
            cursor.execute("SELECT sqlite_version()")
            return tuple(int(part) for part in cursor.fetchone()[0].split("."))

    @async_unsafe
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if self.is_remote:
            return hrana.connect(
                conn_params["url"],
                auth_token=conn_params["auth_token"],
                timeout=conn_params["timeout"],
                counter=self.round_trip_counter,
                setup_statements=self._setup_statements(),
            )
        if not self.is_in_memory_db():
            Path(conn_params["database"]).parent.mkdir(parents=True, exist_ok=True)
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db() and not self.read_only:
            # WAL lets readers (runserver) and a writer (a command) overlap.
            connection.execute("PRAGMA journal_mode = WAL")
        return connection

    def _setup_statements(self) -> list[str]:
        """OPTIONS['init_command'] statements, sent at the start of every
        new server stream. Django's sqlite3 backend also runs
        `PRAGMA foreign_keys = ON` and `PRAGMA legacy_alter_table = OFF`;
        sqld starts every stream that way already, refuses the second
        pragma, and counts the first as a write (a read-only token could
        not even read)."""
        return [command.strip() for command in self.init_commands if command.strip()]

    def create_cursor(self, name: str | None = None) -> Any:
        factory = RemoteCursorWrapper if self.is_remote else LocalCursorWrapper
        cursor = self.connection.cursor(factory=factory)
        cursor.refuse_writes = self.read_only
        cursor.busy_timeout = self.busy_timeout
        return cursor

    def is_usable(self) -> bool:
        if not self.is_remote:
            return super().is_usable()
        try:
            self.connection.execute("SELECT 1")
        except (hrana.Error, ReadOnlyDatabaseError):
            return False
        return True

    def is_in_memory_db(self) -> bool:
        return not self.is_remote and super().is_in_memory_db()

    def execute_batch(
        self, statements: Iterable[tuple[str, Parameters]], *, want_rows: bool = True
    ) -> list[StatementResult]:
        """Run statements (SQL with Django's "%s" placeholders, parameters)
        in order, all or nothing: inside an existing transaction or a new
        one. Remotely this costs one round trip per
        `hrana.BATCH_MAX_STATEMENTS` statements; the first failing
        statement raises and the rest do not run. Returns one result per
        statement (rows, affected rows, last insert rowid)."""
        prepared = [(sql, params) for sql, params in statements]
        if self.read_only:
            for sql, _params in prepared:
                _refuse_write(sql)
        converted = [
            (convert_query(sql, params) if params else sql, params or ())
            for sql, params in prepared
        ]
        started = time.monotonic()
        with transaction.atomic(using=self.alias, savepoint=False):
            self.ensure_connection()
            with self.wrap_database_errors:
                if self.is_remote:
                    results = self.connection.execute_batch(converted, want_rows=want_rows)
                else:
                    results = [self._execute_local(sql, params) for sql, params in converted]
        if self.queries_logged:
            self.queries_log.append(
                {
                    "sql": f"-- execute_batch: {len(converted)} statements",
                    "time": f"{time.monotonic() - started:.3f}",
                }
            )
        return results

    def _execute_local(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any]
    ) -> StatementResult:
        cursor: sqlite3.Cursor = self.connection.execute(sql, params)
        try:
            columns = [column[0] for column in cursor.description or ()]
            rows = [tuple(row) for row in cursor.fetchall()] if columns else []
            return StatementResult(
                columns=columns,
                rows=rows,
                affected_rows=max(cursor.rowcount, 0),
                last_insert_rowid=cursor.lastrowid,
            )
        finally:
            cursor.close()
