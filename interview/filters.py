"""List filters for the question screens.

The admin's own filters cover choices and booleans. What it lacks is here:
channel lists read from a short-lived cache instead of a `SELECT DISTINCT`
over every question on each page view, a status filter that hides deleted
questions until asked, presence filters for the optional texts, and ranges
(relevance score, dates) validated by a django-filter FilterSet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import django_filters
from django.contrib import admin
from django.contrib.admin.filters import BooleanFieldListFilter, ChoicesFieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from core.facets import Facets, queryset_facets
from interview import quality, selectors
from interview.models import HistoryEventSource, QuestionStatus

# The columns "show counts" reads for the question list, in one GROUP BY
# (core.facets.queryset_facets). Each is stored in the row before the long
# texts are reached or next to them, so grouping costs one read of the
# table; the presence filters (diagram, explanation, ELI5/TL;DR) and the JSON
# check would load every long text, so they show no counts.
QUESTION_FACET_FIELDS = ("status", "channel", "sub_channel", "difficulty", "voice_suitable", "is_new")


def question_facets(list_filter: Any, changelist: Any) -> Facets:
    """The grouped counts over the list as every other filter narrows it (Django's
    "show counts" rule: a filter's own choice does not narrow its own counts)."""
    base = changelist.get_queryset(list_filter.request, exclude_parameters=list_filter.expected_parameters())
    return queryset_facets(list_filter.request, base, QUESTION_FACET_FIELDS)


class GroupedChoicesFilter(ChoicesFieldListFilter):
    """A choice field's filter (difficulty) counting from the shared grouped query."""

    def get_facet_queryset(self, changelist: Any) -> dict[str, int]:
        totals = question_facets(self, changelist).counts(self.field_path)
        return {f"{i}__c": totals.get(value, 0) for i, (value, _) in enumerate(self.field.flatchoices)}


class GroupedBooleanFilter(BooleanFieldListFilter):
    """A yes/no field's filter (voice-suitable, new) counting from the shared grouped query."""

    def get_facet_queryset(self, changelist: Any) -> dict[str, int]:
        totals = question_facets(self, changelist).counts(self.field_path)
        return {"true__c": totals.get(True, 0), "false__c": totals.get(False, 0), "null__c": totals.get(None, 0)}


class NoCountsMixin:
    """A filter whose counts would read every long text: its choices never show counts."""

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ChannelPickerFilter(admin.ListFilter):
    """Channel and sub-channel typed or picked from a list, instead of a link per value.

    96 channels and 149 sub-channels as links made the sidebar 6,700 px
    tall. Here they are two text fields with suggestions (`<datalist>`);
    interview/channel_picker.js narrows the sub-channels to the chosen
    channel as it is typed. With "show counts" on, each suggestion carries
    its count, from the shared grouped query.
    """

    title = "channel"
    template = "admin/interview/channel_picker.html"
    channel_parameter = "channel"
    sub_channel_parameter = "sub_channel"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        for name in self.expected_parameters():
            if name in params:
                value = params.pop(name)
                value = value[-1] if isinstance(value, list) else value
                if value:
                    self.used_parameters[name] = value
        self.other_params = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in self.expected_parameters() and key != "p"
            for value in values
        ]

    @property
    def channel(self) -> str:
        return self.used_parameters.get(self.channel_parameter, "")

    @property
    def sub_channel(self) -> str:
        return self.used_parameters.get(self.sub_channel_parameter, "")

    def expected_parameters(self) -> list[str]:
        return [self.channel_parameter, self.sub_channel_parameter]

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.channel:
            queryset = queryset.filter(channel=self.channel)
        if self.sub_channel:
            queryset = queryset.filter(sub_channel=self.sub_channel)
        return queryset

    def choices(self, changelist: Any) -> list[dict[str, Any]]:
        pairs = tuple(selectors.channel_pairs())
        if changelist.add_facets:
            facets = question_facets(self, changelist)
            channel_counts = facets.counts("channel")
            sub_counts = facets.counts("sub_channel", where={"channel": self.channel}) if self.channel else facets.counts("sub_channel")
            options = _picker_options(pairs, self.channel, channel_counts, sub_counts)
        else:
            # The same few hundred options on every list page: built once per
            # set of channels and chosen channel.
            options = _picker_options_without_counts(pairs, self.channel)
        return [{
            **options,
            "clear_url": changelist.get_query_string(remove=self.expected_parameters()),
            "active": bool(self.channel or self.sub_channel),
        }]


