"""Date lookups, dates()/datetimes() and Trunc/Extract on TEXT timestamps
in both shapes the database holds, without Python SQL functions."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.db import connection, models
from django.db.models.functions import (
    ExtractIsoWeekDay,
    ExtractIsoYear,
    ExtractQuarter,
    ExtractWeek,
    ExtractWeekDay,
    TruncDate,
    TruncHour,
    TruncMonth,
    TruncQuarter,
    TruncTime,
    TruncWeek,
)
from django.test.utils import isolate_apps

pytestmark = [pytest.mark.sqld, pytest.mark.django_db]

UTC = datetime.UTC
# id -> stored text, in the Node app's ISO shape and SQLite's shape.
STORED = {
    1: "2026-01-13T03:29:00.972Z",
    2: "2026-01-13 03:29:00",
    3: "2025-12-31T23:59:59.500Z",
    4: "2026-12-31T22:00:00.000Z",
    5: "2026-02-01 00:00:00",
    6: "2027-01-01T00:00:00Z",
}


def instant(stored: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stored.replace("Z", "+00:00")).replace(tzinfo=UTC)


@pytest.fixture
def stamp() -> Iterator[type[models.Model]]:
    with isolate_apps("core"):

        class Stamp(models.Model):
            created = models.DateTimeField()

            class Meta:
                app_label = "core"
                db_table = "backend_test_stamp"
                managed = False

            def __str__(self) -> str:
                return str(self.created)

    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "backend_test_stamp" (id INTEGER PRIMARY KEY, created TEXT NOT NULL)'
        )
        cursor.executemany(
            'INSERT INTO "backend_test_stamp" (id, created) VALUES (%s, %s)', list(STORED.items())
        )
    yield Stamp


def ids(queryset: models.QuerySet) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_values_read_back_as_aware_utc_datetimes(stamp: type[models.Model]) -> None:
    assert {row.pk: row.created for row in stamp.objects.all()} == {
        pk: instant(text) for pk, text in STORED.items()
    }


def test_year_month_and_date_lookups(stamp: type[models.Model]) -> None:
    objects = stamp.objects
    assert ids(objects.filter(created__year=2026)) == {1, 2, 4, 5}
    assert ids(objects.filter(created__year=2025)) == {3}
    assert ids(objects.filter(created__year__gte=2026)) == {1, 2, 4, 5, 6}
    assert ids(objects.filter(created__year__lte=2026)) == {1, 2, 3, 4, 5}
    assert ids(objects.filter(created__year__gt=2026)) == {6}
    assert ids(objects.filter(created__month=1)) == {1, 2, 6}
    assert ids(objects.filter(created__day=31)) == {3, 4}
    assert ids(objects.filter(created__date=datetime.date(2026, 1, 13))) == {1, 2}
    assert ids(objects.filter(created__date__gte=datetime.date(2026, 12, 31))) == {4, 6}


def test_comparisons_with_datetimes_across_both_shapes(stamp: type[models.Model]) -> None:
    objects = stamp.objects
    second = datetime.datetime(2026, 1, 13, 3, 29, tzinfo=UTC)
    assert ids(objects.filter(created__gte=second)) == {1, 2, 4, 5, 6}
    assert ids(objects.filter(created__gt=second)) == {1, 4, 5, 6}
    assert ids(objects.filter(created__lte=second)) == {2, 3}
    assert ids(objects.filter(created__exact=second)) == {2}
    with_millis = datetime.datetime(2026, 1, 13, 3, 29, 0, 972000, tzinfo=UTC)
    assert ids(objects.filter(created=with_millis)) == {1}
    assert ids(objects.filter(created__gte=second + datetime.timedelta(milliseconds=500))) == {
        1,
        4,
        5,
        6,
    }
    assert ids(objects.filter(created__lt=datetime.datetime(2026, 1, 1, tzinfo=UTC))) == {3}
    assert ids(
        objects.filter(
            created__range=(
                datetime.datetime(2026, 12, 31, tzinfo=UTC),
                datetime.datetime(2027, 1, 1, tzinfo=UTC),
            )
        )
    ) == {4, 6}
    assert ids(objects.filter(created__in=[second, with_millis])) == {1, 2}


def test_dates_and_datetimes_for_date_hierarchy(stamp: type[models.Model]) -> None:
    objects = stamp.objects
    assert list(objects.dates("created", "year")) == [
        datetime.date(2025, 1, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2027, 1, 1),
    ]
    assert list(objects.dates("created", "month")) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 1),
    ]
    assert list(objects.filter(created__year=2026, created__month=1).dates("created", "day")) == [
        datetime.date(2026, 1, 13)
    ]
    assert list(objects.filter(created__year=2026).datetimes("created", "month")) == [
        datetime.datetime(2026, 1, 1, tzinfo=UTC),
        datetime.datetime(2026, 2, 1, tzinfo=UTC),
        datetime.datetime(2026, 12, 1, tzinfo=UTC),
    ]
    # What the admin's date_hierarchy filters with for one day.
    day = datetime.datetime(2026, 1, 13, tzinfo=UTC)
    assert ids(objects.filter(created__gte=day, created__lt=day + datetime.timedelta(days=1))) == {
        1,
        2,
    }


def test_trunc_and_extract_match_python(stamp: type[models.Model]) -> None:
    rows = stamp.objects.annotate(
        week=ExtractWeek("created"),
        iso_year=ExtractIsoYear("created"),
        week_day=ExtractWeekDay("created"),
        iso_week_day=ExtractIsoWeekDay("created"),
        quarter=ExtractQuarter("created"),
        month_start=TruncMonth("created"),
        quarter_start=TruncQuarter("created"),
        week_start=TruncWeek("created"),
        hour=TruncHour("created"),
        day=TruncDate("created"),
        time=TruncTime("created"),
    )
    for row in rows:
        moment = instant(STORED[row.pk])
        iso = moment.isocalendar()
        assert row.week == iso.week, row.pk
        assert row.iso_year == iso.year, row.pk
        assert row.week_day == moment.isoweekday() % 7 + 1, row.pk
        assert row.iso_week_day == moment.isoweekday(), row.pk
        assert row.quarter == (moment.month + 2) // 3, row.pk
        assert row.month_start == moment.replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        ), row.pk
        quarter_month = moment.month - (moment.month - 1) % 3
        assert row.quarter_start == moment.replace(
            month=quarter_month, day=1, hour=0, minute=0, second=0, microsecond=0
        ), row.pk
        monday = (moment - datetime.timedelta(days=moment.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        assert row.week_start == monday, row.pk
        assert row.hour == moment.replace(minute=0, second=0, microsecond=0), row.pk
        assert row.day == moment.date(), row.pk
        assert row.time == moment.time().replace(tzinfo=None), row.pk


def test_generated_sql_calls_no_python_functions(stamp: type[models.Model]) -> None:
    queryset = stamp.objects.filter(
        created__year=2026, created__date=datetime.date(2026, 1, 13)
    ).dates("created", "week")
    assert "django_" not in str(queryset.query)
