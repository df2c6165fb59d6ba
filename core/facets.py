"""List filters whose choices come from one grouped query per page view.

Django's `AllValuesFieldListFilter` runs one `SELECT DISTINCT` per filter;
on Turso each is a network round trip. A `facet_filter` instead reads the
choices of all of a list's filters from one `GROUP BY` over their columns
(`facet_counts`), computed once per request and shared. The work queue also
shows its counts by status from the same query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest


@dataclass(frozen=True)
class Facets:
    """Row counts for each combination of some columns' values."""

    fields: tuple[str, ...]
    rows: tuple[tuple[tuple[object, ...], int], ...]  # (values in `fields` order, count)

    def counts(self, field: str, *, where: dict[str, object] | None = None) -> Counter:
        """Rows per value of `field`, among the rows whose `where` fields hold those values."""
        index = self.fields.index(field)
        conditions = [(self.fields.index(name), value) for name, value in (where or {}).items()]
        totals: Counter = Counter()
        for values, count in self.rows:
            if all(values[i] == value for i, value in conditions):
                totals[values[index]] += count
        return totals

    def values(self, field: str) -> list[object]:
        """Distinct non-empty values of `field`, sorted."""
        return sorted((v for v in self.counts(field) if v not in (None, "")), key=str)


def facet_counts(*, model: type[models.Model], fields: tuple[str, ...]) -> Facets:
    """One GROUP BY over `fields` of the whole table."""
    rows = (
        model._default_manager.order_by()
        .values_list(*fields)
        .annotate(row_count=models.Count("pk"))
    )
    return Facets(fields=fields, rows=tuple((tuple(row[:-1]), row[-1]) for row in rows))


def request_facets(
    request: HttpRequest, model: type[models.Model], fields: tuple[str, ...]
) -> Facets:
    """`facet_counts` computed once per request, shared by every filter of the page."""
    cache = request.__dict__.setdefault("_oi_facets", {})
    key = (model, fields)
    if key not in cache:
        cache[key] = facet_counts(model=model, fields=fields)
    return cache[key]


def queryset_facets(request: HttpRequest, queryset: QuerySet, fields: tuple[str, ...]) -> Facets:
    """One GROUP BY over `fields` of `queryset`, shared by every filter asking
    for the same rows in one request.

    Django counts a filter's choices ("show counts") over the list filtered
    by every other filter. Without an active filter those rows are the same
    for all of them, so the whole sidebar costs one query; each active
    filter adds one (its own counts ignore its own choice).
    """
    cache = request.__dict__.setdefault("_oi_queryset_facets", {})
    try:
        sql, params = queryset.query.sql_with_params()
        key: tuple | None = (queryset.model, fields, sql, tuple(map(str, params)))
    except Exception:  # EmptyResultSet and the like: count without sharing
        key = None
    if key is not None and key in cache:
        return cache[key]
    rows = queryset.order_by().values_list(*fields).annotate(row_count=models.Count("pk"))
    facets = Facets(fields=fields, rows=tuple((tuple(row[:-1]), row[-1]) for row in rows))
    if key is not None:
        cache[key] = facets
    return facets


class FacetValueFilter(admin.SimpleListFilter):
    """Filter on one column, its choices read from the shared grouped query."""

    facet_fields: tuple[str, ...] = ()
    field_name = ""

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        facets = request_facets(request, model_admin.model, self.facet_fields)
        return [(str(value), str(value)) for value in facets.values(self.field_name)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(**{self.field_name: value}) if value else queryset


def facet_filter(field_name: str, title: str, facet_fields: tuple[str, ...]) -> type:
    """A FacetValueFilter on `field_name`; `facet_fields` are all the list's facet columns."""
    return type(
        f"{field_name.title().replace('_', '')}Filter",
        (FacetValueFilter,),
        {
            "title": title,
            "parameter_name": field_name,
            "field_name": field_name,
            "facet_fields": facet_fields,
        },
    )
