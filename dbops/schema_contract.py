"""The schema contract: what our models expect of the shared database, and how a
live database compares with it.

The database belongs to the Node app as much as to us, so the comparison must
report only real differences: `text` against `TEXT`, backquoted names, a
default written `(CURRENT_TIMESTAMP)` against `CURRENT_TIMESTAMP`, a UNIQUE
constraint kept as `sqlite_autoindex_users_2` against a unique index named
`users_username_unique`, or the NOT NULL Django spells out on an INTEGER
PRIMARY KEY (a rowid alias, never NULL anyway) are the same schema.

Both `db_check` and the schema test use this module, so they cannot disagree:

- `expected_schema_from_models()`: the tables Django would create for our
  models, read back from an in-memory SQLite database;
- `schema_from_connection(connection)`: a live database, in one query;
- `schema_from_sql(sql_text)`: a SQL script (e.g. the legacy schema file);
- `compare_schemas(expected, actual)`: the differences, each marked with the
  `ACCEPTED_DRIFT` entry that explains it, if any.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# Tables the database engine or its tooling own; never part of the contract.
INTERNAL_TABLE_PREFIXES = ("sqlite_", "_litestream", "libsql_", "_cf_")

# Every object and its columns, indexes and foreign keys in a single query,
# using SQLite's table-valued pragma functions: one round trip to Turso,
# however many tables there are.
SCHEMA_QUERY = """
SELECT 'object', m.type, m.name, m.tbl_name, m.sql, NULL, NULL, NULL, NULL
  FROM sqlite_master AS m
UNION ALL
SELECT 'column', m.name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk, NULL
  FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
 WHERE m.type = 'table'
UNION ALL
SELECT 'index', m.name, il.name, il."unique", il.origin, il.partial, x.seqno, x.name, x."desc"
  FROM sqlite_master AS m
  JOIN pragma_index_list(m.name) AS il
  JOIN pragma_index_xinfo(il.name) AS x
 WHERE m.type = 'table' AND x."key" = 1
UNION ALL
SELECT 'foreign_key', m.name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete
  FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
 WHERE m.type = 'table'
