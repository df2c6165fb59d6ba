"""Adopting the Node app's existing database: `migrate` never touches it,
`db_push` adds only what is missing and changes no row."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.shared_data import PROJECT_DIR, build_legacy_database

DJANGO_TABLE_PREFIXES = ("django_", "auth_", "sqlite_")


def table_names(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


def table_hashes(path: Path, tables: set[str] | None = None) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of each table (default: every non-Django table)."""
    if tables is None:
        tables = {name for name in table_names(path) if not name.startswith(DJANGO_TABLE_PREFIXES)}
    db = sqlite3.connect(path)
    try:
        result = {}
        for table in sorted(tables):
            digest = hashlib.sha256()
            count = 0
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
                count += 1
            result[table] = (count, digest.hexdigest())
        return result
    finally:
        db.close()


APP_TABLES = {
    "questions", "channel_mappings", "question_relationships", "voice_sessions", "question_history",
    "certifications", "learning_paths", "user_sessions", "work_queue", "bot_ledger", "bot_runs", "users",
}


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """`manage.py` with the content database at `database_url` and the admin
    database in an embedded file beside it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "ADMIN_"))}
    env["TURSO_DATABASE_URL"] = database_url
    env["ADMIN_DATABASE_URL"] = database_url + ".admin"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


def test_migrate_and_push_on_a_legacy_database_change_no_row_and_add_no_table(tmp_path: Path) -> None:
    legacy = build_legacy_database(tmp_path / "questions.db", limit=1500)
    before = table_hashes(legacy)
    assert len(before) == 12 and before["questions"][0] == 1500
    tables_before = table_names(legacy)

    result = manage("migrate", "--no-input", database_url=f"file:{legacy}")
    assert result.returncode == 0, result.stderr
    pushed = manage("db_push", "--yes", database_url=f"file:{legacy}")
    assert pushed.returncode == 0, pushed.stderr

    assert table_hashes(legacy, set(before)) == before
    # The admin's tables went to its own database; the shared one gained nothing.
    assert table_names(legacy) == tables_before
    assert {"django_migrations", "auth_user", "django_session"} <= table_names(Path(f"{legacy}.admin"))
    # A second run of each has nothing to do.
    again = manage("migrate", "--no-input", database_url=f"file:{legacy}")
    assert again.returncode == 0 and "No migrations to apply" in again.stdout
    pushed_again = manage("db_push", "--yes", database_url=f"file:{legacy}")
    assert pushed_again.returncode == 0 and "-- Nothing to do." in pushed_again.stdout


def test_migrate_refuses_the_content_database(tmp_path: Path) -> None:
    legacy = build_legacy_database(tmp_path / "questions.db", limit=10)
    tables_before = table_names(legacy)
    result = manage("migrate", "--no-input", "--database", "content", database_url=f"file:{legacy}")
    assert result.returncode == 1
    assert "migrate manages only the admin database" in result.stderr
    assert "db_push" in result.stderr
    assert table_names(legacy) == tables_before


def test_push_adds_a_missing_nullable_column_without_touching_rows(tmp_path: Path) -> None:
    legacy = build_legacy_database(tmp_path / "old.db", limit=200)
    db = sqlite3.connect(legacy)
    db.execute("ALTER TABLE questions DROP COLUMN experience_level_tags")
    db.commit()
    db.close()
    before = table_hashes(legacy)

    result = manage("db_push", "--yes", database_url=f"file:{legacy}")
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(legacy)
    columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
    nulls = db.execute("SELECT COUNT(*) FROM questions WHERE experience_level_tags IS NULL").fetchone()[0]
    db.close()
    assert columns[-1] == "experience_level_tags" and nulls == 200
    # Every other table is untouched.
    after = table_hashes(legacy, set(before))
    assert {t: v for t, v in after.items() if t != "questions"} == {
        t: v for t, v in before.items() if t != "questions"
    }


def test_fresh_databases_get_exactly_their_tables(tmp_path: Path) -> None:
    target = tmp_path / "fresh.db"
    for command in (("migrate", "--no-input"), ("db_push", "--yes")):
        result = manage(*command, database_url=f"file:{target}")
        assert result.returncode == 0, result.stderr
    assert table_names(target) - {"sqlite_sequence"} == APP_TABLES
    admin_tables = table_names(Path(f"{target}.admin"))
    assert {"django_migrations", "auth_user", "django_session", "core_importupload"} <= admin_tables
    assert not admin_tables & APP_TABLES


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    result = manage("makemigrations", "--check", "--dry-run", database_url=f"file:{tmp_path / 'x.db'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
