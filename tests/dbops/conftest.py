"""Fixtures for the db_* command tests: a legacy database, a fresh sqld per
test, and `in_process` to run commands against another database in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.db_commands import MAKE_LEGACY_DB, InProcessDatabase, build_legacy_db
from tests.support.shared_data import require_shared, unavailable
from tests.support.sqld import SqldServer, SqldUnavailable, start_sqld


@pytest.fixture
def in_process(django_db_blocker: Any) -> Iterator[Callable[..., InProcessDatabase]]:
    """`in_process(path)` or `in_process(url=..., token=...)`: run commands in-process."""
    opened: list[InProcessDatabase] = []

    def open_database(
        path: Path | None = None, *, url: str | None = None, token: str | None = None
    ):
        database = InProcessDatabase(name=url or str(path), url=url, token=token)
        opened.append(database)
        return database

    with django_db_blocker.unblock():
        yield open_database
        for database in opened:
            database.close()


@pytest.fixture(scope="session")
def legacy_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as the Node app left it (built once; copy before changing it)."""
    require_shared(MAKE_LEGACY_DB)
    return build_legacy_db(tmp_path_factory.mktemp("legacy") / "legacy.sqlite3")


@pytest.fixture
def legacy_db(legacy_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the legacy database for one test."""
    copy = tmp_path / "legacy.sqlite3"
    shutil.copyfile(legacy_db_template, copy)
    return copy


@pytest.fixture
def fresh_sqld(tmp_path: Path) -> Iterator[SqldServer]:
    """A new JWT-authenticated sqld with an empty database, for one test."""
    try:
        server = start_sqld(tmp_path, jwt_auth=True)
    except SqldUnavailable as exc:
        unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()