"""


# ---------------------------------------------------------------------------
# The schema, normalised


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # upper case, single spaces: "TEXT", "INTEGER", "VARCHAR(10)"
    not_null: bool
    default: str | None  # the default's SQL text without outer parentheses
    primary_key_position: int  # 0 when not part of the primary key


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]  # "col" or "col DESC"; "<expression>" for expression indexes
    unique: bool
    origin: str  # "c" CREATE INDEX, "u" UNIQUE constraint, "pk" PRIMARY KEY
    partial: bool
    sql: str | None

    @property
    def definition(self) -> tuple[tuple[str, ...], bool, bool]:
        return (self.columns, self.unique, self.partial)


@dataclass(frozen=True)
class ForeignKey:
    column: str
    references_table: str
    references_column: str | None
    deferred: bool


@dataclass
class Table:
    name: str
    sql: str
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = [c for c in self.columns.values() if c.primary_key_position]
        return tuple(c.name for c in sorted(keyed, key=lambda c: c.primary_key_position))

    @property
    def autoincrement(self) -> bool:
        return bool(re.search(r"\bAUTOINCREMENT\b", self.sql, re.IGNORECASE))

    @property
    def unique_sets(self) -> set[tuple[str, ...]]:
        """Column sets the table keeps unique, however the database spells it."""
        return {
            tuple(sorted(i.columns))
            for i in self.indexes.values()
            if i.unique and not i.partial and i.origin != "pk"
        }

    @property
    def named_indexes(self) -> dict[str, Index]:
        """Indexes made by CREATE INDEX (not the automatic ones behind constraints)."""
        return {name: i for name, i in self.indexes.items() if i.origin == "c"}


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    # Objects in creation order as (type, name, table, sql), for printing.
    objects: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    def only(self, table_names: Iterable[str]) -> Schema:
        wanted = set(table_names)
        return Schema(
            tables={n: t for n, t in self.tables.items() if n in wanted},
            objects=[o for o in self.objects if o[2] in wanted],
        )

    def to_sql(self) -> str:
        """The schema as SQL statements, tables before their indexes, triggers and views."""
        order = {"table": 0, "index": 1, "view": 2, "trigger": 3}
        statements = [
            sql.strip().rstrip(";") + ";"
            for kind, _name, _table, sql in sorted(self.objects, key=lambda o: order.get(o[0], 9))
            if sql
        ]
        return "\n".join(statements) + ("\n" if statements else "")


def is_internal_table(name: str) -> bool:
    return name.lower().startswith(INTERNAL_TABLE_PREFIXES)


def normalise_type(declared: str | None) -> str:
    return (
        re.sub(r"\s+", " ", (declared or "").strip()).upper().replace("( ", "(").replace(" )", ")")
    )


_KEYWORD_DEFAULTS = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "TRUE", "FALSE"}


def normalise_default(text: str | None) -> str | None:
    """`(CURRENT_TIMESTAMP)`, `current_timestamp` and `CURRENT_TIMESTAMP` are one default."""
    if text is None:
        return None
    value = text.strip()
    while value.startswith("(") and value.endswith(")") and _balanced(value[1:-1]):
        value = value[1:-1].strip()
    if value.upper() == "NULL" or value == "":
        return None
    if value.upper() in _KEYWORD_DEFAULTS:
        return value.upper()
    # Numbers: 1 and 1.0 and +1 are different spellings only when equal as numbers.
    if re.fullmatch(r"[+-]?\d+", value):
        return str(int(value))
    return value


def _balanced(text: str) -> bool:
    depth = 0
    in_string = False
    for char in text:
        if char == "'":
            in_string = not in_string
        elif not in_string:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    return False
    return depth == 0 and not in_string


def _is_deferred(table_sql: str, column: str) -> bool:
    """Whether the foreign key on `column` is DEFERRABLE INITIALLY DEFERRED.

    pragma_foreign_key_list does not say; the table's SQL does.
    """
    name = rf"[\"`\[]?{re.escape(column)}[\"`\]]?"
    patterns = (
        rf"(?:^|[(,])\s*{name}\s[^,]*?\bREFERENCES\b[^,]*?\bDEFERRABLE\s+INITIALLY\s+DEFERRED",
        rf"FOREIGN\s+KEY\s*\(\s*{name}\s*\)[^,]*?\bDEFERRABLE\s+INITIALLY\s+DEFERRED",
    )
    return any(re.search(p, table_sql, re.IGNORECASE | re.DOTALL) for p in patterns)


def schema_from_rows(rows: Iterable[Sequence[Any]]) -> Schema:
    """Build a Schema from the rows of SCHEMA_QUERY."""
    schema = Schema()
    column_rows: list[Sequence[Any]] = []
    index_rows: dict[tuple[str, str], list[Sequence[Any]]] = {}
    fk_rows: list[Sequence[Any]] = []
    index_sql: dict[str, str | None] = {}
    for row in rows:
        kind = row[0]
        if kind == "object":
            _, obj_type, name, table_name, sql = row[:5]
            if is_internal_table(table_name) or is_internal_table(name) and obj_type == "table":
                continue
            schema.objects.append((obj_type, name, table_name, sql))
            if obj_type == "table":
                schema.tables[name] = Table(name=name, sql=sql or "")
            elif obj_type == "index":
                index_sql[name] = sql
        elif kind == "column":
            column_rows.append(row)
        elif kind == "index":
            index_rows.setdefault((row[1], row[2]), []).append(row)
        elif kind == "foreign_key":
            fk_rows.append(row)

    for _, table_name, _cid, name, declared, not_null, default, pk, _ in sorted(
        column_rows, key=lambda r: (r[1], int(r[2]))
    ):
        table = schema.tables.get(table_name)
        if table is None:
            continue
        column_type = normalise_type(declared)
        is_rowid_alias = (
            pk == 1 and column_type == "INTEGER" and _single_pk(column_rows, table_name)
        )
        table.columns[name] = Column(
            name=name,
            type=column_type,
            # An INTEGER PRIMARY KEY is the rowid: never NULL, whether or not it says so.
            not_null=bool(not_null) or is_rowid_alias,
            default=normalise_default(default),
            primary_key_position=int(pk or 0),
        )

    for (table_name, index_name), parts in index_rows.items():
        table = schema.tables.get(table_name)
        if table is None:
            continue
        parts.sort(key=lambda r: int(r[6]))
        first = parts[0]
        columns = tuple(
            (r[7] if r[7] is not None else "<expression>") + (" DESC" if r[8] else "")
            for r in parts
        )
        table.indexes[index_name] = Index(
            name=index_name,
            table=table_name,
            columns=columns,
            unique=bool(first[3]),
            origin=str(first[4]),
            partial=bool(first[5]),
            sql=index_sql.get(index_name),
        )

    for row in sorted(fk_rows, key=lambda r: (r[1], int(r[2]), int(r[3]))):
        _, table_name, _fk_id, _seq, ref_table, from_column, to_column, _upd, _del = row
        table = schema.tables.get(table_name)
        if table is None:
            continue
        table.foreign_keys.append(
            ForeignKey(
                column=from_column,
                references_table=ref_table,
                references_column=to_column,
                deferred=_is_deferred(table.sql, from_column),
            )
        )
    return schema


def _single_pk(column_rows: list[Sequence[Any]], table_name: str) -> bool:
    return sum(1 for r in column_rows if r[1] == table_name and r[7]) == 1


def schema_from_fetch(fetch: Callable[[str], Iterable[Sequence[Any]]]) -> Schema:
    return schema_from_rows(fetch(SCHEMA_QUERY))


def schema_from_connection(connection: Any) -> Schema:
    """The live schema of a Django connection, in one query (one round trip)."""
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA_QUERY)
        rows = cursor.fetchall()
    return schema_from_rows(rows)


def schema_from_sqlite(db: sqlite3.Connection) -> Schema:
    return schema_from_rows(db.execute(SCHEMA_QUERY).fetchall())


def schema_from_sql(sql_text: str) -> Schema:
    """The schema a SQL script creates, read back from an in-memory SQLite database."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(sql_text)
        return schema_from_sqlite(db)
    finally:
        db.close()


