"""Adopting a real libSQL server that holds the Node app's data.

The legacy database built from the real exports is loaded into a fresh
`sqld`; `migrate` (the admin database) and `db_push` (the content) through
our engine must change no row and add no table there, and the admin must
then list its questions.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import turso_serverless

from tests.support.shared_data import PROJECT_DIR, build_legacy_database
from tests.support.sqld import SqldServer, start_sqld


@pytest.fixture
def legacy_server(tmp_path: Path) -> Iterator[SqldServer]:
    legacy = build_legacy_database(tmp_path / "legacy.sqlite3", limit=400)
    source = sqlite3.connect(legacy)
    # sqld enforces foreign keys; the dump creates tables alphabetically, so
    # channel_mappings' rows arrive before the questions they reference.
    script = "PRAGMA foreign_keys=OFF;\n" + "\n".join(
        line for line in source.iterdump() if line not in ("BEGIN TRANSACTION;", "COMMIT;")
    )
    source.close()
    server = start_sqld(tmp_path, jwt_auth=True)
    try:
        remote = turso_serverless.connect(server.url, auth_token=server.rw_token)
        remote.executescript(script)
        remote.close()
        yield server
    finally:
        server.stop()


def remote_table_hashes(server: SqldServer, tables: list[str] | None = None) -> dict[str, tuple[int, str]]:
    remote = turso_serverless.connect(server.url, auth_token=server.rw_token)
    try:
        if tables is None:
            rows = remote.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            tables = [name for (name,) in rows]
        result = {}
        for table in sorted(tables):
            digest = hashlib.sha256()
            rows = remote.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            result[table] = (len(rows), digest.hexdigest())
        return result
    finally:
        remote.close()


def run_manage(server: SqldServer, admin_db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "ADMIN_"))}
    env.update(
        TURSO_DATABASE_URL=server.url,
        TURSO_AUTH_TOKEN=server.rw_token or "",
        ADMIN_DATABASE_URL=f"file:{admin_db}",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=600,
    )


ADMIN_LIST_PROBE = textwrap.dedent(
    """
    from django.contrib.auth import get_user_model
    from django.test import Client
    user = get_user_model().objects.create_superuser("probe", "", "probe-pass-123")
    client = Client()
    client.force_login(user)
    from interview.models import Question
    response = client.get("/admin/interview/question/", HTTP_HOST="127.0.0.1")
    page = response.content.decode()
    newest = list(Question.objects.exclude(status="deleted").order_by("-last_updated").values_list("id", flat=True)[:5])
    print("STATUS", response.status_code)
    print("ROWS", sum(f">{qid}<" in page for qid in newest))
    """
)


def test_migrate_and_push_on_a_real_libsql_server_change_nothing_and_the_admin_lists_questions(
    legacy_server: SqldServer, tmp_path: Path
) -> None:
    before = remote_table_hashes(legacy_server)
    assert len(before) == 12 and before["questions"][0] == 400
    admin_db = tmp_path / "admin.sqlite3"

    for command in (("migrate", "--no-input"), ("db_push", "--yes")):
        result = run_manage(legacy_server, admin_db, *command)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "already exists" not in result.stdout + result.stderr

    # Same tables (none added), same rows.
    assert remote_table_hashes(legacy_server) == before

    probe = run_manage(legacy_server, admin_db, "shell", "-c", ADMIN_LIST_PROBE)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert "STATUS 200" in probe.stdout
    # The five most recently updated questions are on the first page.
    assert "ROWS 5" in probe.stdout, probe.stdout[-2000:]
