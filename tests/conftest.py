"""Shared test fixtures. The libSQL server helpers live in `tests/sqld.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sqld import SqldServer, start_sqld
from tests.sqld import on_real_server as _on_real_server


@pytest.fixture(scope="session")
def sqld_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqldServer]:
    """A JWT-authenticated sqld for the whole session (`.url`, `.rw_token`, `.ro_token`)."""
    server = start_sqld(Path(tmp_path_factory.mktemp("sqld")), jwt_auth=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_real_server() -> bool:
    """True in the sqld pass, where the default database is a libSQL server."""
    return _on_real_server()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: the question list keeps its
    channel choices for minutes, which would leak one test's data into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