# ---------------------------------------------------------------------------
# What the models expect


def contract_models() -> list[type]:
    """The models on the Node app's tables: every concrete, managed NodeModel."""
    from django.apps import apps

    from core.models import NodeModel

    return [
        model
        for model in apps.get_models()
        if issubclass(model, NodeModel) and model._meta.managed and not model._meta.proxy
    ]


def contract_table_names() -> list[str]:
    return [model._meta.db_table for model in contract_models()]


FRAMEWORK_TABLE_PREFIXES = ("django_", "auth_")


def framework_tables(schema: Schema) -> list[str]:
    """Tables of installed models outside the contract (Django's, third-party
    apps', the admin's own). They belong in the admin database; found in the
    content database, they are what an earlier version left there."""
    from django.apps import apps

    contract_tables = set(contract_table_names())
    known = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    known.add("django_migrations")
    return [
        name
        for name in schema.tables
        if name not in contract_tables
        and (name in known or name.startswith(FRAMEWORK_TABLE_PREFIXES))
    ]


def model_index_names() -> set[str]:
    """Index names the models spell out; any other expected index name is Django's invention."""
    names: set[str] = set()
    for model in contract_models():
        names.update(index.name for index in model._meta.indexes if index.name)
        names.update(c.name for c in model._meta.constraints if c.name)
    return names


def expected_schema_from_models() -> Schema:
    """The schema Django creates for the contract models, read back from an
    in-memory SQLite database.

    Django's sqlite3 schema editor only renders the SQL here (collect_sql):
    it never opens a Django connection, so this works anywhere, including in
    tests without database access.
    """
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    settings_dict = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )["default"]
    renderer = DatabaseWrapper(settings_dict, alias="schema_contract")
    editor = renderer.schema_editor(collect_sql=True, atomic=False)
    editor.deferred_sql = []  # normally set on entering the editor, which would connect
    for model in contract_models():
        editor.create_model(model)
    statements = list(editor.collected_sql) + [f"{sql};" for sql in map(str, editor.deferred_sql)]
    return schema_from_sql("\n".join(statements))


# ---------------------------------------------------------------------------
# Differences


# Kinds of difference. "missing_*" and "different_*" are things the models
# want; "extra_*" are things only the database has (reported, never touched).
MISSING_TABLE = "missing_table"
MISSING_COLUMN = "missing_column"
MISSING_INDEX = "missing_index"
MISSING_UNIQUE = "missing_unique"
MISSING_FOREIGN_KEY = "missing_foreign_key"
DIFFERENT_TYPE = "different_type"
DIFFERENT_NULLABILITY = "different_nullability"
DIFFERENT_DEFAULT = "different_default"
DIFFERENT_PRIMARY_KEY = "different_primary_key"
DIFFERENT_INDEX = "different_index"
DIFFERENT_FOREIGN_KEY = "different_foreign_key"
EXTRA_TABLE = "extra_table"
EXTRA_COLUMN = "extra_column"
EXTRA_INDEX = "extra_index"
EXTRA_UNIQUE = "extra_unique"
EXTRA_FOREIGN_KEY = "extra_foreign_key"

