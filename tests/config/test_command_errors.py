"""Any management command that cannot reach or authenticate with the
database ends with one plain sentence and exit code 2, never a traceback
and never the token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.shared_data import PROJECT_DIR
from tests.support.sqld import SqldServer

TOKEN = "eyJhbGciOiJFZERTQSJ9.not-a-real-token.c2lnbmF0dXJl"


def manage(
    *args: str, url: str, token: str | None, database: str = "admin", data_dir: str = ""
) -> subprocess.CompletedProcess[str]:
    """`manage.py` with the admin database (or the content database) at `url`;
    the other one is an embedded file under `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "ADMIN_"))}
    env["OI_DATA_DIR"] = data_dir
    prefix = "ADMIN_DATABASE" if database == "admin" else "TURSO_DATABASE"
    env[f"{prefix}_URL"] = url
    if token is not None:
        env[f"{prefix.removesuffix('_DATABASE')}_AUTH_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("command", "database"),
    [
        (["migrate", "--no-input"], "admin"),
        (["createsuperuser", "--no-input", "--username", "x", "--email", "x@example.com"], "admin"),
        (["db_push", "--yes"], "content"),
        (["db_check"], "content"),
    ],
)
def test_unreachable_server(command: list[str], database: str, tmp_path: Path) -> None:
    result = manage(*command, url="http://127.0.0.1:1", token=TOKEN, database=database, data_dir=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == "Cannot reach the libSQL server at 127.0.0.1:1: connection refused."
    assert TOKEN not in result.stdout + result.stderr


def test_refused_token(sqld_server: SqldServer, tmp_path: Path) -> None:
    result = manage("migrate", "--no-input", url=sqld_server.url, token=TOKEN, data_dir=str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the auth token" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stdout + result.stderr


def test_read_only_token_writing(sqld_server: SqldServer, tmp_path: Path) -> None:
    result = manage(
        "db_push", "--yes", url=sqld_server.url, token=sqld_server.ro_token, database="content",
        data_dir=str(tmp_path),
    )
    assert result.returncode == 2
    assert "read-only" in result.stderr and "Traceback" not in result.stderr
    assert (sqld_server.ro_token or "") not in result.stdout + result.stderr
