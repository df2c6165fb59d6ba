"""Compare the models with a live database and bring it up to them, additively.

`check_schema` reports; `plan_push` turns the differences into SQL; and
`apply_push` runs the additive part (CREATE TABLE, ADD COLUMN, CREATE INDEX)
in one transaction, plus, only when asked, table rebuilds that keep every row.

What the database has and the models do not (tables, columns, indexes) is
never touched, nor is a difference listed in ACCEPTED_DRIFT: those are the
Node app's, and rebuilding a table full of its data to "fix" them is exactly
what this must never do unasked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from dbops import backup
from dbops import schema_contract as contract
from dbops.connection import quote_name, require_writable
from dbops.schema_contract import Difference, Schema, Table

# Rows fetched per request while hashing a table around a rebuild.
HASH_BATCH_ROWS = 2000

ADDITIVE_KINDS = frozenset(
    {
        contract.MISSING_TABLE,
        contract.MISSING_COLUMN,
        contract.MISSING_INDEX,
        contract.MISSING_UNIQUE,
    }
)
REBUILD_KINDS = frozenset(
    {
        contract.DIFFERENT_TYPE,
        contract.DIFFERENT_NULLABILITY,
        contract.DIFFERENT_DEFAULT,
        contract.DIFFERENT_PRIMARY_KEY,
        contract.DIFFERENT_INDEX,
        contract.DIFFERENT_FOREIGN_KEY,
        contract.MISSING_FOREIGN_KEY,
    }
)


class SchemaPushError(RuntimeError):
    """The push was refused or rolled back; the message says why."""


@dataclass
class CheckReport:
    differences: list[Difference]
    live_tables: list[str]
    round_trips: int | None = None

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.accepted is None]

    @property
    def accepted(self) -> list[Difference]:
        return [d for d in self.differences if d.accepted is not None]

    @property
    def in_sync(self) -> bool:
        return not self.unexplained

    def as_dict(self) -> dict[str, Any]:
        return {
            "in_sync": self.in_sync,
            "differences": [d.as_dict() for d in self.unexplained],
            "accepted_differences": [d.as_dict() for d in self.accepted],
            "round_trips": self.round_trips,
        }


def compare_live(*, live: Schema, expected: Schema | None = None) -> list[Difference]:
    expected = expected or contract.expected_schema_from_models()
    return contract.compare_schemas(
        expected,
        live,
        model_named_indexes=contract.model_index_names(),
    )


def check_schema(*, connection: Any) -> CheckReport:
    """The differences between the models and the database; one round trip."""
    before = getattr(connection, "round_trips", None)
    live = contract.schema_from_connection(connection)
    differences = compare_live(live=live)
    after = getattr(connection, "round_trips", None)
    return CheckReport(
        differences=differences,
        live_tables=list(live.tables),
        round_trips=(after - before) if before is not None else None,
    )


# ---------------------------------------------------------------------------
# The plan


@dataclass
class Step:
    table: str
    description: str
    statements: list[str]
    creates_table: bool = False
    # The column an ADD COLUMN step adds, and the columns a CREATE INDEX step
    # needs to exist first.
    adds_column: str | None = None
    needs_columns: tuple[str, ...] = ()


@dataclass
class Rebuild:
    table: str
    reasons: list[Difference]
    statements: list[str] = field(default_factory=list)  # for display; run by `rebuild_table`


@dataclass
class PushPlan:
    additive: list[Step]
    rebuilds: list[Rebuild]
    not_touched: list[Difference]  # extra objects and accepted drift
    expected: Schema
    live: Schema

    @property
    def has_additive_work(self) -> bool:
        return bool(self.additive)

    def steps(self, *, rebuilding: bool) -> list[Step]:
        """The additive steps to run. Without the rebuilds, every one: an
        index missing from a table that also needs a rebuild is still put
        back (after the Node app's schema tool recreates its tables, that is
        every bot index). With them, a rebuilt table gets its new columns
        and indexes from the rebuild itself."""
        if not rebuilding:
            return list(self.additive)
        rebuilt = {rebuild.table for rebuild in self.rebuilds}
        return [s for s in self.additive if s.table not in rebuilt or s.creates_table]

    def sql(self, *, include_rebuilds: bool = False) -> str:
        lines: list[str] = []
        for step in self.steps(rebuilding=include_rebuilds and bool(self.rebuilds)):
            lines.append(f"-- {step.description}")
            lines.extend(s.rstrip(";") + ";" for s in step.statements)
        if include_rebuilds:
            for rebuild in self.rebuilds:
                lines.append(f"-- rebuild {rebuild.table} keeping every row")
                lines.extend(s.rstrip(";") + ";" for s in rebuild.statements)
        return "\n".join(lines) + ("\n" if lines else "")


def split_column_definitions(create_sql: str) -> dict[str, str]:
    """Column name -> its definition text, from a CREATE TABLE statement.

    Table constraints (PRIMARY KEY (...), FOREIGN KEY, UNIQUE, CHECK) are
    left out.
    """
    start = create_sql.index("(")
    end = create_sql.rindex(")")
    body = create_sql[start + 1 : end]
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    current = []
    for char in body:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    definitions: dict[str, str] = {}
    for part in parts:
        match = re.match(r'\s*(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([\w$]+))', part)
        if not match:
            continue
        name = next(g for g in match.groups() if g is not None).replace('""', '"')
        if name.upper() in {
            "PRIMARY",
            "FOREIGN",
            "UNIQUE",
            "CHECK",
            "CONSTRAINT",
        } and not match.group(1):
            continue
        definitions[name] = quote_name(name) + part[match.end() :]
    return definitions


def _constant_default(default: str | None) -> bool:
    """SQLite's ADD COLUMN only accepts a constant default (no CURRENT_TIMESTAMP, no calls)."""
    if default is None:
        return True
    if default.upper() in {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"}:
        return False
    return "(" not in default


def _column_addable(table: Table, column: contract.Column) -> bool:
    if column.primary_key_position:
        return False
    if column.not_null and column.default is None:
        return False
    if not _constant_default(column.default):
        return False
    has_fk = any(fk.column == column.name for fk in table.foreign_keys)
    return not (has_fk and column.default is not None)


def _indexed_columns(index: contract.Index) -> tuple[str, ...]:
    """The column names an index reads ("<expression>" for an expression,
    which no table has, so such an index waits for a rebuild)."""
    return tuple(re.sub(r"\s+(?:ASC|DESC)$", "", c, flags=re.IGNORECASE) for c in index.columns)


def plan_push(*, connection: Any) -> PushPlan:
    expected = contract.expected_schema_from_models()
    live = contract.schema_from_connection(connection)
    differences = compare_live(live=live, expected=expected)
    return build_plan(expected=expected, live=live, differences=differences)


def build_plan(*, expected: Schema, live: Schema, differences: list[Difference]) -> PushPlan:
    additive: list[Step] = []
    rebuild_reasons: dict[str, list[Difference]] = {}
    not_touched: list[Difference] = []

    for difference in differences:
        if difference.accepted is not None or difference.is_extra:
            not_touched.append(difference)
            continue
        want = expected.tables[difference.table]
        if difference.kind == contract.MISSING_TABLE:
            statements = [want.sql] + [
                index.sql for index in want.indexes.values() if index.origin == "c" and index.sql
            ]
            additive.append(
                Step(want.name, f"create table {want.name}", statements, creates_table=True)
            )
        elif difference.kind == contract.MISSING_COLUMN:
            column = want.columns[difference.name or ""]
            if _column_addable(want, column):
                definition = split_column_definitions(want.sql)[column.name]
                additive.append(
                    Step(
                        want.name,
                        f"add column {want.name}.{column.name}",
                        [f"ALTER TABLE {quote_name(want.name)} ADD COLUMN {definition}"],
                        adds_column=column.name,
                    )
                )
            else:
                rebuild_reasons.setdefault(want.name, []).append(difference)
        elif difference.kind == contract.MISSING_INDEX:
            index = want.indexes[difference.name or ""]
            additive.append(
                Step(
                    want.name,
                    f"create index {index.name}",
                    [index.sql or ""],
                    needs_columns=_indexed_columns(index),
                )
            )
        elif difference.kind == contract.MISSING_UNIQUE:
            columns = (difference.name or "").split(", ")
            name = f"{want.name}_{'_'.join(columns)}_unique"
            additive.append(
                Step(
                    want.name,
                    f"add unique index {name}",
                    [
                        f"CREATE UNIQUE INDEX {quote_name(name)} ON {quote_name(want.name)} "
                        f"({', '.join(quote_name(c) for c in columns)})"
                    ],
                    needs_columns=tuple(columns),
                )
            )
        elif difference.kind in REBUILD_KINDS:
            rebuild_reasons.setdefault(want.name, []).append(difference)
        else:
            not_touched.append(difference)

    # On a table that needs a rebuild, an index whose columns only the
    # rebuild can add waits for the rebuild; the others are added now.
    available = {
        name: set(live.tables[name].columns) for name in rebuild_reasons if name in live.tables
    }
    for step in additive:
        if step.adds_column and step.table in available:
            available[step.table].add(step.adds_column)
    additive = [
        s
        for s in additive
        if s.table not in available or set(s.needs_columns) <= available[s.table]
    ]
    rebuilds = [
        Rebuild(
            table=name,
            reasons=reasons,
            statements=rebuild_statements(want=expected.tables[name], have=live.tables[name]),
        )
        for name, reasons in rebuild_reasons.items()
    ]
    return PushPlan(
        additive=additive, rebuilds=rebuilds, not_touched=not_touched, expected=expected, live=live
    )


# ---------------------------------------------------------------------------
# Rebuilds


def _rebuild_table_name(table: str) -> str:
    return f"new__{table}"


def rebuild_statements(*, want: Table, have: Table) -> list[str]:
    """SQLite's table rebuild: a new table as the models want it plus the
    database's extra columns, every row copied, the old table replaced, its
    indexes and triggers recreated."""
    temp = _rebuild_table_name(want.name)
    extra_definitions = split_column_definitions(have.sql)
    extra_columns = [c for c in have.columns if c not in want.columns]
    create = re.sub(
        r"^\s*CREATE\s+TABLE\s+(?:\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|[\w$]+)",
        f"CREATE TABLE {quote_name(temp)}",
        want.sql,
        count=1,
        flags=re.IGNORECASE,
    )
    if extra_columns:
        close = create.rindex(")")
        additions = ", ".join(extra_definitions[c] for c in extra_columns)
        create = f"{create[:close]}, {additions}{create[close:]}"
    copied = [c for c in want.columns if c in have.columns] + extra_columns
    column_list = ", ".join(quote_name(c) for c in copied)
    statements = [
        create,
        f"INSERT INTO {quote_name(temp)} ({column_list}) SELECT {column_list} FROM {quote_name(want.name)}",
        f"DROP TABLE {quote_name(want.name)}",
        f"ALTER TABLE {quote_name(temp)} RENAME TO {quote_name(want.name)}",
    ]
    wanted_indexes = {name: i for name, i in want.named_indexes.items() if i.sql}
    satisfied_by_equivalent = {
        name
        for name in wanted_indexes
        if name not in have.indexes
        and name not in contract.model_index_names()
        and any(i.definition == wanted_indexes[name].definition for i in have.indexes.values())
    }
    for name, index in wanted_indexes.items():
        if name not in satisfied_by_equivalent:
            statements.append(index.sql or "")
    for name, index in have.named_indexes.items():
        if name not in wanted_indexes and index.sql:
            statements.append(index.sql)
    return statements


def _row_digest_sql(table: str, columns: list[str], as_text: set[str]) -> str:
    values = [
        f"quote(CAST({quote_name(c)} AS TEXT))" if c in as_text else f"quote({quote_name(c)})"
        for c in columns
    ]
    row_text = " || ',' || ".join(values)
    return f"SELECT rowid, {row_text} FROM {quote_name(table)} WHERE rowid > %s ORDER BY rowid LIMIT %s"


def table_fingerprint(
    *, connection: Any, table: str, columns: list[str], as_text: set[str] | None = None
) -> tuple[int, str]:
    """Row count and an order-independent hash of `columns` over every row.

    Rows are hashed one by one and the hashes summed, so the rowids a
    rebuild assigns (tables keyed by TEXT get new ones) do not matter.
    Columns in `as_text` are compared as text: a retyped column stores '5'
    as 5 under its new affinity, the same value.
    """
    total = 0
    count = 0
    last = -(2**63)
    sql = _row_digest_sql(table, columns, as_text or set())
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last, HASH_BATCH_ROWS])
            rows = cursor.fetchall()
            for _rowid, text in rows:
                digest = hashlib.sha256(
                    (text if text is not None else "\0").encode("utf-8", "surrogatepass")
                )
                total = (total + int.from_bytes(digest.digest(), "big")) % (1 << 256)
                count += 1
            if len(rows) < HASH_BATCH_ROWS:
                break
            last = rows[-1][0]
    return count, f"{total:064x}"


