"""Dump a database as SQL and load such a dump, on a file or a libSQL server.

The dump has the shape of the `sqlite3` shell's `.dump` (schema, then rows
as `INSERT INTO ... VALUES(...)`, then indexes, triggers and views), so
either tool can load the other's. It is read in one transaction, so it is
one consistent snapshot even while the Node app and its bots write, and
streamed: batches of rows go to the file as they arrive, never the whole
table in memory. Values are rendered by the server with SQLite's quote(),
so text, integers, reals and blobs come back exactly.

A restore runs in one transaction: every statement or none.
"""

from __future__ import annotations

import gzip
import io
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from dbops.connection import (
    database_location,
    quote_name,
    require_writable,
    row_counts,
    user_tables,
)
from dbops.schema_contract import is_internal_table

DUMP_BATCH_ROWS = 1000
# zlib's level 9 triples the time of a 100 MB dump for a few percent less size.
GZIP_LEVEL = 3
# Statements handed to the engine at a time during a restore; remotely the
# engine packs them into as few HTTP requests as its batch limits allow.
RESTORE_BATCH_STATEMENTS = 1000

Progress = Callable[[str], None]


class RestoreError(RuntimeError):
    """The dump cannot be loaded here; nothing was changed."""


# ---------------------------------------------------------------------------
# Dump


@dataclass
class DumpResult:
    tables: dict[str, int]  # rows written per table
    statements: int


def open_output(path: Path | None, stdout: IO[str] | None = None) -> IO[str]:
    if path is None:
        if stdout is None:
            raise ValueError("no output")
        return stdout
    if path.name.endswith(".gz"):
        # Large buffered writes: zlib is much slower fed 8 KB at a time.
        compressed = io.BufferedWriter(gzip.open(path, "wb", compresslevel=GZIP_LEVEL), 1 << 20)
        return io.TextIOWrapper(compressed, encoding="utf-8", newline="\n")
    return path.open("w", encoding="utf-8", newline="\n")


def dump_database(
    *,
    connection: Any,
    path: Path | None = None,
    out: IO[str] | None = None,
    progress: Progress | None = None,
    batch_rows: int = DUMP_BATCH_ROWS,
) -> DumpResult:
    """Write schema and data as SQL to `path` (gzip when it ends in .gz) or `out`."""
    stream = open_output(path, out)
    try:
        return _write_dump(
            connection=connection, out=stream, progress=progress, batch_rows=batch_rows
        )
    finally:
        if path is not None:
            stream.close()


def _write_dump(
    *, connection: Any, out: IO[str], progress: Progress | None, batch_rows: int
) -> DumpResult:
    written: dict[str, int] = {}
    statements = 0
    location = database_location(connection).describe()
    out.write(f"-- Open Interview database dump of {location}\n")
    out.write(
        f"-- written by manage.py db_dump at {datetime.now(UTC).isoformat(timespec='seconds')}\n"
    )
    out.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
    # One read transaction: every table from the same snapshot, which
    # saves made meanwhile neither wait for nor disturb.
    with connection.reader_transactions(), transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
            )
            objects = cursor.fetchall()
        tables = [(n, s) for t, n, _tbl, s in objects if t == "table" and not is_internal_table(n)]
        totals = row_counts(connection, [name for name, _sql in tables])
        for name, sql in tables:
            out.write(sql.rstrip(";") + ";\n")
            statements += 1
            count = 0
            for values in _table_rows(connection, name, sql, batch_rows):
                for value_list in values:
                    out.write(f"INSERT INTO {quote_name(name)} VALUES({value_list});\n")
                count += len(values)
                if progress:
                    progress(f"{name}: {count}/{totals.get(name, count)} rows")
            written[name] = count
            statements += count
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
            )
            has_sequence = cursor.fetchone()[0] > 0
            sequences: list[tuple[str, int]] = []
            if has_sequence:
                cursor.execute("SELECT name, seq FROM sqlite_sequence ORDER BY rowid")
                sequences = [(n, s) for n, s in cursor.fetchall()]
        if sequences:
            out.write("DELETE FROM sqlite_sequence;\n")
            statements += 1
            for name, seq in sequences:
                out.write(f"INSERT INTO sqlite_sequence VALUES({_sql_text(name)},{int(seq)});\n")
                statements += 1
        for obj_type, _name, table, sql in objects:
            if obj_type in ("index", "trigger", "view") and not is_internal_table(table):
                out.write(sql.rstrip(";") + ";\n")
                statements += 1
    out.write("COMMIT;\n")
    return DumpResult(tables=written, statements=statements)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _table_rows(
    connection: Any, table: str, create_sql: str, batch_rows: int
) -> Iterator[list[str]]:
    """Batches of rows, each row as its SQL VALUES list rendered by the server."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM pragma_table_info({_sql_text(table)}) ORDER BY cid")
        columns = [row[0] for row in cursor.fetchall()]
        values_sql = " || ',' || ".join(f"quote({quote_name(c)})" for c in columns)
        if re.search(r"\bWITHOUT\s+ROWID\b", create_sql, re.IGNORECASE):
            offset = 0
            while True:
                cursor.execute(
                    f"SELECT {values_sql} FROM {quote_name(table)} ORDER BY 1 LIMIT %s OFFSET %s",
                    [batch_rows, offset],
                )
                rows = [r[0] for r in cursor.fetchall()]
                if rows:
                    yield rows
                if len(rows) < batch_rows:
                    return
                offset += batch_rows
        last = -(2**63) - 1
        first = True
        while True:
            condition = "" if first else "WHERE rowid > %s "
            params: list[Any] = [batch_rows] if first else [last, batch_rows]
            cursor.execute(
                f"SELECT rowid, {values_sql} FROM {quote_name(table)} {condition}ORDER BY rowid LIMIT %s",
                params,
            )
            rows = cursor.fetchall()
            first = False
            if rows:
                yield [r[1] for r in rows]
            if len(rows) < batch_rows:
                return
            last = rows[-1][0]


# ---------------------------------------------------------------------------
# Restore


@contextmanager
def open_dump(path: Path) -> Iterator[IO[str]]:
    """Open a dump, gzip or plain, whatever its name says."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        stream: IO[str] = io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    else:
        stream = path.open("r", encoding="utf-8", newline="")
    try:
        yield stream
    finally:
        stream.close()


