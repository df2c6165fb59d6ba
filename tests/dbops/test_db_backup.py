"""db_dump, db_restore, db_introspect and db_status on SQLite files."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dbops import schema_contract as contract
from dbops.backup import read_statements
from tests.support.db_commands import (
    InProcessDatabase,
    file_url,
    run_manage,
    sqlite_rows,
    sqlite_tables,
)


def assert_same_contents(left: Path, right: Path) -> None:
    assert sqlite_tables(left) == sqlite_tables(right)
    for table in sqlite_tables(left):
        assert sqlite_rows(left, table) == sqlite_rows(right, table), table
    with sqlite3.connect(left) as a, sqlite3.connect(right) as b:
        assert (
            contract.compare_schemas(contract.schema_from_sqlite(a), contract.schema_from_sqlite(b))
            == []
        )
        sequence = "SELECT name, seq FROM sqlite_sequence ORDER BY name"
        assert a.execute(sequence).fetchall() == b.execute(sequence).fetchall()


def test_dump_and_restore_round_trip(
    legacy_db: Path, tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    with sqlite3.connect(legacy_db) as db:
        # Values a dump must carry exactly: quotes, newlines, a blob, a real, unicode, NULL.
        db.execute(
            "INSERT INTO bot_runs (bot_name, started_at, summary, items_processed) VALUES (?, ?, ?, ?)",
            ("it's\nbot ✓", "2026-01-13T03:29:00.972Z", b"\x00\xffraw", 2.5),
        )
    dump = tmp_path / "legacy.sql.gz"
    dumped = in_process(legacy_db).run("db_dump", "-o", str(dump), "--batch-rows", "70")
    assert dumped.returncode == 0, dumped.output
    assert "questions: 70/" in dumped.stderr  # progress per batch
    with gzip.open(dump, "rt", encoding="utf-8") as stream:
        text = stream.read()
    assert text.count('INSERT INTO "questions" VALUES(') == len(sqlite_rows(legacy_db, "questions"))

    restored = tmp_path / "restored.sqlite3"
    result = in_process(restored).run("db_restore", str(dump))
    assert result.returncode == 0, result.output
    assert_same_contents(legacy_db, restored)


def test_restore_loads_the_sqlite_shell_dump(
    legacy_db: Path, tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 shell is not installed")
    dump = tmp_path / "shell.sql"
    with dump.open("w") as out:
        subprocess.run([shell, str(legacy_db), ".dump"], stdout=out, check=True)
    restored = tmp_path / "restored.sqlite3"
    result = in_process(restored).run("db_restore", str(dump), "--quiet")
    assert result.returncode == 0, result.output
    assert_same_contents(legacy_db, restored)


def test_restore_refuses_a_non_empty_database_unless_forced(
    legacy_db: Path, tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    dump = tmp_path / "d.sql"
    source = in_process(legacy_db)
    assert source.run("db_dump", "-o", str(dump), "--quiet").returncode == 0
    target = tmp_path / "target.sqlite3"
    with sqlite3.connect(target) as db:
        db.execute("CREATE TABLE keep_me (x)")
        db.execute("INSERT INTO keep_me VALUES (1)")
    database = in_process(target)
    refused = database.run("db_restore", str(dump))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert sqlite_tables(target) == ["keep_me"]

    forced = database.run("db_restore", str(dump), "--force", "--quiet")
    assert forced.returncode == 0, forced.output
    assert_same_contents(legacy_db, target)


def test_restore_is_all_or_nothing(
    legacy_db: Path, tmp_path: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    dump = tmp_path / "d.sql"
    assert in_process(legacy_db).run("db_dump", "-o", str(dump), "--quiet").returncode == 0
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    # A statement that fails near the end, after thousands have run.
    broken = tmp_path / "broken.sql"
    broken.write_text("".join(lines[:-3] + ["INSERT INTO no_such_table VALUES(1);\n"] + lines[-3:]))
    target = tmp_path / "target.sqlite3"
    result = in_process(target).run("db_restore", str(broken), "--quiet")
    assert result.returncode == 2
    assert "no such table" in result.stderr
    assert sqlite_tables(target) == []

    truncated = tmp_path / "truncated.sql"
    truncated.write_text("".join(lines[:40]) + 'INSERT INTO "questions" VALUES(\'half')
    result = in_process(target).run("db_restore", str(truncated), "--quiet")
    assert result.returncode == 1
    assert "truncated" in result.stderr
    assert sqlite_tables(target) == []


def test_read_statements_keeps_semicolons_and_newlines_inside_strings(tmp_path: Path) -> None:
    dump = tmp_path / "d.sql"
    dump.write_text(
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        "INSERT INTO t VALUES('a;\nb', 'c''d');\n-- a comment\nCOMMIT;\n"
    )
    with dump.open() as stream:
        assert list(read_statements(stream)) == ["INSERT INTO t VALUES('a;\nb', 'c''d');"]


def test_introspect_sql_recreates_the_schema_and_models_compile(
    legacy_db: Path, in_process: Callable[..., InProcessDatabase]
) -> None:
    database = in_process(legacy_db)
    sql = database.run("db_introspect")
    assert sql.returncode == 0, sql.output
    with sqlite3.connect(legacy_db) as db:
        live = contract.schema_from_sqlite(db)
    assert contract.compare_schemas(live, contract.schema_from_sql(sql.stdout)) == []

    models = database.run("db_introspect", "--models", "questions", "channel_mappings")
    assert models.returncode == 0, models.output
    compile(models.stdout, "introspected.py", "exec")
    assert "db_table = 'questions'" in models.stdout
    assert "status = models.TextField(null=True, blank=True, db_default='active')" in models.stdout
    assert (
        "question = models.ForeignKey('Questions', models.DO_NOTHING, db_column='question_id')"
        in (models.stdout)
    )
    assert "class WorkQueue" not in models.stdout


def test_status_on_a_file(legacy_db: Path, in_process: Callable[..., InProcessDatabase]) -> None:
    result = in_process(legacy_db).run("db_status", "--json")
    assert result.returncode == 0, result.output
    status = json.loads(result.stdout)
    assert status["location"] == f"file:{legacy_db}"
    assert status["server_version"] == f"SQLite {sqlite3.sqlite_version}"
    assert status["writable"] is True
    assert status["in_sync"] is True
    assert status["row_counts"] == {
        t: len(sqlite_rows(legacy_db, t)) for t in sqlite_tables(legacy_db)
    }


def test_status_and_push_with_read_only_settings(legacy_db: Path) -> None:
    env_url = file_url(legacy_db)
    status = run_manage(
        "db_status", url="", token=None, extra_env={"TURSO_DATABASE_URL_RO": env_url}
    )
    assert status.returncode == 0, status.output
    assert "read-only" in status.stdout
    pushed = run_manage("db_push", "--yes", url="", extra_env={"TURSO_DATABASE_URL_RO": env_url})
    assert pushed.returncode == 2
    assert pushed.stderr.strip().startswith("The database is connected read-only")