def _picker_options(
    pairs: tuple[tuple[str, str], ...],
    chosen: str,
    channel_counts: dict[str, int] | None,
    sub_counts: dict[str, int] | None,
) -> dict[str, str]:
    """The picker's <option>s, built here, not in the template: a few hundred
    through the template engine were a tenth of the list's server time."""
    label = lambda value, counts: f"{value} ({counts.get(value, 0)})" if counts is not None else value  # noqa: E731
    sub_options = [
        (channel, sub, label(sub, sub_counts) if channel == chosen or not chosen else sub) for channel, sub in pairs
    ]
    option = '<option value="{}" label="{}"></option>'
    sub_option = '<option value="{}" data-channel="{}" label="{}"></option>'
    every_sub = format_html_join("", sub_option, ((sub, channel, text) for channel, sub, text in sub_options))
    return {
        "channel_options": format_html_join(
            "", option, ((channel, label(channel, channel_counts)) for channel in dict.fromkeys(c for c, _ in pairs))
        ),
        "sub_channel_options": every_sub
        if not chosen
        else format_html_join("", sub_option, ((sub, channel, text) for channel, sub, text in sub_options if channel == chosen)),
        "all_sub_channel_options": every_sub,
    }


@functools.lru_cache(maxsize=64)
def _picker_options_without_counts(pairs: tuple[tuple[str, str], ...], chosen: str) -> dict[str, str]:
    return _picker_options(pairs, chosen, None, None)


class ChannelFilter(admin.SimpleListFilter):
    title = "channel"
    parameter_name = "channel"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(channel, channel) for channel in selectors.channels()]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(channel=self.value()) if self.value() else queryset


def _review_queue_values(request: HttpRequest, index: int) -> list[str]:
    """Distinct non-empty values of one column of `selectors.review_queue_facets`,
    read once per request for both of the queue's filters."""
    cached = request.__dict__.get("_oi_review_queue_facets")
    if cached is None:
        cached = request.__dict__["_oi_review_queue_facets"] = selectors.review_queue_facets()
    return sorted({str(row[index]) for row in cached if row[index] not in (None, "")})


class FlaggedChannelFilter(ChannelFilter):
    """Review queue: only the channels flagged questions are in."""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(channel, channel) for channel in _review_queue_values(request, 0)]


class FlaggedDifficultyFilter(admin.SimpleListFilter):
    """Review queue: only the difficulties flagged questions have."""

    title = "difficulty"
    parameter_name = "difficulty"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, value.capitalize()) for value in _review_queue_values(request, 1)]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(difficulty=self.value()) if self.value() else queryset


class StatusFilter(admin.SimpleListFilter):
    """Deleted questions are out of the default list, one click away."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # Every status moderation knows, by its own label; NULL and unknown
        # values are under "Not deleted" (the app treats them as active).
        return [*QuestionStatus.choices, (self.ALL, "All, deleted included")]

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(changelist):
            if choice["display"] == "All":
                choice["display"] = "Not deleted"
            yield choice

    def get_facet_queryset(self, changelist: Any) -> dict[str, int]:
        totals = question_facets(self, changelist).counts("status")
        return {
            f"{i}__c": sum(totals.values()) if value == self.ALL else totals.get(value, 0)
            for i, (value, _) in enumerate(self.lookup_choices)
        }

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        if value == self.ALL:
            return queryset
        if value:
            return queryset.filter(status=value)
        # NULL and unknown statuses are shown: the app treats them as live.
        return queryset.exclude(status=QuestionStatus.DELETED)


class PresenceFilter(NoCountsMixin, admin.SimpleListFilter):
    """Whether an optional text column holds something."""

    field_name = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        empty = quality.missing_text(self.field_name)
        if self.value() == "yes":
            return queryset.exclude(empty)
        if self.value() == "no":
            return queryset.filter(empty)
        return queryset


class HasDiagramFilter(PresenceFilter):
    title = "has diagram"
    parameter_name = "has_diagram"
    field_name = "diagram"


class HasExplanationFilter(PresenceFilter):
    title = "has explanation"
    parameter_name = "has_explanation"
    field_name = "explanation"


class InvalidJSONFilter(NoCountsMixin, admin.SimpleListFilter):
    """Questions whose JSON column holds legacy text that is not JSON (the home page counts them)."""

    title = "not valid JSON in"
    parameter_name = "invalid_json"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, label.capitalize()) for name, label in quality.json_columns()]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        names = {name for name, _ in quality.json_columns()}
        if self.value() in names:
            return queryset.filter(quality.invalid_json(self.value()))
        return queryset


class HasSummaryFilter(NoCountsMixin, admin.SimpleListFilter):
    title = "has ELI5 / TL;DR"
    parameter_name = "has_summary"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("eli5", "Has ELI5"),
            ("tldr", "Has TL;DR"),
            ("both", "Has both"),
            ("neither", "Has neither"),
        ]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        has_eli5 = ~models.Q(eli5__isnull=True) & ~models.Q(eli5="")
        has_tldr = ~models.Q(tldr__isnull=True) & ~models.Q(tldr="")
        condition = {
            "eli5": has_eli5,
            "tldr": has_tldr,
            "both": has_eli5 & has_tldr,
            "neither": ~has_eli5 & ~has_tldr,
        }.get(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


class FlagSourceFilter(admin.SimpleListFilter):
    """Review queue: who flagged it, a bot, a person or an import."""

    title = "flagged by"
    parameter_name = "flag_source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (HistoryEventSource.BOT, "A bot"),
            (HistoryEventSource.USER, "A person"),
            (HistoryEventSource.IMPORT, "An import"),
            ("unknown", "No flag recorded"),
        ]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.value() == "unknown":
            return queryset.filter(flag_source__isnull=True)
        return queryset.filter(flag_source=self.value()) if self.value() else queryset


# --- Ranges, through django-filter --------------------------------------------


def _start_of(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class QuestionRangeFilterSet(django_filters.FilterSet):
    """Validates and applies the range parameters; the admin filter below renders it."""

    relevance = django_filters.RangeFilter(field_name="relevance_score", label="Relevance score")
    created = django_filters.DateFromToRangeFilter(method="filter_day_range", label="Created")
    updated = django_filters.DateFromToRangeFilter(method="filter_day_range", label="Last updated")

    FIELD_FOR = {"created": "created_at", "updated": "last_updated"}

    def filter_day_range(self, queryset: models.QuerySet, name: str, value: Any) -> models.QuerySet:
        column = self.FIELD_FOR[name]
        # Whole days, inclusive: `before` 2026-01-13 keeps all of the 13th.
        if value.start:
            queryset = queryset.filter(**{f"{column}__gte": _start_of(value.start)})
        if value.stop:
            queryset = queryset.filter(**{f"{column}__lt": _start_of(value.stop) + timedelta(days=1)})
        return queryset


class FlaggedRangeFilterSet(django_filters.FilterSet):
    flagged = django_filters.DateFromToRangeFilter(method="filter_flagged", label="Flagged")

    def filter_flagged(self, queryset: models.QuerySet, name: str, value: Any) -> models.QuerySet:
        # flagged_at_sortable is 'YYYY-MM-DD HH:MM:SS.SSS', so day strings compare correctly.
        if value.start:
            queryset = queryset.filter(flagged_at_sortable__gte=value.start.isoformat())
        if value.stop:
            queryset = queryset.filter(
                flagged_at_sortable__lt=(value.stop + timedelta(days=1)).isoformat()
            )
        return queryset


@dataclass(frozen=True)
class RangeField:
    """One field of a range filter's form, rendered."""

    label: str
    widget: SafeString
    errors: tuple[str, ...] = ()


