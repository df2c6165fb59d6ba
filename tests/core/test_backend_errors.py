"""Connection, authentication and read-only failures as plain sentences,
against a JWT-authenticated sqld (and SQLite files for the local mode)."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, OperationalError
from django.db.utils import ConnectionHandler
from django.test import RequestFactory

from config.middleware import DatabaseErrorMiddleware
from core.databases import content_connection as connection
from core.db.errors import ReadOnlyDatabaseError, describe_database_error, read_only_token_sentence
from tests.support.sqld import SqldServer, on_real_server

ENGINE = "core.db.backends.libsql"


@pytest.fixture
def open_database(django_db_blocker: Any) -> Iterator[Any]:
    """Opens throwaway Django connections (not the default database) from
    DATABASES entries."""
    handlers: list[ConnectionHandler] = []

    def open_(entry: dict[str, Any]) -> Any:
        handler = ConnectionHandler({"default": entry})
        handlers.append(handler)
        return handler["default"]

    with django_db_blocker.unblock():
        yield open_
        for handler in handlers:
            handler.close_all()


def remote_entry(url: str, token: str | None, *, read_only: bool = False) -> dict[str, Any]:
    return {
        "ENGINE": ENGINE,
        "NAME": url,
        "OPTIONS": {"url": url, "auth_token": token or "", "read_only": read_only},
    }


def failure_of(database: Any, sql: str) -> DatabaseError:
    with pytest.raises(DatabaseError) as caught, database.cursor() as cursor:
        cursor.execute(sql)
    return caught.value


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_is_one_sentence(open_database: Any) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    error = failure_of(open_database(remote_entry(url, "secret-token-value")), "SELECT 1")
    assert isinstance(error, OperationalError)
    expected = f"Cannot reach the libSQL server at 127.0.0.1:{port}: connection refused."
    assert str(error) == expected
    assert describe_database_error(error, url=url) == expected


def test_bad_token_is_refused_without_echoing_it(
    open_database: Any, sqld_server: SqldServer
) -> None:
    token = "not-a-valid-jwt-but-a-secret"
    error = failure_of(open_database(remote_entry(sqld_server.url, token)), "SELECT 1")
    address = sqld_server.url.removeprefix("http://")
    assert str(error) == f"The libSQL server at {address} refused the auth token (HTTP 401)."
    assert isinstance(error, OperationalError)
    assert token not in repr(error) and token not in str(error.__cause__)


def test_missing_token_says_which_variable_to_set(
    open_database: Any, sqld_server: SqldServer
) -> None:
    error = failure_of(open_database(remote_entry(sqld_server.url, None)), "SELECT 1")
    assert "requires an auth token" in str(error)
    assert "TURSO_AUTH_TOKEN" in str(error)


def test_read_only_token_writing_is_refused_by_the_server(
    open_database: Any, sqld_server: SqldServer
) -> None:
    database = open_database(remote_entry(sqld_server.url, sqld_server.ro_token))
    with database.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master")
        assert cursor.fetchone()[0] >= 0
    error = failure_of(database, "CREATE TABLE ro_probe (id INTEGER)")
    address = sqld_server.url.removeprefix("http://")
    assert isinstance(error, ReadOnlyDatabaseError)
    assert str(error) == (
        f"The libSQL server at {address} accepted the token as read-only; "
        "this change needs a read-write token (TURSO_AUTH_TOKEN)."
    )
    assert sqld_server.ro_token not in str(error)
    assert describe_database_error(error, url=sqld_server.url) == str(error)


def test_read_only_option_refuses_writes_before_sending(
    open_database: Any, sqld_server: SqldServer
) -> None:
    database = open_database(remote_entry(sqld_server.url, sqld_server.rw_token, read_only=True))
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
        before = database.round_trips
        with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
            cursor.execute("INSERT INTO anything (x) VALUES (%s)", [1])
        with pytest.raises(ReadOnlyDatabaseError):
            database.execute_batch([("DELETE FROM anything", None)])
    assert database.round_trips == before


def test_read_only_option_still_allows_transactions_and_reads(
    open_database: Any, sqld_server: SqldServer
) -> None:
    database = open_database(remote_entry(sqld_server.url, sqld_server.rw_token, read_only=True))
    with database.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SAVEPOINT s1")
        cursor.execute("WITH t(x) AS (SELECT 1) SELECT x FROM t")
        assert cursor.fetchone() == (1,)
        cursor.execute("PRAGMA table_info(sqlite_master)")
        cursor.execute("RELEASE SAVEPOINT s1")
        cursor.execute("COMMIT")


def test_read_only_option_on_a_local_file(open_database: Any, tmp_path: Path) -> None:
    path = tmp_path / "local.sqlite3"
    writable = open_database({"ENGINE": ENGINE, "NAME": str(path), "OPTIONS": {}})
    with writable.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x INTEGER)")
        cursor.execute("INSERT INTO t VALUES (1)")
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    read_only = open_database({"ENGINE": ENGINE, "NAME": str(path), "OPTIONS": {"read_only": True}})
    with read_only.cursor() as cursor:
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchall() == [(1,)]
        with pytest.raises(ReadOnlyDatabaseError):
            cursor.execute("UPDATE t SET x = 2")


def test_creating_a_test_database_refuses_non_loopback_servers(open_database: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    database = open_database(remote_entry("libsql://example-db.turso.io", "token"))
    with pytest.raises(ImproperlyConfigured, match="example-db.turso.io"):
        database.creation._create_test_db(verbosity=0, autoclobber=True)


def test_middleware_renders_unavailable_database_as_503_without_the_host(
    open_database: Any,
) -> None:
    port = closed_port()
    error = failure_of(open_database(remote_entry(f"http://127.0.0.1:{port}", "t")), "SELECT 1")
    middleware = DatabaseErrorMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().get("/admin/"), error)
    assert response is not None and response.status_code == 503
    page = response.content.decode()
    assert "The database is not answering right now" in page
    assert "127.0.0.1" not in page and str(port) not in page


def test_middleware_renders_read_only_refusal_as_403_without_the_host() -> None:
    middleware = DatabaseErrorMiddleware(lambda request: None)
    error = ReadOnlyDatabaseError(read_only_token_sentence("open-interview-acme.turso.io:443"))
    response = middleware.process_exception(RequestFactory().post("/admin/login/"), error)
    assert response is not None and response.status_code == 403
    page = response.content.decode()
    assert "Nothing was changed: this site is connected to its database read-only" in page
    assert "turso.io" not in page and "acme" not in page


def test_middleware_renders_a_database_busy_too_long_as_503_asking_to_try_again() -> None:
    middleware = DatabaseErrorMiddleware(lambda request: None)
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as cause:
            raise OperationalError("database is locked") from cause
    except OperationalError as error:
        response = middleware.process_exception(RequestFactory().post("/admin/"), error)
    assert response is not None and response.status_code == 503
    page = response.content.decode()
    assert "Another save is in progress" in page
    assert "nothing was lost. Try again in a moment." in page
    assert response["Retry-After"] == "5"


def test_middleware_leaves_other_database_errors_alone() -> None:
    middleware = DatabaseErrorMiddleware(lambda request: None)
    assert (
        middleware.process_exception(RequestFactory().get("/"), DatabaseError("no such table: x"))
        is None
    )


@pytest.mark.sqld
@pytest.mark.django_db
def test_the_sqld_pass_really_runs_on_the_server() -> None:
    """Guards the second pass against silently falling back to SQLite."""
    configured = bool(os.environ.get("TURSO_DATABASE_URL", "").startswith("http"))
    assert on_real_server() == configured
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert (connection.round_trips > 0) == configured