def rebuild_table(*, connection: Any, rebuild: Rebuild, want: Table, have: Table) -> None:
    """Run one rebuild inside the caller's transaction, checking that the row
    count and the per-table hash of the kept columns are unchanged."""
    kept = [c for c in want.columns if c in have.columns] + [
        c for c in have.columns if c not in want.columns
    ]
    retyped = {
        c for c in kept if c in want.columns and want.columns[c].type != have.columns[c].type
    }
    before = table_fingerprint(
        connection=connection, table=have.name, columns=kept, as_text=retyped
    )
    sequence = None
    with connection.cursor() as cursor:
        if have.autoincrement:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [have.name])
            found = cursor.fetchone()
            sequence = found[0] if found else None
        triggers = []
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND sql IS NOT NULL",
            [have.name],
        )
        triggers = [row[0] for row in cursor.fetchall()]
    try:
        run_statements(connection=connection, statements=rebuild.statements + triggers)
    except DatabaseError as exc:
        raise SchemaPushError(
            f"Rebuilding {want.name} failed ({exc}); nothing was changed."
        ) from exc
    if sequence is not None:
        run_statements(
            connection=connection,
            statements=[
                (
                    "UPDATE sqlite_sequence SET seq = max(seq, %s) WHERE name = %s",
                    [sequence, have.name],
                )
            ],
        )
    after = table_fingerprint(connection=connection, table=want.name, columns=kept, as_text=retyped)
    if after != before:
        raise SchemaPushError(
            f"Rebuilding {want.name} would have changed its rows "
            f"({before[0]} rows before, {after[0]} after, or their contents differ); "
            "nothing was changed."
        )


