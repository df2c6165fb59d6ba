"""Moving the admin's own tables out of the shared content database.

Earlier versions kept Django's tables (users, groups, permissions, sessions,
the admin log, login throttling, pending uploads, migration records) in the
Node app's database, where the app's `drizzle-kit push` drops them. This
moves them to the admin database:

1. plan: which of those tables the content database still holds, their row
   counts there and in the admin database;
2. copy, in one admin-database transaction: each table's rows replace the
   admin database's rows of the same table (same ids, so permissions, group
   memberships and log entries keep pointing at the same rows); row counts
   and a hash of every row are checked before the commit;
3. drop them from the content database, in one transaction.

Each step is all or nothing. If the drop fails, the admin database is put
back as it was, so both databases are as they were before. A second run
finds nothing to move; a run after an interrupted one sees the copy is
already there (same rows) and only drops.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from dbops.connection import quote_name, require_writable
from dbops.schema_contract import framework_tables, schema_from_connection

# Copied per request to a remote server; each INSERT is one statement of a batch.
INSERT_BATCH_ROWS = 500
# Tables that hold people's work: the admin database must not already hold
# other rows in these, or the move would replace them.
PEOPLES_TABLES = ("auth_user", "django_admin_log", "core_importupload")


class MoveRefused(RuntimeError):  # noqa: N818 - reads as the condition it reports
    """The move cannot go ahead; the sentence says why. Nothing was changed."""


Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class TableMove:
    table: str
    columns: tuple[str, ...]
    # The rows read for the plan, kept for the move: each table is read once.
    shared: Rows
    admin: Rows
    already_copied: bool

    @property
    def shared_rows(self) -> int:
        return len(self.shared)

    @property
    def admin_rows(self) -> int:
        return len(self.admin)

    def describe(self) -> str:
        if self.already_copied:
            return f"{self.table}: {self.shared_rows} rows, already copied; drop from the shared database"
        return (
            f"{self.table}: copy {self.shared_rows} rows"
            + (f" (replacing {self.admin_rows} rows the admin database has)" if self.admin_rows else "")
            + ", then drop from the shared database"
        )


@dataclass(frozen=True)
class MovePlan:
    moves: tuple[TableMove, ...]
    # Admin-looking tables in the shared database the admin database does not have.
    unknown: tuple[str, ...]
    conflicts: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.moves


def _rows(connection: Any, table: str, columns: tuple[str, ...]) -> Rows:
    # In no particular order: rows are compared by `_digest`, which sorts them.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote_name(c) for c in columns)} FROM {quote_name(table)}")
        return [tuple(row) for row in cursor.fetchall()]


def _digest(rows: list[tuple[Any, ...]]) -> str:
    digest = hashlib.sha256()
    for row in sorted(repr(row) for row in rows):
        digest.update(row.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def admin_model_tables() -> set[str]:
    """The tables `migrate` creates in the admin database."""
    from django.apps import apps

    from core.databases import is_content_model

    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if not is_content_model(model) and model._meta.managed and not model._meta.proxy
    }
    return tables | {"django_migrations"}


def holds_admin_tables(*, content: Any) -> bool:
    """Whether an earlier version left the admin's tables in the content database."""
    return bool(framework_tables(schema_from_connection(content)))