EXTRA_KINDS = frozenset({EXTRA_TABLE, EXTRA_COLUMN, EXTRA_INDEX, EXTRA_UNIQUE, EXTRA_FOREIGN_KEY})


@dataclass(frozen=True)
class AcceptedDrift:
    """A known difference between the models and the live database, and why it stays.

    `name` is the column or index concerned (None for a table-level entry);
    `kind` is one of the difference kinds above.
    """

    table: str
    name: str | None
    kind: str
    explanation: str

    def matches(self, difference: Difference) -> bool:
        return (
            self.table == difference.table
            and self.kind == difference.kind
            and (self.name is None or self.name == difference.name)
        )


@dataclass(frozen=True)
class Difference:
    table: str
    name: str | None
    kind: str
    expected: str | None
    actual: str | None
    accepted: AcceptedDrift | None = None

    @property
    def is_extra(self) -> bool:
        return self.kind in EXTRA_KINDS

    def describe(self) -> str:
        where = f"{self.table}.{self.name}" if self.name else self.table
        label = self.kind.replace("_", " ")
        if self.expected is not None and self.actual is not None:
            return f"{where}: {label}: models want {self.expected}, database has {self.actual}"
        if self.expected is not None:
            return f"{where}: {label}: models want {self.expected}"
        if self.actual is not None:
            return f"{where}: {label}: database has {self.actual}"
        return f"{where}: {label}"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["accepted"] = self.accepted.explanation if self.accepted else None
        data["description"] = self.describe()
        return data


_AUTOINCREMENT_PK_EXPLANATION = (
    "Django writes `id integer NOT NULL PRIMARY KEY AUTOINCREMENT`, the app's DDL "
    "`id INTEGER PRIMARY KEY AUTOINCREMENT`; both are the rowid and never NULL "
    "(normalised, not reported)."
)
_TEXT_PK_EXPLANATION = (
    "The bots created this table with `id TEXT PRIMARY KEY` (no NOT NULL; SQLite then "
    "allows a NULL id). Our models declare the key NOT NULL and never write NULL; "
    "tightening it needs a rebuild of a table the Node app uses, so it is accepted."
)
_FK_DEFERRED_EXPLANATION = (
    "Django declares foreign keys DEFERRABLE INITIALLY DEFERRED; the app's DDL declares "
    "them plainly. Both reference the same column and differ only in when a violation is "
    "reported inside a transaction (at commit instead of at the statement); changing it "
    "needs a rebuild of a table the Node app uses, so it is accepted."
)

ACCEPTED_DRIFT: list[AcceptedDrift] = [
    *[
        AcceptedDrift(table, "id", DIFFERENT_NULLABILITY, _TEXT_PK_EXPLANATION)
        for table in ("voice_sessions", "user_sessions", "certifications", "learning_paths")
    ],
    *[
        AcceptedDrift(table, column, DIFFERENT_FOREIGN_KEY, _FK_DEFERRED_EXPLANATION)
        for table, column in (
            ("channel_mappings", "question_id"),
            ("question_relationships", "source_question_id"),
            ("question_relationships", "target_question_id"),
        )
    ],
]


def compare_schemas(
    expected: Schema,
    actual: Schema,
    *,
    accepted: Sequence[AcceptedDrift] | None = None,
    model_named_indexes: set[str] | None = None,
    ignore_extra_tables: Iterable[str] | None = None,
) -> list[Difference]:
    """Every difference between `expected` (the models) and `actual` (a database).

    `model_named_indexes`: names the models spell out (default: our models'
    names). An expected index with another name (Django's hashed name for a
    foreign key's index) is satisfied by any index on the same columns.
    `ignore_extra_tables`: tables the database may have outside the contract
    (default: none; the content database holds only the app's tables).
    """
    accepted = ACCEPTED_DRIFT if accepted is None else accepted
    named = model_index_names() if model_named_indexes is None else model_named_indexes
    ignored = set(ignore_extra_tables or ())
    differences: list[Difference] = []

    for table_name, want in expected.tables.items():
        have = actual.tables.get(table_name)
        if have is None:
            differences.append(Difference(table_name, None, MISSING_TABLE, "the table", None))
            continue
        differences.extend(_compare_table(want, have, named))

    for table_name in actual.tables:
        if table_name not in expected.tables and table_name not in ignored:
            differences.append(Difference(table_name, None, EXTRA_TABLE, None, "the table"))

    return [_with_acceptance(d, accepted) for d in differences]


