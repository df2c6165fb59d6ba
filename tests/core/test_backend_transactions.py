"""Transactions, batching and connection reuse on the default database
(SQLite in the first pass, a real sqld in the second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.databases import CONTENT_DB
from core.databases import content_connection as connection
from core.db.backends.libsql import hrana

pytestmark = [pytest.mark.sqld, pytest.mark.django_db(transaction=True)]

TABLE = "backend_test_item"


@pytest.fixture
def item_table() -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE "{TABLE}" (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)'
        )
    yield TABLE
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


def names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT name FROM "{TABLE}" ORDER BY name')
        return [row[0] for row in cursor.fetchall()]


def insert(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{TABLE}" (name) VALUES (%s)', [name])


class Boom(Exception):
    pass


def test_rollback_undoes_writes(item_table: str) -> None:
    with pytest.raises(Boom), transaction.atomic(using=CONTENT_DB):
        insert("a")
        raise Boom
    assert names() == []


def test_reads_inside_a_transaction_see_its_writes(item_table: str) -> None:
    with transaction.atomic(using=CONTENT_DB):
        insert("a")
        assert names() == ["a"]
        assert User.objects.create_user("reader", password="x").pk is not None
        assert User.objects.filter(username="reader").exists()
    assert names() == ["a"]


def test_savepoint_rollback_undoes_only_its_part(item_table: str) -> None:
    with transaction.atomic(using=CONTENT_DB):
        insert("outer")
        with pytest.raises(Boom), transaction.atomic(using=CONTENT_DB):
            insert("inner")
            assert names() == ["inner", "outer"]
            raise Boom
        insert("after")
    assert names() == ["after", "outer"]


def test_unique_violation_is_integrity_error_and_transaction_survives(item_table: str) -> None:
    with pytest.raises(Boom), transaction.atomic(using=CONTENT_DB):
        insert("a")
        with pytest.raises(IntegrityError), transaction.atomic(using=CONTENT_DB):
            insert("a")
        insert("b")
        assert names() == ["a", "b"]
        raise Boom
    assert names() == []


def test_executemany_of_2000_rows_costs_a_handful_of_round_trips(
    item_table: str, on_real_server: bool
) -> None:
    rows = [(f"name-{index:05d}",) for index in range(2000)]
    before = connection.round_trips
    with transaction.atomic(using=CONTENT_DB), connection.cursor() as cursor:
        cursor.executemany(f'INSERT INTO "{TABLE}" (name) VALUES (%s)', rows)
        assert cursor.rowcount == 2000
    spent = connection.round_trips - before
    if on_real_server:
        # BEGIN, two batches of 1000, COMMIT.
        assert spent <= 2 + 2000 // hrana.BATCH_MAX_STATEMENTS
    else:
        assert spent == 0
    assert len(names()) == 2000


def test_executemany_failure_raises_and_rolls_back_cleanly(item_table: str) -> None:
    rows = [("x1",), ("x2",), ("x1",), ("x3",)]
    with pytest.raises(Boom), transaction.atomic(using=CONTENT_DB):
        insert("before")
        with pytest.raises(IntegrityError), transaction.atomic(using=CONTENT_DB):
            with connection.cursor() as cursor:
                cursor.executemany(f'INSERT INTO "{TABLE}" (name) VALUES (%s)', rows)
        # The savepoint undid the partial batch; the transaction goes on.
        assert names() == ["before"]
        raise Boom
    assert names() == []


def test_execute_batch_runs_different_statements_in_one_round_trip(
    item_table: str, on_real_server: bool
) -> None:
    before = connection.round_trips
    with transaction.atomic(using=CONTENT_DB):
        results = connection.execute_batch(
            [
                (f'INSERT INTO "{TABLE}" (name) VALUES (%s), (%s)', ["a", "b"]),
                (f'UPDATE "{TABLE}" SET name = %s WHERE name = %s', ["c", "b"]),
                (f'INSERT INTO "{TABLE}" (name) VALUES (%s) RETURNING id', ["d"]),
            ]
        )
    if on_real_server:
        assert connection.round_trips - before == 3  # BEGIN, the batch, COMMIT
    assert [result.affected_rows for result in results] == [2, 1, 1]
    assert results[2].rows == [(results[2].last_insert_rowid,)]
    assert names() == ["a", "c", "d"]


def test_execute_batch_is_all_or_nothing(item_table: str) -> None:
    with pytest.raises(IntegrityError):
        connection.execute_batch(
            [
                (f'INSERT INTO "{TABLE}" (name) VALUES (%s)', ["a"]),
                (f'INSERT INTO "{TABLE}" (name) VALUES (%s)', ["a"]),
                (f'INSERT INTO "{TABLE}" (name) VALUES (%s)', ["b"]),
            ]
        )
    assert names() == []


def test_one_tcp_connection_serves_many_queries(item_table: str, on_real_server: bool) -> None:
    insert("warm-up")
    connects_before = connection.tcp_connects
    round_trips_before = connection.round_trips
    for index in range(30):
        insert(f"n{index}")
        assert len(names()) == index + 2
    if on_real_server:
        assert connection.tcp_connects == connects_before
        assert connection.round_trips - round_trips_before == 60
    else:
        assert connection.tcp_connects == 0


def test_health_check_reuses_a_usable_connection() -> None:
    connection.ensure_connection()
    raw = connection.connection
    assert connection.is_usable()
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is raw


def test_foreign_keys_are_enforced() -> None:
    from django.contrib.auth.models import Group

    with pytest.raises(IntegrityError), transaction.atomic():
        group = Group.objects.create(name="editors")
        group.permissions.through.objects.create(group=group, permission_id=987654)
    assert not Group.objects.exists()


def test_parameters_are_stored_as_sqlite3_would_store_them(item_table: str) -> None:
    import datetime
    import decimal

    values = [
        datetime.datetime(2026, 1, 13, 3, 29, 0, 972000),
        datetime.date(2026, 1, 13),
        decimal.Decimal("12.50"),
        True,
        connection.Database.Binary(b"\x00\xff"),
        1.5,
        None,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["%s, typeof(%s)"] * len(values)),
            [value for value in values for _ in range(2)],
        )
        row = cursor.fetchone()
    assert list(zip(row[::2], row[1::2], strict=True)) == [
        ("2026-01-13 03:29:00.972000", "text"),
        ("2026-01-13", "text"),
        ("12.50", "text"),
        (1, "integer"),
        (b"\x00\xff", "blob"),
        (1.5, "real"),
        (None, "null"),
    ]