# Statements of a dump that manage its own transaction and pragmas; the
# restore runs everything in a transaction of its own instead.
_SKIPPED = re.compile(
    r"^\s*(BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?|COMMIT(\s+TRANSACTION)?|END(\s+TRANSACTION)?"
    r"|ROLLBACK|PRAGMA\s+foreign_keys\s*=\s*\w+)\s*;?\s*$",
    re.IGNORECASE,
)
_REFUSED = re.compile(r"^\s*PRAGMA\s+writable_schema\b", re.IGNORECASE)
_INSERT_TARGET = re.compile(
    r'^\s*INSERT\s+INTO\s+(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|\'((?:[^\']|\'\')+)\'|([\w$]+))',
    re.IGNORECASE,
)
_CREATE_TABLE = re.compile(
    r'^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|\'((?:[^\']|\'\')+)\'|([\w$]+))',
    re.IGNORECASE,
)


def _first_name(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None)


_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)+", re.DOTALL)
READ_CHUNK_CHARS = 1 << 20


def read_statements(stream: IO[str]) -> Iterator[str]:
    """Complete SQL statements of a dump, in order, without its own
    BEGIN/COMMIT and foreign key pragmas.

    Reads large chunks and only asks SQLite whether a statement is complete
    where one can end (";" at the end of a line): text values span many
    lines, and a ";" inside one is not an end.
    """
    pending = ""
    while True:
        chunk = stream.read(READ_CHUNK_CHARS)
        if not chunk:
            break
        pending += chunk
        start = search = 0
        while (end := pending.find(";\n", search)) != -1:
            candidate = pending[start : end + 1]
            if sqlite3.complete_statement(candidate):
                statement = _statement(candidate)
                if statement:
                    yield statement
                start = end + 2
            search = end + 2
        pending = pending[start:]
    rest = _LEADING_COMMENTS.sub("", pending).strip()
    if rest:
        if not sqlite3.complete_statement(rest):
            raise RestoreError(
                "The dump ends in the middle of a statement (truncated file?); nothing was changed."
            )
        statement = _statement(rest)
        if statement:
            yield statement


def _statement(text: str) -> str | None:
    statement = _LEADING_COMMENTS.sub("", text).strip()
    if not statement or _SKIPPED.match(statement):
        return None
    if _REFUSED.match(statement):
        raise RestoreError(
            "The dump edits sqlite_schema directly (PRAGMA writable_schema, used for "
            "virtual tables); it cannot be restored safely, nothing was changed."
        )
    return statement


@dataclass
class RestoreResult:
    statements: int
    tables: dict[str, int]  # rows per table after the restore


def restore_database(
    *,
    connection: Any,
    path: Path,
    force: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Load the dump at `path`: into an empty database, or with `force`
    replacing every table there, all in one transaction."""
    require_writable(connection)
    existing = user_tables(connection)
    if existing and not force:
        raise RestoreError(
            f"The database is not empty ({len(existing)} tables, e.g. {', '.join(existing[:3])}); "
            "restore into an empty database, or pass --force to replace its tables."
        )
    inserted: Counter[str] = Counter()
    created: list[str] = []
    count = 0
    with connection.cursor() as cursor:
        # Rows load in file order, children possibly before parents, and
        # legacy data has dangling references; the pragma cannot change
        # inside a transaction, so it is set before and restored after.
        cursor.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction.atomic(using=connection.alias):
            if existing:
                _drop_everything(connection)
            batch: list[str] = []
            with open_dump(path) as stream:
                for statement in read_statements(stream):
                    insert = _INSERT_TARGET.match(statement)
                    if insert:
                        inserted[_first_name(insert).replace('""', '"')] += 1
                    else:
                        create = _CREATE_TABLE.match(statement)
                        if create:
                            created.append(_first_name(create))
                    batch.append(statement)
                    if len(batch) >= RESTORE_BATCH_STATEMENTS:
                        _execute_statements(connection, batch)
                        count += len(batch)
                        batch = []
                        if progress:
                            progress(f"{count} statements loaded")
            if batch:
                _execute_statements(connection, batch)
                count += len(batch)
            tables = [t for t in created if not is_internal_table(t)]
            counts = row_counts(connection, tables)
            for table in tables:
                if counts.get(table, 0) != inserted.get(table, 0):
                    raise RestoreError(
                        f"After loading, {table} has {counts.get(table, 0)} rows but the dump "
                        f"inserts {inserted.get(table, 0)}; nothing was changed."
                    )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")
    if progress:
        progress(f"{count} statements loaded")
    return RestoreResult(statements=count, tables=counts)


def _execute_statements(connection: Any, statements: list[str]) -> None:
    if hasattr(connection, "execute_batch"):
        connection.execute_batch([(s, None) for s in statements], want_rows=False)
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _drop_everything(connection: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') ORDER BY type DESC"
        )
        objects = [(t, n) for t, n in cursor.fetchall() if not is_internal_table(n)]
    statements = [f"DROP {obj_type.upper()} {quote_name(name)}" for obj_type, name in objects]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone()[0]:
            statements.append("DELETE FROM sqlite_sequence")
    _execute_statements(connection, statements)
