"""Helpers for the db_* command tests: run `manage.py` as an operator would
(in a subprocess, or in-process against a named database), build a legacy
database, read rows and tables back. Their fixtures are in tests/dbops/conftest.py."""

from __future__ import annotations

import io
import itertools
import os
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.shared_data import LEGACY_BUILDER, LEGACY_SCHEMA
from tests.support.sqld import SqldServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The shared material, where tests/support/shared_data.py finds it (OI_SHARED_DIR too).
MAKE_LEGACY_DB = LEGACY_BUILDER
LEGACY_SCHEMA_SQL = LEGACY_SCHEMA
# Enough questions for every table to have rows, few enough to stay quick.
LEGACY_QUESTION_LIMIT = 300
# Variables that would point the command somewhere else than the test asks.
DATABASE_VARIABLES = (
    "TURSO_DATABASE_URL",
    "TURSO_AUTH_TOKEN",
    "TURSO_DATABASE_URL_RO",
    "TURSO_AUTH_TOKEN_RO",
    "ADMIN_DATABASE_URL",
    "ADMIN_AUTH_TOKEN",
)


@dataclass
class CommandResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_manage(
    *args: str,
    url: str,
    token: str | None = None,
    timeout: float = 300,
    extra_env: dict[str, str] | None = None,
) -> CommandResult:
    """Run `manage.py ARGS` in a subprocess whose content database is `url`;
    its admin database is an embedded file of its own (beside a `file:`
    database, else in a new temporary folder) unless `extra_env` names one."""
    env = {k: v for k, v in os.environ.items() if k not in DATABASE_VARIABLES}
    # Empty values win over a developer's .env file.
    env.update({name: "" for name in DATABASE_VARIABLES})
    env["TURSO_DATABASE_URL"] = url
    env["TURSO_AUTH_TOKEN"] = token or ""
    env["ADMIN_DATABASE_URL"] = (
        f"{url}.admin" if url.startswith("file:") else f"file:{tempfile.mkdtemp()}/admin.sqlite3"
    )
    env.update(extra_env or {})
    env.setdefault("OI_ALLOW_INSECURE_SECRET_KEY", "1")
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CommandResult(completed.returncode, completed.stdout, completed.stderr)


_aliases = itertools.count()


class InProcessDatabase:
    """A database alias added for one test, to run the db_* commands on it
    in-process (no interpreter start per command)."""

    def __init__(self, *, name: str, url: str | None = None, token: str | None = None) -> None:
        from django.db import connections

        self.alias = f"dbops_{next(_aliases)}"
        options: dict[str, Any] = {"read_only": False}
        if url:
            options.update({"url": url, "auth_token": token or ""})
        configured = connections.configure_settings(
            {"default": {"ENGINE": "core.db.backends.libsql", "NAME": name, "OPTIONS": options}}
        )["default"]
        connections.settings[self.alias] = configured

    @property
    def connection(self) -> Any:
        from django.db import connections

        return connections[self.alias]

    def run(self, *args: str) -> CommandResult:
        from django.core.management import call_command
        from django.core.management.base import CommandError

        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*args, "--database", self.alias, stdout=out, stderr=err)
            code = 0
        except CommandError as exc:
            code = exc.returncode
            err.write(str(exc) + "\n")
        return CommandResult(code, out.getvalue(), err.getvalue())

    def close(self) -> None:
        from django.db import connections

        if hasattr(connections._connections, self.alias):
            connections[self.alias].close()
            delattr(connections._connections, self.alias)
        connections.settings.pop(self.alias, None)


def file_url(path: Path) -> str:
    return f"file:{path}"


def build_legacy_db(path: Path, *, limit: int = LEGACY_QUESTION_LIMIT) -> Path:
    subprocess.run(
        [sys.executable, str(MAKE_LEGACY_DB), str(path), "--limit", str(limit)],
        check=True,
        capture_output=True,
    )
    return path


def make_drifted_db(path: Path, database: InProcessDatabase) -> None:
    """bot_runs with a retyped column and a changed default, an extra column,
    an extra index, and rows; otherwise the models' schema."""
    assert database.run("db_push", "--yes").returncode == 0
    database.connection.close()
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            DROP TABLE bot_runs;
            CREATE TABLE bot_runs (
              id INTEGER PRIMARY KEY AUTOINCREMENT, bot_name TEXT NOT NULL,
              started_at TEXT NOT NULL, completed_at TEXT, status TEXT DEFAULT 'running',
              items_processed TEXT DEFAULT 0, items_created INTEGER DEFAULT 0,
              items_updated INTEGER DEFAULT 7, items_deleted INTEGER DEFAULT 0,
              summary TEXT, node_flag INTEGER);
            CREATE INDEX idx_bot_runs_bot ON bot_runs(bot_name);
            CREATE INDEX idx_bot_runs_status ON bot_runs(status);
            CREATE INDEX idx_bot_runs_started ON bot_runs(started_at);
            CREATE INDEX node_idx_bot_runs_flag ON bot_runs(node_flag);
            """
        )
        db.executemany(
            "INSERT INTO bot_runs (id, bot_name, started_at, items_processed, summary, node_flag) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    i * 3,
                    f"bot-{i % 4}",
                    f"2026-01-{i % 28 + 1:02d} 03:29:00",
                    str(i),
                    f'{{"n":{i}}}',
                    i % 2,
                )
                for i in range(1, 121)
            ],
        )
        db.execute("DELETE FROM bot_runs WHERE id = 360")  # the sequence stays ahead of max(id)


def sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return [tuple(r) for r in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]


def sqlite_tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        names = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid")
        ]
    return [n for n in names if not n.startswith("sqlite_")]


def remote_query(server: SqldServer, sql: str) -> list[tuple[Any, ...]]:
    from core.db.backends.libsql import hrana

    connection = hrana.connect(server.url, auth_token=server.rw_token)
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(r) for r in cursor.fetchall()]
    finally:
        connection.close()


def remote_rows(server: SqldServer, table: str) -> list[tuple[Any, ...]]:
    return remote_query(server, f'SELECT * FROM "{table}" ORDER BY rowid')


def remote_tables(server: SqldServer) -> list[str]:
    names = remote_query(server, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid")
    return [n for (n,) in names if not n.startswith(("sqlite_", "_litestream", "libsql_"))]
