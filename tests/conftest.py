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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every database test may use both databases: the admin's own (`default`)
    and the Node app's content (`content`). A test that names its databases
    keeps its choice."""
    from pytest_django.fixtures import validate_django_db

    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            transaction, reset_sequences, databases, serialized_rollback, available_apps = (
                validate_django_db(marker)
            )
            if databases is not None:
                continue
        elif {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
            transaction = reset_sequences = serialized_rollback = False
            available_apps = None
        else:
            continue
        item.add_marker(
            pytest.mark.django_db(
                transaction=transaction,
                reset_sequences=reset_sequences,
                databases="__all__",
                serialized_rollback=serialized_rollback,
                available_apps=available_apps,
            ),
            append=False,
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """The test content database gets the Node app's 12 tables the way a real
    one does: from the schema contract (`db_push`), not from migrations."""
    from django.db import connections

    from core.databases import CONTENT_DB
    from dbops.schema_sync import apply_push, plan_push

    with django_db_blocker.unblock():
        connection = connections[CONTENT_DB]
        apply_push(connection=connection, plan=plan_push(connection=connection))