@functools.cache
def _unfilled_range_fields(filterset_class: type[django_filters.FilterSet], model: type[models.Model]) -> tuple[RangeField, ...]:
    # Nearly every list page shows the range form empty: the same HTML each
    # time, so it is rendered once (a FilterSet builds its form class anew
    # for every instance, and each field renders through the form templates).
    return _range_fields(filterset_class(data=None, queryset=model._default_manager.none()))


def _range_fields(filterset: django_filters.FilterSet) -> tuple[RangeField, ...]:
    return tuple(
        RangeField(label=str(field.label), widget=SafeString(str(field)), errors=tuple(field.errors))
        for field in filterset.form
    )


class RangeListFilter(admin.ListFilter):
    """An admin list filter that renders a FilterSet's form (min/max, from/to)."""

    filterset_class: type[django_filters.FilterSet] = QuestionRangeFilterSet
    template = "admin/interview/range_filter.html"
    title = "ranges"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        names = self.expected_parameters()
        self.used = {}
        for name in names:
            if name in params:
                value = params.pop(name)
                self.used[name] = value[-1] if isinstance(value, list) else value
        self.model = model
        self.other_params = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in names and key != "p"
            for value in values
        ]

    @functools.cached_property
    def filterset(self) -> django_filters.FilterSet:
        return self.filterset_class(data=self.used or None, queryset=self.model._default_manager.none())

    def fields(self) -> tuple[RangeField, ...]:
        """The form's fields as the sidebar shows them: label, inputs, errors."""
        return _range_fields(self.filterset) if self.used else _unfilled_range_fields(self.filterset_class, self.model)

    def expected_parameters(self) -> list[str]:
        names = []
        for name, filter_ in self.filterset_class.base_filters.items():
            widget = filter_.field.widget
            suffixes = getattr(widget, "suffixes", None)
            names += [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]
        return names

    def has_output(self) -> bool:
        return True

    def choices(self, changelist: Any) -> list[Any]:
        return []

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if not self.used:
            return queryset
        if not self.filterset.is_valid():
            raise IncorrectLookupParameters(self.filterset.errors)
        return self.filterset.filter_queryset(queryset)


class FlaggedDateFilter(RangeListFilter):
    filterset_class = FlaggedRangeFilterSet
    title = "flag date"
