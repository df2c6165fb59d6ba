"""SQL generation for the libSQL engine.

Django's sqlite3 backend computes date parts, truncation and date casts
with Python functions it registers on each connection
(`django_date_extract()` and friends). A remote libSQL server cannot call
Python, so this class emits plain SQLite date functions instead, in local
mode too, so both modes return the same answers.

Timestamps in this database are TEXT in two shapes, ISO 8601 as written
by JavaScript ('2026-01-13T03:29:00.972Z') and SQLite's own
('2026-01-13 03:29:00'). SQLite's date functions read both. Comparisons
of a DateTimeField with a value normalise the stored text to Django's
format first, because the two shapes do not sort together as text ('T'
sorts after ' ').

Only UTC is supported for time-zone aware date functions: SQLite has no
time-zone database, and a remote server cannot use Python's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import NotSupportedError
from django.db.backends.sqlite3.operations import DatabaseOperations as SQLiteDatabaseOperations
from django.utils.functional import cached_property

Params = Sequence[Any]
SqlWithParams = tuple[str, tuple[Any, ...]]

UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "+00:00", "-00:00", "Universal", "Zulu"}
)
# Lookups whose right-hand side is compared with the column as text.
DATETIME_COMPARISON_LOOKUPS = frozenset({"exact", "gt", "gte", "lt", "lte", "range", "in"})


def _integer(sql: str) -> str:
    return f"CAST({sql} AS INTEGER)"


def _iso_week_thursday(sql: str) -> str:
    """The Thursday of the ISO week containing `sql`; its year is the ISO
    year and its day of the year gives the ISO week number."""
    return f"date({sql}, '-3 days', 'weekday 4')"


def _quarter_start_month(sql: str) -> str:
    return f"printf('%%02d', ((CAST(strftime('%%m', {sql}) AS INTEGER) - 1) / 3) * 3 + 1)"


def _week_start(sql: str) -> str:
    """Monday of the week containing `sql` ('weekday 1' moves forward to a Monday)."""
    return f"date({sql}, '-6 days', 'weekday 1')"


def django_datetime_text(sql: str) -> str:
    """SQL turning a stored timestamp of either shape into Django's own text
    form ('YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC) so
    it compares correctly with the values Django binds. SQLite keeps
    milliseconds, so sub-millisecond digits are dropped. `sql` appears once:
    the result also serves as a `lookup_cast` template."""
    return f"replace(strftime('%%Y-%%m-%%d %%H:%%M:%%f', {sql}) || '000', '.000000', '')"


def quote_sql_literal(value: Any) -> str:
    """`value` as SQLite's QUOTE() writes it, computed here."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "X'" + bytes(value).hex().upper() + "'"
    return "'" + str(value).replace("'", "''") + "'"


class DatabaseOperations(SQLiteDatabaseOperations):
    def _quote_params_for_last_executed_query(self, params: Sequence[Any]) -> tuple[str, ...]:
        # Django's sqlite3 backend asks the database to QUOTE() every logged
        # query's parameters: on Turso that is a second round trip per query
        # whenever queries are logged (DEBUG, query-count tests, benchmarks).
        return tuple(quote_sql_literal(value) for value in params)

    def _in_time_zone(self, sql: str, tzname: str | None) -> str:
        if tzname is None or not settings.USE_TZ or tzname in UTC_NAMES:
            return sql
        raise NotSupportedError(
            f"Date functions in time zone {tzname!r} are not supported by the libSQL backend "
            "(SQLite has no time-zone database); only UTC is."
        )

    def lookup_cast(self, lookup_type: str, internal_type: str | None = None) -> str:
        if internal_type == "DateTimeField" and lookup_type in DATETIME_COMPARISON_LOOKUPS:
            # The result is a template applied with `% lhs`, so its own
            # literal percent signs need one more level of escaping.
            return django_datetime_text("%s").replace("%%", "%%%%")
        return super().lookup_cast(lookup_type, internal_type)

    def year_lookup_bounds_for_datetime_field(
        self, value: int, iso_year: bool = False
    ) -> list[str]:
        """Text bounds that hold stored timestamps of the year in either shape.

        `__year` compares the raw column with BETWEEN, skipping
        `lookup_cast`. In UTC the bounds are whole days, so the first day's
        date (which sorts before any time on it) and the last day's date
        followed by '~' (which sorts after any time on it) are exact.
        """
        first, last = super().year_lookup_bounds_for_datetime_field(value, iso_year=iso_year)
        if not (first.endswith(" 00:00:00") and last.endswith(" 23:59:59.999999")):
            return [first, last]
        return [first[:10], last[:10] + "~"]

    def date_extract_sql(self, lookup_type: str, sql: str, params: Params) -> SqlWithParams:
        return self._extract_sql(lookup_type, sql), tuple(params)

    def datetime_extract_sql(
        self, lookup_type: str, sql: str, params: Params, tzname: str | None
    ) -> SqlWithParams:
        return self._extract_sql(lookup_type, self._in_time_zone(sql, tzname)), tuple(params)

    def time_extract_sql(self, lookup_type: str, sql: str, params: Params) -> SqlWithParams:
        return self._extract_sql(lookup_type, sql), tuple(params)

    def _extract_sql(self, lookup_type: str, sql: str) -> str:
        lookup_type = lookup_type.lower()
        formats = {
            "year": "%%Y",
            "month": "%%m",
            "day": "%%d",
            "hour": "%%H",
            "minute": "%%M",
            "second": "%%S",
        }
        if lookup_type in formats:
            return _integer(f"strftime('{formats[lookup_type]}', {sql})")
        # strftime('%w'): 0 = Sunday .. 6 = Saturday.
        weekday = _integer(f"strftime('%%w', {sql})")
        if lookup_type == "week_day":
            return f"({weekday} + 1)"
        if lookup_type == "iso_week_day":
            return f"((({weekday} + 6) %% 7) + 1)"
        if lookup_type == "quarter":
            month = _integer(f"strftime('%%m', {sql})")
            return f"(({month} + 2) / 3)"
        thursday = _iso_week_thursday(sql)
        if lookup_type == "week":
            day_of_year = _integer(f"strftime('%%j', {thursday})")
            return f"(({day_of_year} - 1) / 7 + 1)"
        if lookup_type == "iso_year":
            return _integer(f"strftime('%%Y', {thursday})")
        raise ValueError(f"Unsupported lookup type: {lookup_type!r}")

    def date_trunc_sql(
        self, lookup_type: str, sql: str, params: Params, tzname: str | None = None
    ) -> SqlWithParams:
        sql = self._in_time_zone(sql, tzname)
        return self._date_trunc(lookup_type.lower(), sql), tuple(params)

    def _date_trunc(self, lookup_type: str, sql: str) -> str:
        if lookup_type == "year":
            return f"strftime('%%Y-01-01', {sql})"
        if lookup_type == "quarter":
            return f"(strftime('%%Y-', {sql}) || {_quarter_start_month(sql)} || '-01')"
        if lookup_type == "month":
            return f"strftime('%%Y-%%m-01', {sql})"
        if lookup_type == "week":
            return _week_start(sql)
        if lookup_type == "day":
            return f"date({sql})"
        raise ValueError(f"Unsupported lookup type: {lookup_type!r}")

    def datetime_trunc_sql(
        self, lookup_type: str, sql: str, params: Params, tzname: str | None
    ) -> SqlWithParams:
        sql = self._in_time_zone(sql, tzname)
        lookup_type = lookup_type.lower()
        time_formats = {
            "hour": "%%Y-%%m-%%d %%H:00:00",
            "minute": "%%Y-%%m-%%d %%H:%%M:00",
            "second": "%%Y-%%m-%%d %%H:%%M:%%S",
        }
        if lookup_type in time_formats:
            return f"strftime('{time_formats[lookup_type]}', {sql})", tuple(params)
        return f"({self._date_trunc(lookup_type, sql)} || ' 00:00:00')", tuple(params)

    def time_trunc_sql(
        self, lookup_type: str, sql: str, params: Params, tzname: str | None = None
    ) -> SqlWithParams:
        sql = self._in_time_zone(sql, tzname)
        time_formats = {"hour": "%%H:00:00", "minute": "%%H:%%M:00", "second": "%%H:%%M:%%S"}
        lookup_type = lookup_type.lower()
        if lookup_type not in time_formats:
            raise ValueError(f"Unsupported lookup type: {lookup_type!r}")
        return f"strftime('{time_formats[lookup_type]}', {sql})", tuple(params)

    def datetime_cast_date_sql(self, sql: str, params: Params, tzname: str | None) -> SqlWithParams:
        return f"date({self._in_time_zone(sql, tzname)})", tuple(params)

    def datetime_cast_time_sql(self, sql: str, params: Params, tzname: str | None) -> SqlWithParams:
        sql = self._in_time_zone(sql, tzname)
        return (
            f"(CASE WHEN strftime('%%f', {sql}) GLOB '*.000' THEN time({sql}) "
            f"ELSE strftime('%%H:%%M:%%f', {sql}) || '000' END)",
            tuple(params),
        )

    def subtract_temporals(
        self, internal_type: str, lhs: tuple[str, Params], rhs: tuple[str, Params]
    ) -> SqlWithParams:
        """Microseconds between two dates, datetimes or times, at
        millisecond precision (julianday() is a float of days)."""
        lhs_sql, lhs_params = lhs
        rhs_sql, rhs_params = rhs
        days = f"(julianday({lhs_sql}) - julianday({rhs_sql}))"
        sql = f"(CAST(ROUND({days} * 86400000) AS INTEGER) * 1000)"
        return sql, (*lhs_params, *rhs_params)

    def combine_duration_expression(self, connector: str, sub_expressions: list[str]) -> str:
        raise NotSupportedError(
            "Date arithmetic with durations (F() + timedelta) needs a Python function; "
            "the libSQL backend does not support it."
        )

    @cached_property
    def _references_graph(self) -> Callable[[str], list[str]]:
        return lru_cache(maxsize=512)(self._tables_referencing)

    def _tables_referencing(self, table_name: str) -> list[str]:
        """`table_name` and the tables whose foreign keys point at it,
        recursively (for `sql_flush(allow_cascade=True)`). Django's version
        uses REGEXP, a Python function."""
        query = """
        WITH tables AS (
            SELECT %s name
            UNION
            SELECT sqlite_master.name
            FROM sqlite_master
            JOIN tables ON (
                instr(lower(sql), lower('references "' || tables.name || '"')) > 0
                OR instr(lower(sql), lower('references ' || tables.name || ' ')) > 0
                OR instr(lower(sql), lower('references ' || tables.name || '(')) > 0
            )
        ) SELECT name FROM tables;
        """
        with self.connection.cursor() as cursor:
            cursor.execute(query, (table_name,))
            return [row[0] for row in cursor.fetchall()]
