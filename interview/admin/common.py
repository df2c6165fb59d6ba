"""What the question list and the review queue share: narrow rows, the same columns.

Both list questions at a fixed, small number of queries (each one is a
network round trip to Turso), so both read only the columns they show.
"""

from __future__ import annotations

from html import escape as html_escape
from typing import Any
from urllib.parse import quote as urlquote

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from core import encodings
from interview.list_rows import truncate_chars
from interview.models import Difficulty, Question, QuestionStatus

QUESTION_PREVIEW_LENGTH = 90


def choice_label(choices: Any, value: Any) -> str:
    """A choice's label; a stored value outside the choices shown as itself, marked."""
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return f"{value} (unknown)"


def source_name(request: HttpRequest) -> str:
    """Who a history row says made the change."""
    return request.user.get_username()


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a POST: the page's `next` when it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return default


class NarrowChangeList(ChangeList):
    """Reads only the columns the list shows.

    A page of 100 questions with every column (answers, explanations,
    diagrams) is about half a megabyte from Turso; the list needs a few
    short columns. Actions re-read their rows in full (`get_queryset`), so
    only the displayed page is narrowed.
    """

    def get_results(self, request: HttpRequest) -> None:
        self.queryset = self.queryset.only(*self.model_admin.changelist_columns)
        super().get_results(request)

    def url_for_result(self, result: Any) -> str:
        """Django's change-page address, resolved once per page instead of twice per row."""
        parts = self.__dict__.get("_change_url_parts")
        if parts is None:
            marker = "oi-pk-marker"
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(marker,),
                current_app=self.model_admin.admin_site.name,
            )
            parts = self._change_url_parts = url.split(marker, 1)
        # What reverse() does to the argument: the admin's quoting, then URL quoting.
        pk = urlquote(quote(getattr(result, self.pk_attname)), safe=RFC3986_SUBDELIMS + "/~:@")
        return f"{parts[0]}{pk}{parts[1]}"


class QuestionColumnsMixin:
    """The columns the question list and the review queue both show."""

    # The question columns the list display reads (see NarrowChangeList).
    changelist_columns = (
        "id", "question", "channel", "sub_channel", "difficulty", "status", "relevance_score", "last_updated",
    )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return NarrowChangeList

    def get_question(self, request: HttpRequest, object_id: str) -> Question:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No question with id {unquote(object_id)!r}.")
        return obj

    def action_checkbox(self, obj: Question) -> str:
        # Django renders a CheckboxInput through the form template engine for
        # each row: a third of the list's server time at 100 rows. Same
        # markup; escaped as format_html does, without its per-call overhead.
        pk = html_escape(str(obj.pk))
        return mark_safe(
            f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{pk}" class="action-select" '
            f'aria-label="Select this object for an action - {html_escape(str(obj))}">'
        )

    @admin.display(description="id", ordering="id")
    def question_id(self, obj: Question) -> str:
        # The whole id on hover: CSS cuts a long one with an ellipsis.
        pk = html_escape(str(obj.pk))
        return mark_safe(f'<span class="oi-id" title="{pk}">{pk}</span>')

    @admin.display(description="question", ordering="question")
    def question_short(self, obj: Question) -> str:
        return truncate_chars(obj.question or "", QUESTION_PREVIEW_LENGTH)

    @admin.display(description="channel / sub-channel", ordering="channel")
    def channel_display(self, obj: Question) -> str:
        return f"{obj.channel} / {obj.sub_channel}"

    @admin.display(description="last updated", ordering="last_updated")
    def last_updated_display(self, obj: Question) -> str:
        # The admin's date formatting looks the format up per value through the
        # locale machinery; this is the same text (`2026-01-13 03:29 UTC`), once.
        return encodings.display_timestamp(obj.last_updated) if obj.last_updated else "—"

    @admin.display(description="difficulty", ordering="difficulty")
    def difficulty_display(self, obj: Question) -> str:
        return choice_label(Difficulty, obj.difficulty)

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Question) -> str:
        return choice_label(QuestionStatus, obj.status)
