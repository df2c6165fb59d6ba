"""db_check and the schema comparison it shares with the schema test."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from django.test.utils import CaptureQueriesContext

from core.databases import content_connection as connection
from dbops import schema_contract as contract
from dbops.schema_sync import check_schema
from tests.support.db_commands import (
    LEGACY_SCHEMA_SQL,
    file_url,
    run_manage,
)
from tests.support.shared_data import require_shared


def live_differences(path: Path) -> list[contract.Difference]:
    with sqlite3.connect(path) as db:
        live = contract.schema_from_sqlite(db)
    return contract.compare_schemas(
        contract.expected_schema_from_models(),
        live,
        model_named_indexes=contract.model_index_names(),
        ignore_extra_tables=[t for t in live.tables if t.startswith(("auth_", "django_"))],
    )


def test_spelling_is_not_drift() -> None:
    """Backquotes, case, default parentheses, rowid NOT NULL and a UNIQUE kept
    as a named index are the same schema."""
    ours = contract.schema_from_sql(
        'CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"name" text NOT NULL UNIQUE, "at" text DEFAULT (CURRENT_TIMESTAMP) NULL);'
        'CREATE INDEX "t_at" ON "t" ("at" DESC);'
    )
    theirs = contract.schema_from_sql(
        "CREATE TABLE `t` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `name` TEXT NOT NULL, "
        "`at` TEXT DEFAULT current_timestamp);"
        "CREATE UNIQUE INDEX `t_name_unique` ON `t` (`name`);"
        "CREATE INDEX t_at ON t(at DESC);"
    )
    assert contract.compare_schemas(ours, theirs, accepted=[], model_named_indexes={"t_at"}) == []


def test_real_differences_are_reported() -> None:
    ours = contract.schema_from_sql(
        'CREATE TABLE "t" ("id" integer PRIMARY KEY, "a" text NOT NULL, "b" integer DEFAULT 5, '
        '"c" text); CREATE INDEX "t_a" ON "t" ("a");'
    )
    theirs = contract.schema_from_sql(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT DEFAULT 6, d TEXT);"
        "CREATE INDEX t_d ON t(d);"
    )
    found = {
        (d.name, d.kind)
        for d in contract.compare_schemas(ours, theirs, accepted=[], model_named_indexes={"t_a"})
    }
    assert found == {
        ("a", contract.DIFFERENT_NULLABILITY),
        ("b", contract.DIFFERENT_TYPE),
        ("b", contract.DIFFERENT_DEFAULT),
        ("c", contract.MISSING_COLUMN),
        ("d", contract.EXTRA_COLUMN),
        ("t_a", contract.MISSING_INDEX),
        ("t_d", contract.EXTRA_INDEX),
    }


def test_legacy_schema_file_differs_only_by_accepted_drift() -> None:
    require_shared(LEGACY_SCHEMA_SQL)
    legacy = contract.schema_from_sql(LEGACY_SCHEMA_SQL.read_text(encoding="utf-8"))
    differences = contract.compare_schemas(
        contract.expected_schema_from_models(),
        legacy,
        model_named_indexes=contract.model_index_names(),
    )
    assert differences, (
        "the legacy schema has known differences; finding none means the comparison is blind"
    )
    assert contract.unexplained(differences) == []
    # Every accepted entry still describes a real difference (no stale entries).
    used = {d.accepted for d in differences}
    assert set(contract.ACCEPTED_DRIFT) <= used


def test_db_check_on_legacy_database_reports_only_accepted_drift(legacy_db: Path) -> None:
    result = run_manage("db_check", url=file_url(legacy_db))
    assert result.returncode == 0, result.output
    expected = contract.unexplained(live_differences(legacy_db))
    assert expected == []
    for entry in contract.ACCEPTED_DRIFT:
        assert f"{entry.table}.{entry.name}" in result.stdout
    assert result.stdout.count("why: ") == len(live_differences(legacy_db))

    as_json = json.loads(run_manage("db_check", "--json", url=file_url(legacy_db)).stdout)
    assert as_json["in_sync"] is True
    assert as_json["differences"] == []
    assert {(d["table"], d["name"], d["kind"]) for d in as_json["accepted_differences"]} == {
        (d.table, d.name, d.kind) for d in live_differences(legacy_db)
    }


def test_db_check_reports_a_column_dropped_by_hand(legacy_db: Path) -> None:
    with sqlite3.connect(legacy_db) as db:
        db.execute("ALTER TABLE questions DROP COLUMN eli5")
        db.execute("DROP INDEX idx_work_queue_item")
        db.execute("CREATE TABLE node_notes (id INTEGER PRIMARY KEY, body TEXT)")
    result = run_manage("db_check", "--json", url=file_url(legacy_db))
    assert result.returncode == 1, result.output
    report = json.loads(result.stdout)
    assert {(d["table"], d["name"], d["kind"]) for d in report["differences"]} == {
        ("questions", "eli5", contract.MISSING_COLUMN),
        ("work_queue", "idx_work_queue_item", contract.MISSING_INDEX),
        ("node_notes", None, contract.EXTRA_TABLE),
    }
    readable = run_manage("db_check", url=file_url(legacy_db))
    assert readable.returncode == 1
    assert "questions.eli5: missing column" in readable.stdout
    assert "Only in the database (reported, never touched)" in readable.stdout


def test_db_check_refuses_a_missing_file_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    result = run_manage("db_check", url=file_url(missing))
    assert result.returncode == 2
    assert result.stderr.strip() == f"There is no database file at {missing}."
    assert "Traceback" not in result.output
    assert not missing.exists()


@pytest.mark.sqld
@pytest.mark.django_db
def test_check_schema_is_one_query_and_migrated_database_is_in_sync(on_real_server: bool) -> None:
    """The test database is built by migrations: nothing differs, in one round trip."""
    with CaptureQueriesContext(connection) as queries:
        before = getattr(connection, "round_trips", 0)
        report = check_schema(connection=connection)
        after = getattr(connection, "round_trips", 0)
    assert len(queries) == 1
    if on_real_server:
        assert after - before == 1
    assert report.unexplained == []
    assert report.accepted == []