def run_statements(*, connection: Any, statements: list[str | tuple[str, list[Any]]]) -> None:
    """Run statements in order, few round trips when the engine batches."""
    prepared = [(s, None) if isinstance(s, str) else (s[0], s[1]) for s in statements]
    if hasattr(connection, "execute_batch"):
        connection.execute_batch(prepared, want_rows=False)
        return
    with connection.cursor() as cursor:
        for sql, params in prepared:
            cursor.execute(sql, params)


# ---------------------------------------------------------------------------
# Applying


@dataclass
class PushResult:
    applied: list[Step]
    rebuilt: list[str]
    skipped_rebuilds: list[Rebuild]
    dump_path: Path | None


def apply_push(
    *,
    connection: Any,
    plan: PushPlan,
    allow_rebuild: bool = False,
    dump_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
    writable_checked: bool = False,
) -> PushResult:
    """Apply `plan` in one transaction: every additive step, and the rebuilds
    when `allow_rebuild` (after writing a dump to `dump_path`). On any error
    nothing is changed."""
    if not writable_checked:
        require_writable(connection)
    rebuilds = plan.rebuilds if allow_rebuild else []
    written_dump: Path | None = None
    if rebuilds:
        if dump_path is None:
            raise SchemaPushError("A rebuild needs a dump file to write first.")
        backup.dump_database(connection=connection, path=dump_path, progress=progress)
        written_dump = dump_path
    steps = plan.steps(rebuilding=bool(rebuilds))
    if steps or rebuilds:
        with transaction.atomic(using=connection.alias):
            if rebuilds:
                # Dropping a parent table must not trip its children's
                # foreign keys: they point at the same name again at commit.
                run_statements(connection=connection, statements=["PRAGMA defer_foreign_keys = ON"])
            statements = [s for step in steps for s in step.statements]
            if statements:
                run_statements(connection=connection, statements=statements)
            for rebuild in rebuilds:
                if progress:
                    progress(f"rebuilding {rebuild.table}")
                rebuild_table(
                    connection=connection,
                    rebuild=rebuild,
                    want=plan.expected.tables[rebuild.table],
                    have=plan.live.tables[rebuild.table],
                )
    return PushResult(
        applied=steps,
        rebuilt=[r.table for r in rebuilds],
        skipped_rebuilds=[] if allow_rebuild else list(plan.rebuilds),
        dump_path=written_dump,
    )