def _with_acceptance(difference: Difference, accepted: Sequence[AcceptedDrift]) -> Difference:
    for entry in accepted:
        if entry.matches(difference):
            return Difference(**{**difference.__dict__, "accepted": entry})
    return difference


def _describe_column(column: Column) -> str:
    parts = [column.type or "(no type)", "NOT NULL" if column.not_null else "NULL"]
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def _compare_table(want: Table, have: Table, named: set[str]) -> list[Difference]:
    table = want.name
    out: list[Difference] = []
    for name, column in want.columns.items():
        live = have.columns.get(name)
        if live is None:
            out.append(Difference(table, name, MISSING_COLUMN, _describe_column(column), None))
            continue
        if column.type != live.type:
            out.append(Difference(table, name, DIFFERENT_TYPE, column.type, live.type))
        if column.not_null != live.not_null:
            out.append(
                Difference(
                    table,
                    name,
                    DIFFERENT_NULLABILITY,
                    "NOT NULL" if column.not_null else "NULL",
                    "NOT NULL" if live.not_null else "NULL",
                )
            )
        if column.default != live.default:
            out.append(
                Difference(table, name, DIFFERENT_DEFAULT, str(column.default), str(live.default))
            )
    for name, live in have.columns.items():
        if name not in want.columns:
            out.append(Difference(table, name, EXTRA_COLUMN, None, _describe_column(live)))

    if want.primary_key != have.primary_key:
        out.append(
            Difference(
                table,
                None,
                DIFFERENT_PRIMARY_KEY,
                ", ".join(want.primary_key) or "rowid",
                ", ".join(have.primary_key) or "rowid",
            )
        )

    out.extend(_compare_indexes(want, have, named))

    for unique in sorted(want.unique_sets - have.unique_sets):
        out.append(Difference(table, ", ".join(unique), MISSING_UNIQUE, "UNIQUE", None))
    for unique in sorted(have.unique_sets - want.unique_sets):
        out.append(Difference(table, ", ".join(unique), EXTRA_UNIQUE, None, "UNIQUE"))

    want_fks = {fk.column: fk for fk in want.foreign_keys}
    have_fks = {fk.column: fk for fk in have.foreign_keys}
    for column, fk in want_fks.items():
        live_fk = have_fks.get(column)
        if live_fk is None:
            out.append(Difference(table, column, MISSING_FOREIGN_KEY, _describe_fk(fk), None))
        elif live_fk != fk:
            out.append(
                Difference(
                    table, column, DIFFERENT_FOREIGN_KEY, _describe_fk(fk), _describe_fk(live_fk)
                )
            )
    for column, fk in have_fks.items():
        if column not in want_fks:
            out.append(Difference(table, column, EXTRA_FOREIGN_KEY, None, _describe_fk(fk)))
    return out


def _describe_fk(fk: ForeignKey) -> str:
    target = f"{fk.references_table}({fk.references_column or ''})"
    return f"REFERENCES {target}" + (" DEFERRABLE INITIALLY DEFERRED" if fk.deferred else "")


def _describe_index(index: Index) -> str:
    unique = "UNIQUE " if index.unique else ""
    partial = " WHERE ..." if index.partial else ""
    return f"{unique}({', '.join(index.columns)}){partial}"


def _compare_indexes(want: Table, have: Table, named: set[str]) -> list[Difference]:
    table = want.name
    out: list[Difference] = []
    live_indexes = have.named_indexes
    used: set[str] = set()
    for name, index in want.named_indexes.items():
        live = live_indexes.get(name)
        if live is not None:
            used.add(name)
            if live.definition != index.definition:
                out.append(
                    Difference(
                        table, name, DIFFERENT_INDEX, _describe_index(index), _describe_index(live)
                    )
                )
            continue
        if name not in named:
            # Django named this one itself (a foreign key's index): any index
            # with the same definition serves the same queries.
            equivalent = [i for i in have.indexes.values() if i.definition == index.definition]
            if equivalent:
                used.update(i.name for i in equivalent)
                continue
        out.append(Difference(table, name, MISSING_INDEX, _describe_index(index), None))
    for name, live in live_indexes.items():
        if name in used:
            continue
        if live.unique and not live.partial and tuple(sorted(live.columns)) in want.unique_sets:
            continue  # a UNIQUE constraint kept as a named unique index: compared as uniqueness
        out.append(Difference(table, name, EXTRA_INDEX, None, _describe_index(live)))
    return out


def unexplained(differences: Iterable[Difference]) -> list[Difference]:
    return [d for d in differences if d.accepted is None]
