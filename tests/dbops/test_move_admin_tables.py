"""Moving an earlier deployment's admin tables out of the shared database.

The shared database is built the way an earlier version left it: the Node
app's 12 tables (from the real exports) plus every table `migrate` used to
put there, holding users with password hashes, groups and permissions, an
admin log, sessions and a pending upload.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.support.db_commands import run_manage
from tests.support.shared_data import build_legacy_database

APP_TABLES = {
    "questions", "channel_mappings", "question_relationships", "voice_sessions", "question_history",
    "certifications", "learning_paths", "user_sessions", "work_queue", "bot_ledger", "bot_runs", "users",
}

POPULATE = """
import zlib
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from importing.models import ImportUpload, ImportUploadPart
from interview.models import Question

editor = User.objects.create_user("edith", "edith@example.com", "a-long-pass-phrase-1")
mod = User.objects.create_user("moritz", "", "a-long-pass-phrase-2", is_staff=True)
boss = User.objects.create_superuser("root", "", "a-long-pass-phrase-3")
group = Group.objects.get(name="Editors")
editor.groups.add(group)
mod.user_permissions.add(Permission.objects.get(codename="moderate_question"))
LogEntry.objects.create(
    user=editor, content_type=ContentType.objects.get_for_model(Question), object_id="q-1",
    object_repr="q-1", action_flag=ADDITION, change_message="edited",
)
session = SessionStore()
session["hello"] = "world"
session.create()
upload = ImportUpload.objects.create(user=editor, filename="new.csv", file_format="csv", size=5)
ImportUploadPart.objects.create(upload=upload, kind="file", number=0, data=zlib.compress(b"id\\nq-1"))
"""




def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        }


def rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


def everything(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {table: rows(path, table) for table in sorted(tables(path))}


# The tables an earlier version's `migrate` put in the shared database.
EARLIER_VERSION_TABLES = ("django_", "auth_", "axes_", "core_importupload")


def copy_tables(source: Path, target: Path) -> None:
    """The earlier version's tables, their indexes and rows, from `source`
    into `target`, as that version's `migrate` left them in the shared database."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        objects = [
            (kind, name, sql)
            for kind, name, table, sql in src.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid"
            )
            if table.startswith(EARLIER_VERSION_TABLES)
        ]
        for kind, name, sql in objects:
            dst.execute(sql)
            if kind == "table":
                data = src.execute(f'SELECT * FROM "{name}"').fetchall()
                if data:
                    marks = ", ".join("?" * len(data[0]))
                    dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', data)


@pytest.fixture
def shaped_like_today(tmp_path: Path) -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    """(shared database with the admin's tables in it, those tables' rows)."""
    shared = build_legacy_database(tmp_path / "shared.sqlite3", limit=50)
    old_admin = tmp_path / "old-admin.sqlite3"
    env = {"ADMIN_DATABASE_URL": f"file:{old_admin}"}
    url = f"file:{tmp_path / 'scratch.sqlite3'}"
    for command in (("migrate", "--no-input"), ("shell", "-c", POPULATE)):
        result = run_manage(*command, url=url, extra_env=env)
        assert result.returncode == 0, result.output
    copy_tables(old_admin, shared)
    admin_rows = {t: r for t, r in everything(old_admin).items() if t.startswith(EARLIER_VERSION_TABLES)}
    assert {"auth_user", "django_migrations", "core_importuploadpart"} <= set(admin_rows)
    assert tables(shared) == APP_TABLES | set(admin_rows)
    return shared, admin_rows


