"""The db_* commands against a real libSQL server (sqld) with JWT auth."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dbops import schema_contract as contract
from dbops.schema_sync import check_schema
from tests.support.db_commands import (
    InProcessDatabase,
    make_drifted_db,
    remote_query,
    remote_rows,
    remote_tables,
    run_manage,
    sqlite_rows,
    sqlite_tables,
)
from tests.support.shared_data import unavailable
from tests.support.sqld import SqldServer, SqldUnavailable, start_sqld


@pytest.fixture(scope="module")
def legacy_server(
    legacy_db_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqldServer]:
    """One sqld holding the legacy database, for the read-only and token cases."""
    try:
        server = start_sqld(tmp_path_factory.mktemp("sqld-legacy"), jwt_auth=True)
    except SqldUnavailable as exc:
        unavailable(str(exc))
    try:
        dump = tmp_path_factory.mktemp("legacy-dump") / "legacy.sql"
        with sqlite3.connect(legacy_db_template) as db, dump.open("w", encoding="utf-8") as out:
            for statement in db.iterdump():
                out.write(statement + "\n")
        loaded = run_manage(
            "db_restore", str(dump), "--quiet", url=server.url, token=server.rw_token
        )
        assert loaded.returncode == 0, loaded.output
        yield server
    finally:
        server.stop()


def assert_one_clean_line(result, *, secrets: tuple[str | None, ...]) -> str:
    assert "Traceback" not in result.output
    for secret in secrets:
        if secret:
            assert secret not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_dump_of_legacy_db_restores_into_a_fresh_server_row_by_row(
    legacy_db: Path,
    tmp_path: Path,
    fresh_sqld: SqldServer,
    in_process: Callable[..., InProcessDatabase],
) -> None:
    dump = tmp_path / "legacy.sql.gz"
    assert in_process(legacy_db).run("db_dump", "-o", str(dump), "--quiet").returncode == 0

    remote = in_process(url=fresh_sqld.url, token=fresh_sqld.rw_token)
    result = remote.run("db_restore", str(dump), "--quiet")
    assert result.returncode == 0, result.output
    statements = int(result.stdout.split(" statements")[0].rsplit(" ", 1)[1])
    # The engine's batch API: many statements per request, not one each
    # (the rest is a fixed handful: write check, emptiness check, BEGIN, COMMIT...).
    assert statements > 500
    assert remote.connection.round_trips <= 12

    assert remote_tables(fresh_sqld) == sqlite_tables(legacy_db)
    for table in sqlite_tables(legacy_db):
        assert remote_rows(fresh_sqld, table) == sqlite_rows(legacy_db, table), table
    with sqlite3.connect(legacy_db) as db:
        assert (
            remote_query(fresh_sqld, "SELECT name, seq FROM sqlite_sequence ORDER BY name")
            == db.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name").fetchall()
        )

    # And back: the server's dump restores into a file identical to the source.
    again = tmp_path / "again.sql"
    assert remote.run("db_dump", "-o", str(again), "--quiet").returncode == 0
    copy = tmp_path / "copy.sqlite3"
    assert in_process(copy).run("db_restore", str(again), "--quiet").returncode == 0
    for table in sqlite_tables(legacy_db):
        assert sqlite_rows(copy, table) == sqlite_rows(legacy_db, table), table


def test_read_write_token_pushes_once_and_check_is_one_round_trip(
    fresh_sqld: SqldServer, in_process: Callable[..., InProcessDatabase]
) -> None:
    remote = in_process(url=fresh_sqld.url, token=fresh_sqld.rw_token)
    first = remote.run("db_push", "--yes")
    assert first.returncode == 0, first.output
    assert set(contract.contract_table_names()) <= set(remote_tables(fresh_sqld))
    assert "Nothing to do." in remote.run("db_push", "--yes").stdout

    connection = remote.connection
    before = connection.round_trips
    report = check_schema(connection=connection)
    assert connection.round_trips - before == 1
    assert report.differences == []
    check = remote.run("db_check", "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["in_sync"] is True


def test_rebuild_on_the_server_keeps_every_row(
    tmp_path: Path, fresh_sqld: SqldServer, in_process: Callable[..., InProcessDatabase]
) -> None:
    drifted = tmp_path / "drift.sqlite3"
    make_drifted_db(drifted, in_process(drifted))
    dump = tmp_path / "drift.sql"
    assert in_process(drifted).run("db_dump", "-o", str(dump), "--quiet").returncode == 0
    remote = in_process(url=fresh_sqld.url, token=fresh_sqld.rw_token)
    assert remote.run("db_restore", str(dump), "--quiet").returncode == 0
    before = remote_rows(fresh_sqld, "bot_runs")

    result = remote.run(
        "db_push", "--yes", "--allow-rebuild", "--dump-to", str(tmp_path / "pre.sql.gz")
    )
    assert result.returncode == 0, result.output
    assert (tmp_path / "pre.sql.gz").is_file()
    after = remote_rows(fresh_sqld, "bot_runs")
    assert [(r[0], r[1], int(r[5]), r[9], r[10]) for r in after] == [
        (r[0], r[1], int(r[5]), r[9], r[10]) for r in before
    ]
    assert remote_query(fresh_sqld, "SELECT typeof(items_processed) FROM bot_runs LIMIT 1") == [
        ("integer",)
    ]
    kinds = {(d.name, d.kind) for d in check_schema(connection=remote.connection).unexplained}
    assert kinds == {
        ("node_flag", contract.EXTRA_COLUMN),
        ("node_idx_bot_runs_flag", contract.EXTRA_INDEX),
    }


@pytest.mark.parametrize(
    "args",
    [("db_check",), ("db_introspect",), ("db_status", "--json"), ("db_dump", "--quiet")],
    ids=["check", "introspect", "status", "dump"],
)
def test_read_only_token_can_read(legacy_server: SqldServer, args: tuple[str, ...]) -> None:
    result = run_manage(*args, url=legacy_server.url, token=legacy_server.ro_token)
    assert result.returncode == 0, result.output
    assert legacy_server.ro_token not in result.output
    if args[0] == "db_status":
        status = json.loads(result.stdout)
        assert status["writable"] is False
        assert status["server_version"].startswith("sqld ")
        assert status["row_counts"]["questions"] == len(remote_rows(legacy_server, "questions"))
        assert status["location"] == legacy_server.url
    if args[0] == "db_dump":
        assert result.stdout.count('INSERT INTO "questions"') == len(
            remote_rows(legacy_server, "questions")
        )


@pytest.mark.parametrize(
    "args", [("db_push", "--yes"), ("db_restore", "--force", "DUMP")], ids=["push", "restore"]
)
def test_read_only_token_cannot_write(
    legacy_server: SqldServer, tmp_path: Path, args: tuple[str, ...]
) -> None:
    dump = tmp_path / "tiny.sql"
    dump.write_text("CREATE TABLE x (a);\n")
    args = tuple(str(dump) if a == "DUMP" else a for a in args)
    tables_before = remote_tables(legacy_server)
    result = run_manage(*args, url=legacy_server.url, token=legacy_server.ro_token)
    assert result.returncode == 2
    line = assert_one_clean_line(result, secrets=(legacy_server.ro_token, legacy_server.rw_token))
    assert "accepted the token as read-only" in line
    assert remote_tables(legacy_server) == tables_before


@pytest.mark.parametrize("case", ["bad token", "no token", "unreachable"])
def test_connection_failures_are_one_line_and_exit_2(legacy_server: SqldServer, case: str) -> None:
    url, token = {
        "bad token": (legacy_server.url, legacy_server.rw_token[:-4] + "AAAA"),
        "no token": (legacy_server.url, None),
        "unreachable": ("http://127.0.0.1:9", legacy_server.rw_token),
    }[case]
    result = run_manage("db_check", url=url, token=token)
    assert result.returncode == 2
    line = assert_one_clean_line(result, secrets=(token, legacy_server.rw_token))
    expected = {
        "bad token": "refused the auth token",
        "no token": "requires an auth token",
        "unreachable": "Cannot reach the libSQL server at 127.0.0.1:9",
    }[case]
    assert expected in line
