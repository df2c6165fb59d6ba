"""The changelist's rows, rendered as Django's admin renders them, in a fraction of the time.

Django's `items_for_result` resolves every column again for every cell
(`lookup_field`, the empty-value text, the link decision, the preserved
filters of each row's address): at 100 rows of 8 columns that is most of
the questions list's server time. `result_rows` resolves each column once
per page and then only calls the value of each cell, producing the same
HTML, escaped the same way (`conditional_escape`, as `format_html` does).

It covers the columns a list of ours shows: model fields without relations
and the model admin's display methods. A page with anything else (an
editable list, a popup, a related field, a property, a callable) is
rendered by Django's own code, so the output never differs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape as html_escape
from typing import Any

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import _get_non_gfk_field, display_for_field, display_for_value
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import get_language

# Cell values that repeat down a column (a channel, a status, a score) are
# displayed once per page; other values are not remembered.
_REMEMBERED_TYPES = (str, int, type(None))


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    classes: str  # "field-x" (and "nowrap" for dates), as Django computes them
    link_tag: str  # "th" or "td" when the cell links to the change page, else ""
    empty: str
    cell: Callable[[Any], tuple[Any, bool]]  # row -> (the cell's text, a date/time value)


def _field_cell(field: models.Field, empty: str, *, avoid_link: bool) -> Callable[[Any], tuple[Any, bool]]:
    attname = field.attname
    shown: dict[Any, Any] = {}  # the display of each repeated value, for this page

    def cell(row: Any) -> tuple[Any, bool]:
        value = getattr(row, attname)
        if type(value) in _REMEMBERED_TYPES and value in shown:
            return shown[value], False
        if isinstance(value, str) and value.strip() == "":
            display = display_for_field("", field, empty, avoid_link=avoid_link)
        else:
            display = display_for_field(value, field, empty, avoid_link=avoid_link)
        if type(value) in _REMEMBERED_TYPES:
            shown[value] = display
        return display, False

    return cell


def _method_cell(method: Callable[[Any], Any], empty: str, boolean: bool) -> Callable[[Any], tuple[Any, bool]]:
    def cell(row: Any) -> tuple[Any, bool]:
        try:
            value = method(row)
        except ObjectDoesNotExist:
            return empty, False
        if isinstance(value, str) and not boolean:
            # What display_for_value makes of a text: itself, or the empty display.
            return (value if value.strip() else empty), False
        return display_for_value(value, empty, boolean), isinstance(value, (datetime.date, datetime.time))

    return cell


def template_escape(text: Any) -> str:
    """What a template prints for `text` (`conditional_escape`), without its per-call lazy-string wrapper."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html_escape(str(text))


def _columns(cl: Any) -> list[_Column] | None:
    """Each column resolved once; None when a column needs Django's general code."""
    model_admin = cl.model_admin
    opts = cl.model._meta
    default_empty = model_admin.get_empty_value_display()
    columns: list[_Column] = []
    first = True
    for index, name in enumerate(cl.list_display):
        if not isinstance(name, str):
            return None
        if cl.list_display_links is None:
            linked = False
        elif first and not cl.list_display_links:
            linked = True
        else:
            linked = name in cl.list_display_links
        link_tag = ("th" if first else "td") if linked else ""
        if linked:
            first = False
        classes = [f"field-{_coerce_field_name(name, index)}"]
        try:
            field = _get_non_gfk_field(opts, name)
        except FieldDoesNotExist:
            field = None
        except Exception:  # noqa: BLE001 - a foreign key's column name and the like: Django's code
            return None
        if field is not None:
            if field.auto_created or field.remote_field is not None:
                return None
            if isinstance(field, (models.DateField, models.TimeField)):
                classes.append("nowrap")
            cell = _field_cell(field, default_empty, avoid_link=linked)
            empty = default_empty
        elif name != "__str__" and hasattr(model_admin, name) and callable(getattr(model_admin, name)):
            method = getattr(model_admin, name)
            if isinstance(method, property):
                return None
            empty = getattr(method, "empty_value_display", default_empty)
            if name == "action_checkbox":
                classes = ["action-checkbox"]
            cell = _method_cell(method, empty, getattr(method, "boolean", False))
        else:
            return None
        columns.append(_Column(name, " ".join(classes), link_tag, empty, cell))
    return columns


def _row_links(cl: Any) -> Callable[[Any], str] | None:
    """A row -> its change-page address with the list's filters, as Django builds it."""
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    tail: list[str] = []

    def link(row: Any) -> str:
        url = cl.url_for_result(row)
        if not tail:
            # The filters appended to an address depend only on its route,
            # the same for every row; computed on the first.
            full = add_preserved_filters(context, url)
            if not full.startswith(url):
                raise NoReverseMatch
            tail.append(full[len(url) :])
        return url + tail[0]

    return link


def result_rows(cl: Any) -> list[ResultList] | None:
    """The page's rows as Django's `results(cl)` renders them, one safe string a row.

    None when the page needs Django's general code (see the module docstring).
    """
    if cl.formset or cl.is_popup:
        return None
    columns = _columns(cl)
    if columns is None:
        return None
    link = _row_links(cl)
    prefixes = [mark_safe(f'<{c.link_tag or "td"} class="{c.classes}') for c in columns]
    rows: list[ResultList] = []
    try:
        for row in cl.result_list:
            parts: list[str] = []
            href = ""
            for column, prefix in zip(columns, prefixes, strict=True):
                text, is_date = column.cell(row)
                parts.append(prefix)
                if is_date:
                    parts.append(" nowrap")
                shown = template_escape(text)
                if column.link_tag:
                    href = href or escape(link(row))
                    parts.append(f'"><a href="{href}">{shown}</a></{column.link_tag}>')
                else:
                    parts.append(f'">{shown}</td>')
            rows.append(ResultList(None, [SafeString("".join(parts))]))
    except NoReverseMatch:
        return None
    return rows


@lru_cache(maxsize=64)
def _ascii_cut(language: str | None, length: int) -> tuple[int, str]:
    """Where an ASCII text longer than `length` is cut, and the translated ellipsis pattern."""
    return calculate_truncate_chars_length(length, None), add_truncation_text("%s")


def truncate_chars(text: str, length: int) -> str:
    """`Truncator(text).chars(length)`, without its per-character scan for the usual ASCII text.

    An ASCII prefix has no combining characters and is its own NFC form, so
    the cut is a slice; anything else goes through Truncator.
    """
    head = text[: length + 1]
    if not head.isascii() or length <= 0:
        return Truncator(text).chars(length)
    if len(head) <= length:
        return text
    cut, pattern = _ascii_cut(get_language(), length)
    return pattern.replace("%s", text[:cut], 1)


def fast_result_list(cl: Any) -> dict[str, Any]:
    """Django's `result_list` context, with the rows from `result_rows` when it can."""
    rows = result_rows(cl)
    if rows is None:
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows,
    }
