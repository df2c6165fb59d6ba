"""The commands the README shows run as written in a fresh shell after `make run`.

A fresh shell has no DJANGO_DEBUG and no test-only flag: what makes settings
load there is the secret key `make run` wrote into `.env` once.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path

import pytest

from config.env import ensure_secret_key, parse_dotenv
from tests.support.shared_data import PROJECT_DIR

README = PROJECT_DIR / "README.md"
VENV_PYTHON = ".venv/bin/python"
COMMAND = re.compile(r"\.venv/bin/python manage\.py ([a-z_]+)")


def readme_commands() -> list[str]:
    return sorted(set(COMMAND.findall(README.read_text(encoding="utf-8"))))


def fresh_shell_env(data_dir: Path) -> dict[str, str]:
    """A login shell's environment: no development or test flags, the key from `.env`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TURSO_", "ADMIN_", "DJANGO_", "OI_")) and k != "VIRTUAL_ENV"
    }
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["OI_DATA_DIR"] = str(data_dir)
    # Plain HTTP is this shell's business only for runserver; commands ignore it.
    return env


def test_the_readme_shows_commands_the_way_they_run() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_commands(), "the README shows no manage.py command"
    bare = [line for line in text.splitlines() if re.search(r"(?<![/\w])python manage\.py", line)]
    assert bare == [], f"commands that need an activated virtualenv: {bare}"


def test_every_readme_command_runs_in_a_fresh_shell(tmp_path: Path) -> None:
    python = PROJECT_DIR / VENV_PYTHON
    if not python.exists():
        pytest.fail(f"{python} is missing: `make` creates it before the tests run")
    env = fresh_shell_env(tmp_path)
    for setup in (("migrate", "--no-input"), ("db_push", "--yes")):
        done = subprocess.run(
            [VENV_PYTHON, "manage.py", *setup], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    for command in readme_commands():
        shown = subprocess.run(
            [VENV_PYTHON, "manage.py", command, "--help"], cwd=PROJECT_DIR, env=env, capture_output=True,
            text=True, timeout=120,
        )
        assert shown.returncode == 0, f"{command}: {shown.stderr}"
    status = subprocess.run(
        [VENV_PYTHON, "manage.py", "db_status"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert "open-interview.sqlite3" in status.stdout


def test_make_run_writes_a_secret_key_once_and_never_replaces_one(tmp_path: Path) -> None:
    assert ensure_secret_key(base_dir=tmp_path, environ={}) is True
    dotenv = tmp_path / ".env"
    first = parse_dotenv(dotenv.read_text())["DJANGO_SECRET_KEY"]
    assert len(first) >= 50
    assert dotenv.stat().st_mode & 0o077 == 0

    assert ensure_secret_key(base_dir=tmp_path, environ={}) is False
    assert parse_dotenv(dotenv.read_text())["DJANGO_SECRET_KEY"] == first

    other = tmp_path / "other"
    other.mkdir()
    (other / ".env").write_text("TURSO_DATABASE_URL=file:questions.db")  # no final newline
    assert ensure_secret_key(base_dir=other, environ={}) is True
    values = parse_dotenv((other / ".env").read_text())
    assert values["TURSO_DATABASE_URL"] == "file:questions.db" and values["DJANGO_SECRET_KEY"]

    # A key in the environment wins: nothing is written.
    third = tmp_path / "third"
    third.mkdir()
    assert ensure_secret_key(base_dir=third, environ={"DJANGO_SECRET_KEY": "set"}) is False
    assert not (third / ".env").exists()