def plan_move(*, content: Any, admin: Any) -> MovePlan:
    """What a move would do; reads both databases, changes nothing."""
    # One round trip per database for every table's columns.
    shared_schema = schema_from_connection(content)
    leftovers = framework_tables(shared_schema)
    admin_schema = schema_from_connection(admin)
    admin_tables = admin_schema.tables
    moves: list[TableMove] = []
    unknown: list[str] = []
    conflicts: list[str] = []
    known = admin_model_tables()
    for table in leftovers:
        if table not in admin_tables and table not in known:
            unknown.append(table)
            continue
        shared_columns = list(shared_schema.tables[table].columns)
        if table in admin_tables:
            columns = tuple(c for c in shared_columns if c in admin_tables[table].columns)
            admin_rows = _rows(admin, table, columns)
        else:
            # `migrate` creates it before the copy.
            columns, admin_rows = tuple(shared_columns), []
        shared_rows = _rows(content, table, columns)
        copied = bool(shared_rows) and _digest(shared_rows) == _digest(admin_rows)
        if not shared_rows and not admin_rows:
            copied = True
        if table in PEOPLES_TABLES and admin_rows and not copied:
            conflicts.append(f"{table} ({len(admin_rows)} rows)")
        moves.append(
            TableMove(
                table=table,
                columns=columns,
                shared=shared_rows,
                admin=admin_rows,
                already_copied=copied,
            )
        )
    return MovePlan(moves=tuple(moves), unknown=tuple(unknown), conflicts=tuple(conflicts))


def _replace_rows(*, connection: Any, tables: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]) -> None:
    """Inside the caller's transaction: each table's rows become exactly `rows`."""
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred: checked at commit, when every
        # table holds its new rows.
        cursor.execute("PRAGMA defer_foreign_keys = ON")
        for table in tables:
            cursor.execute(f"DELETE FROM {quote_name(table)}")
        for table, (columns, rows) in tables.items():
            if not rows:
                continue
            sql = (
                f"INSERT INTO {quote_name(table)} ({', '.join(quote_name(c) for c in columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})"
            )
            for start in range(0, len(rows), INSERT_BATCH_ROWS):
                cursor.executemany(sql, rows[start : start + INSERT_BATCH_ROWS])


def _verify(*, connection: Any, expected: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]) -> None:
    for table, (columns, rows) in expected.items():
        copied = _rows(connection, table, columns)
        if len(copied) != len(rows) or _digest(copied) != _digest(rows):
            raise MoveRefused(
                f"The copy of {table} does not match the shared database "
                f"({len(copied)} rows copied, {len(rows)} expected); nothing was changed."
            )


def _drop_tables(*, connection: Any, tables: list[str]) -> None:
    """Inside the caller's transaction: the tables are gone at commit."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA defer_foreign_keys = ON")
        for table in tables:
            cursor.execute(f"DROP TABLE {quote_name(table)}")


@dataclass(frozen=True)
class MoveResult:
    copied: dict[str, int]
    dropped: tuple[str, ...]


def move_admin_tables(
    *,
    content: Any,
    admin: Any,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
) -> MoveResult:
    """Copy the admin's tables from `content` to `admin`, verify, then drop
    them from `content`. All or nothing on both databases."""
    say = progress or (lambda message: None)
    plan = plan_move(content=content, admin=admin)
    if plan.empty:
        return MoveResult(copied={}, dropped=())
    if plan.conflicts and not replace:
        raise MoveRefused(
            "The admin database already holds other rows in "
            + ", ".join(plan.conflicts)
            + "; moving would replace them. Run with --replace if the shared database's are the ones to keep."
        )
    require_writable(content)
    require_writable(admin)
    to_copy = [move for move in plan.moves if not move.already_copied]
    source = {move.table: (move.columns, move.shared) for move in to_copy}
    previous = {move.table: (move.columns, move.admin) for move in to_copy}
    if source:
        say(f"copying {sum(len(rows) for _, rows in source.values())} rows in {len(source)} tables")
        with transaction.atomic(using=admin.alias):
            _replace_rows(connection=admin, tables=source)
            _verify(connection=admin, expected=source)
    tables = [move.table for move in plan.moves]
    say(f"dropping {len(tables)} tables from the shared database")
    try:
        with transaction.atomic(using=content.alias):
            _drop_tables(connection=content, tables=tables)
    except Exception:
        if previous:
            with transaction.atomic(using=admin.alias):
                _replace_rows(connection=admin, tables=previous)
        raise
    return MoveResult(copied={table: len(rows) for table, (_, rows) in source.items()}, dropped=tuple(tables))