def test_move_copies_every_admin_row_then_drops_the_tables_and_a_second_run_is_harmless(
    shaped_like_today: tuple[Path, dict[str, list[tuple[Any, ...]]]], tmp_path: Path
) -> None:
    shared, admin_rows = shaped_like_today
    app_rows = {table: rows(shared, table) for table in APP_TABLES}
    new_admin = tmp_path / "admin.sqlite3"
    env = {"ADMIN_DATABASE_URL": f"file:{new_admin}"}

    dry = run_manage("move_admin_tables", "--dry-run", url=f"file:{shared}", extra_env=env)
    assert dry.returncode == 0, dry.output
    assert f"auth_user: copy {len(admin_rows['auth_user'])} rows" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    assert everything(shared) == {**app_rows, **admin_rows}
    assert not new_admin.exists() or "auth_user" not in tables(new_admin)

    moved = run_manage("move_admin_tables", url=f"file:{shared}", extra_env=env)
    assert moved.returncode == 0, moved.output
    assert f"Moved {len(admin_rows)} tables" in moved.stdout

    # The shared database holds exactly the app's tables, their rows unchanged.
    assert tables(shared) == APP_TABLES
    assert {table: rows(shared, table) for table in APP_TABLES} == app_rows
    # Every admin row arrived, ids and password hashes included.
    for table in ("auth_user", "auth_group", "auth_user_groups", "auth_user_user_permissions",
                  "auth_permission", "django_content_type", "django_admin_log", "django_session",
                  "core_importupload", "core_importuploadpart", "django_migrations"):
        assert rows(new_admin, table) == admin_rows[table], table

    again = run_manage("move_admin_tables", url=f"file:{shared}", extra_env=env)
    assert again.returncode == 0, again.output
    assert "Nothing to move" in again.stdout
    assert tables(shared) == APP_TABLES

    # The moved users sign in against the admin database.
    check = run_manage(
        "shell", "-c",
        "from django.contrib.auth import authenticate;"
        "print('OK' if authenticate(username='edith', password='a-long-pass-phrase-1') else 'NO')",
        url=f"file:{shared}", extra_env=env,
    )
    assert check.stdout.strip().splitlines()[-1] == "OK", check.output


def test_move_refuses_to_replace_users_the_admin_database_already_has(
    shaped_like_today: tuple[Path, dict[str, list[tuple[Any, ...]]]], tmp_path: Path
) -> None:
    shared, admin_rows = shaped_like_today
    new_admin = tmp_path / "admin.sqlite3"
    env = {"ADMIN_DATABASE_URL": f"file:{new_admin}"}
    made = run_manage(
        "shell", "-c",
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth.models import User; User.objects.create_user('newcomer')",
        url=f"file:{tmp_path / 'other.sqlite3'}", extra_env=env,
    )
    assert made.returncode == 0, made.output
    before_shared, before_admin = everything(shared), everything(new_admin)

    refused = run_manage("move_admin_tables", url=f"file:{shared}", extra_env=env)
    assert refused.returncode == 1
    assert "The admin database already holds other rows in auth_user (1 rows)" in refused.stderr
    assert "--replace" in refused.stderr
    assert everything(shared) == before_shared and everything(new_admin) == before_admin


def test_a_failure_while_dropping_leaves_both_databases_as_they_were(
    shaped_like_today: tuple[Path, dict[str, list[tuple[Any, ...]]]],
    tmp_path: Path,
    in_process: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dbops import admin_tables_move

    shared, _ = shaped_like_today
    new_admin = tmp_path / "admin.sqlite3"
    migrated = run_manage("migrate", "--no-input", url=f"file:{tmp_path / 'x.sqlite3'}",
                          extra_env={"ADMIN_DATABASE_URL": f"file:{new_admin}"})
    assert migrated.returncode == 0, migrated.output
    before_shared, before_admin = everything(shared), everything(new_admin)
    content, admin = in_process(shared).connection, in_process(new_admin).connection
    real_drop = admin_tables_move._drop_tables

    def drop_some_then_fail(*, connection: Any, tables: list[str]) -> None:
        real_drop(connection=connection, tables=tables[:3])
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(admin_tables_move, "_drop_tables", drop_some_then_fail)
    with pytest.raises(Exception, match="disk I/O error"):
        admin_tables_move.move_admin_tables(content=content, admin=admin)
    content.close()
    admin.close()
    assert everything(shared) == before_shared
    assert everything(new_admin) == before_admin
