"""db_push: additive, idempotent, rebuilds only when asked and keeping every row."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from dbops import schema_contract as contract
from tests.support.db_commands import (
    InProcessDatabase,
    file_url,
    make_drifted_db,
    run_manage,
    sqlite_rows,
    sqlite_tables,
)


def check_json(database: InProcessDatabase) -> dict:
    result = database.run("db_check", "--json")
    assert result.returncode in (0, 1), result.output
    return json.loads(result.stdout)


def snapshot(path: Path) -> dict[str, list[tuple]]:
    return {table: sqlite_rows(path, table) for table in sqlite_tables(path)}


def test_push_creates_an_empty_database_and_second_run_has_nothing_to_do(
    tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    db = tmp_path / "new.sqlite3"
    database = in_process(db)
    first = database.run("db_push", "--yes")
    assert first.returncode == 0, first.output
    assert 'CREATE TABLE "questions"' in first.stdout
    assert set(contract.contract_table_names()) <= set(sqlite_tables(db))

    report = check_json(database)
    assert report["in_sync"] is True
    assert report["differences"] == [] and report["accepted_differences"] == []

    second = database.run("db_push", "--yes")
    assert second.returncode == 0
    assert "Nothing to do." in second.stdout
    assert "CREATE" not in second.stdout and "ALTER" not in second.stdout

    # `migrate` afterwards creates the admin's tables in the admin database
    # and leaves the content database with exactly the app's tables.
    database.connection.close()
    tables_before = set(sqlite_tables(db))
    migrated = run_manage("migrate", "--no-input", url=file_url(db))
    assert migrated.returncode == 0, migrated.output
    assert set(sqlite_tables(db)) == tables_before
    assert "django_migrations" not in tables_before and "auth_user" not in tables_before
    assert check_json(database)["in_sync"] is True


def test_push_restores_a_dropped_column_and_index_and_keeps_rows(
    legacy_db: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    database = in_process(legacy_db)
    with sqlite3.connect(legacy_db) as db:
        db.execute("ALTER TABLE questions DROP COLUMN tldr")
        db.execute("DROP INDEX idx_bot_runs_status")
        db.execute("ALTER TABLE work_queue ADD COLUMN bot_notes TEXT")
    before = snapshot(legacy_db)

    plan_only = database.run("db_push", "--plan-only")
    assert plan_only.returncode == 0
    assert 'ALTER TABLE "questions" ADD COLUMN "tldr" text NULL;' in plan_only.stdout
    assert snapshot(legacy_db) == before

    unconfirmed = run_manage("db_push", url=file_url(legacy_db))
    assert unconfirmed.returncode == 1
    assert "not confirmed" in unconfirmed.stderr
    assert snapshot(legacy_db) == before

    pushed = database.run("db_push", "--yes")
    assert pushed.returncode == 0, pushed.output
    assert 'CREATE INDEX "idx_bot_runs_status"' in pushed.stdout
    after = snapshot(legacy_db)
    assert after.keys() >= before.keys()
    for table, rows in before.items():
        if table == "questions":
            # tldr comes back as the last column, empty.
            assert [r[:-1] for r in after[table]] == rows
            assert {r[-1] for r in after[table]} == {None}
        else:
            assert after[table] == rows, table
    report = check_json(database)
    assert [(d["table"], d["name"], d["kind"]) for d in report["differences"]] == [
        ("work_queue", "bot_notes", contract.EXTRA_COLUMN)
    ]
    again = database.run("db_push", "--yes")
    assert "Nothing to do." in again.stdout


def test_rebuild_is_listed_and_skipped_without_allow_rebuild(
    tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    db = tmp_path / "drift.sqlite3"
    database = in_process(db)
    make_drifted_db(db, database)
    before = snapshot(db)
    result = database.run("db_push", "--yes")
    assert result.returncode == 0, result.output
    assert "needs a table rebuild" in result.stdout
    assert "bot_runs.items_processed: different type" in result.stdout
    assert "bot_runs.items_updated: different default" in result.stdout
    assert snapshot(db) == before


def test_indexes_are_restored_on_tables_whose_rebuild_is_skipped(
    tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    # As the Node app's drizzle-kit push leaves them: work_queue rebuilt from
    # its schema.ts (no indexes, no created_at default); bot_ledger here also
    # without created_at, which an ADD COLUMN cannot bring back (its default
    # is CURRENT_TIMESTAMP), so its index on created_at waits for a rebuild.
    db = tmp_path / "after-drizzle.sqlite3"
    database = in_process(db)
    assert database.run("db_push", "--yes").returncode == 0
    database.connection.close()
    with sqlite3.connect(db) as conn:
        conn.executescript(
            """
            DROP TABLE work_queue;
            CREATE TABLE work_queue (
              id integer PRIMARY KEY AUTOINCREMENT NOT NULL, item_type text NOT NULL,
              item_id text NOT NULL, action text NOT NULL, priority integer DEFAULT 5,
              status text DEFAULT 'pending', reason text, created_by text, assigned_to text,
              created_at text, processed_at text, result text);
            INSERT INTO work_queue (item_type, item_id, action, created_at)
              VALUES ('question', 'q-1', 'improve', '2026-01-13 03:29:00'),
                     ('question', 'q-2', 'review', NULL);
            DROP TABLE bot_ledger;
            CREATE TABLE bot_ledger (
              id integer PRIMARY KEY AUTOINCREMENT NOT NULL, bot_name text NOT NULL,
              action text NOT NULL, item_type text NOT NULL, item_id text NOT NULL,
              before_state text, after_state text, reason text);
            INSERT INTO bot_ledger (bot_name, action, item_type, item_id)
              VALUES ('creator', 'create', 'question', 'q-1');
            """
        )
    before = snapshot(db)

    result = database.run("db_push", "--yes")
    assert result.returncode == 0, result.output
    assert "--   work_queue.created_at: different default" in result.stdout
    assert "--   bot_ledger.created_at: missing column" in result.stdout
    after = snapshot(db)
    assert after == before
    with sqlite3.connect(db) as conn:
        indexes = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name IN ('work_queue', 'bot_ledger') AND sql IS NOT NULL"
            )
        }
    assert indexes == {
        "idx_work_queue_status",
        "idx_work_queue_status_priority",
        "idx_work_queue_assigned",
        "idx_work_queue_created_by",
        "idx_work_queue_item",
        "idx_bot_ledger_bot",
        "idx_bot_ledger_item",
        "idx_bot_ledger_action",
    }
    report = check_json(database)
    assert {(d["table"], d["name"], d["kind"]) for d in report["differences"]} == {
        ("work_queue", "created_at", contract.DIFFERENT_DEFAULT),
        ("bot_ledger", "created_at", contract.MISSING_COLUMN),
        ("bot_ledger", "idx_bot_ledger_created", contract.MISSING_INDEX),
    }


def test_allow_rebuild_writes_a_dump_and_keeps_every_row(
    tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    db = tmp_path / "drift.sqlite3"
    database = in_process(db)
    make_drifted_db(db, database)
    before = sqlite_rows(db, "bot_runs")
    with sqlite3.connect(db) as conn:
        sequence_before = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name='bot_runs'"
        ).fetchone()[0]
    dump = tmp_path / "before-rebuild.sql.gz"
    result = database.run("db_push", "--yes", "--allow-rebuild", "--dump-to", str(dump))
    assert result.returncode == 0, result.output
    assert dump.is_file() and dump.stat().st_size > 0
    after = sqlite_rows(db, "bot_runs")
    assert len(after) == len(before) == 119
    # Same values; items_processed now has INTEGER affinity, so '5' is stored as 5.
    assert [(r[0], r[1], r[2], int(r[5]), r[9], r[10]) for r in before] == [
        (r[0], r[1], r[2], int(r[5]), r[9], r[10]) for r in after
    ]
    report = check_json(database)
    assert {(d["table"], d["name"], d["kind"]) for d in report["differences"]} == {
        ("bot_runs", "node_flag", contract.EXTRA_COLUMN),
        ("bot_runs", "node_idx_bot_runs_flag", contract.EXTRA_INDEX),
    }
    with sqlite3.connect(db) as conn:
        sequence_after = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name='bot_runs'"
        ).fetchone()[0]
    assert sequence_after == sequence_before == 360


def test_a_rebuild_that_cannot_keep_every_row_changes_nothing(
    tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    db = tmp_path / "drift.sqlite3"
    make_drifted_db(db, in_process(db))
    with sqlite3.connect(db) as conn:
        # The models want bot_name NOT NULL: a NULL there cannot be copied.
        conn.executescript(
            """
            CREATE TABLE t AS SELECT * FROM bot_runs;
            DROP TABLE bot_runs;
            CREATE TABLE bot_runs (
              id INTEGER PRIMARY KEY AUTOINCREMENT, bot_name TEXT, started_at TEXT NOT NULL,
              completed_at TEXT, status TEXT DEFAULT 'running', items_processed INTEGER DEFAULT 0,
              items_created INTEGER DEFAULT 0, items_updated INTEGER DEFAULT 0,
              items_deleted INTEGER DEFAULT 0, summary TEXT, node_flag INTEGER);
            INSERT INTO bot_runs SELECT * FROM t; DROP TABLE t;
            UPDATE bot_runs SET bot_name = NULL WHERE id = 9;
            """
        )
    before = snapshot(db)
    result = run_manage(
        "db_push",
        "--yes",
        "--allow-rebuild",
        "--dump-to",
        str(tmp_path / "d.sql"),
        url=file_url(db),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.output
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Rebuilding bot_runs failed (NOT NULL constraint failed")
    assert last_line.endswith("nothing was changed.")
    assert snapshot(db) == before
