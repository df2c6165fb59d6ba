"""The models map the Node app's schema (../shared/legacy/schema-v2.2.0.sql) exactly.

Every table, column, type, nullability, default, index and foreign key is
compared. A difference fails the test unless `dbops.schema_contract.ACCEPTED_DRIFT`
explains it; that list is the one place known drift is recorded, and it is
the same list `manage.py db_check` uses.
"""

from __future__ import annotations

import pytest

from dbops import schema_contract
from tests.support.shared_data import LEGACY_SCHEMA, require_shared

CONTRACT_TABLES = {
    "users", "questions", "channel_mappings", "work_queue", "bot_ledger", "bot_runs",
    "question_relationships", "voice_sessions", "question_history", "user_sessions",
    "certifications", "learning_paths",
}

# Where the app's drizzle ORM declaration and its SQL disagree (the schema
# file's header). The live table is what the database enforces, so our
# models follow the SQL; these are checked, not accepted.
NODE_ORM_VS_SQL_NOT_NULL = [
    ("learning_paths", "created_at"),
    ("user_sessions", "started_at"),
    ("user_sessions", "last_accessed_at"),
]


@pytest.fixture(scope="module")
def legacy_schema() -> schema_contract.Schema:
    return schema_contract.schema_from_sql(require_shared(LEGACY_SCHEMA).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model_schema() -> schema_contract.Schema:
    return schema_contract.expected_schema_from_models()


def compare(expected: schema_contract.Schema, actual: schema_contract.Schema) -> list[schema_contract.Difference]:
    return schema_contract.compare_schemas(
        expected, actual, model_named_indexes=schema_contract.model_index_names()
    )


def test_models_cover_exactly_the_twelve_tables(legacy_schema, model_schema) -> None:
    assert set(legacy_schema.tables) == CONTRACT_TABLES
    assert set(model_schema.tables) == CONTRACT_TABLES


def test_every_difference_from_the_legacy_schema_is_an_accepted_one(legacy_schema, model_schema) -> None:
    differences = compare(model_schema, legacy_schema)
    assert [d.describe() for d in schema_contract.unexplained(differences)] == []


def test_every_accepted_drift_entry_is_still_needed(legacy_schema, model_schema) -> None:
    used = {d.accepted for d in compare(model_schema, legacy_schema) if d.accepted}
    stale = [entry for entry in schema_contract.ACCEPTED_DRIFT if entry not in used]
    assert stale == []


@pytest.mark.parametrize(("table", "column"), NODE_ORM_VS_SQL_NOT_NULL)
def test_models_follow_the_sql_where_the_node_orm_disagrees(legacy_schema, model_schema, table, column) -> None:
    assert legacy_schema.tables[table].columns[column].not_null
    assert model_schema.tables[table].columns[column].not_null


def test_column_order_of_questions_matches_the_live_table(legacy_schema, model_schema) -> None:
    # questions grew by ALTER TABLE ADD COLUMN; a table we create has the same order.
    assert list(model_schema.tables["questions"].columns) == list(legacy_schema.tables["questions"].columns)


def test_defaults_are_the_sql_defaults(legacy_schema, model_schema) -> None:
    for table in ("questions", "work_queue", "certifications", "question_history", "learning_paths"):
        want = {n: c.default for n, c in legacy_schema.tables[table].columns.items()}
        have = {n: c.default for n, c in model_schema.tables[table].columns.items()}
        assert have == want, table


@pytest.mark.parametrize(
    ("mutation", "expected_kind"),
    [
        (("ALTER TABLE questions ADD COLUMN tldr TEXT;", ""), schema_contract.MISSING_COLUMN),
        (("relevance_score INTEGER", "relevance_score TEXT"), schema_contract.DIFFERENT_TYPE),
        (("priority INTEGER DEFAULT 5", "priority INTEGER DEFAULT 7"), schema_contract.DIFFERENT_DEFAULT),
        (("CREATE INDEX IF NOT EXISTS idx_questions_difficulty ON questions(difficulty);", ""),
         schema_contract.MISSING_INDEX),
        (("`username` text NOT NULL,", "`username` text,"), schema_contract.DIFFERENT_NULLABILITY),
    ],
)
def test_the_comparison_catches_each_kind_of_drift(model_schema, mutation, expected_kind) -> None:
    sql = require_shared(LEGACY_SCHEMA).read_text(encoding="utf-8")
    old, new = mutation
    assert old in sql
    sql = sql.replace(old, new, 1)
    differences = schema_contract.unexplained(compare(model_schema, schema_contract.schema_from_sql(sql)))
    assert [d.kind for d in differences] == [expected_kind]
