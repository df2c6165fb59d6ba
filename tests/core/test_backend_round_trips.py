"""Logging a query costs no extra round trip (Django's sqlite3 backend asks
the database to QUOTE() the parameters of every logged query)."""

from __future__ import annotations

import pytest
from django.test.utils import CaptureQueriesContext

from core.databases import content_connection as connection
from core.db.backends.libsql.operations import quote_sql_literal

pytestmark = [pytest.mark.django_db, pytest.mark.sqld]


def test_logged_queries_cost_one_round_trip_each(on_real_server: bool) -> None:
    connection.ensure_connection()
    before = connection.round_trips
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        for value in ("it's", 42, None):
            cursor.execute("SELECT %s, %s", [value, b"\x01\xff"])
    assert [q["sql"] for q in captured.captured_queries] == [
        "SELECT 'it''s', X'01FF'",
        "SELECT 42, X'01FF'",
        "SELECT NULL, X'01FF'",
    ]
    assert connection.round_trips - before == (3 if on_real_server else 0)


@pytest.mark.parametrize(
    ("value", "literal"),
    [(None, "NULL"), (True, "1"), (7, "7"), (1.5, "1.5"), ("a'b", "'a''b'"), (b"\x00", "X'00'")],
)
def test_quote_matches_sqlite_quote(value: object, literal: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT QUOTE(%s)", [value])
        assert cursor.fetchone()[0] == literal == quote_sql_literal(value)
