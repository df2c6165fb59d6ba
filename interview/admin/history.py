"""A question's recorded changes: its timeline, one change compared field by field, revert.

Bots, people and imports all leave `question_history` rows; these pages
read them (`interview.selectors`) and put an earlier state back through
`interview.services.revert_question`, itself a history row.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from core import encodings
from core.admin import ReadOnlyAdminMixin
from interview import compare, selectors, services
from interview.admin.common import choice_label, source_name
from interview.models import HistoryEventType, Question, QuestionHistory


class QuestionHistoryMixin:
    """The question admin's history pages: the timeline, one entry, revert."""

    def history_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/<int:entry_id>/",
                view(self.history_entry_view),
                name="interview_question_history_entry",
            ),
            path(
                "<path:object_id>/history/<int:entry_id>/revert/",
                view(self.revert_view),
                name="interview_question_revert",
            ),
        ]

    def timeline_rows(self, obj: Question) -> list[dict[str, Any]]:
        return [
            {
                "entry": entry,
                "event_label": choice_label(HistoryEventType, entry.event_type),
                "field_labels": compare.field_labels(entry.changed_fields) if isinstance(entry.changed_fields, list) else [],
                "comparisons": compare.compare_snapshots(entry.before_snapshot, entry.after_snapshot),
                "compare_url": reverse("admin:interview_question_history_entry", args=[obj.pk, entry.pk]),
            }
            for entry in selectors.question_timeline(question_id=obj.pk)
        ]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        """The question's whole timeline (bots, people, imports), newest first."""
        obj = self.get_question(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "opts": self.model._meta,
            "original": obj,
            "object": obj,
            "timeline": self.timeline_rows(obj),
            "can_revert": self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/interview/question/history.html", context)

    def _history_entry(self, obj: Question, entry_id: int) -> QuestionHistory:
        entry = selectors.history_entry(question_id=obj.pk, entry_id=entry_id)
        if entry is None:
            raise Http404(f"{obj.pk} has no history entry #{entry_id}.")
        return entry

    def history_entry_view(self, request: HttpRequest, object_id: str, entry_id: int) -> HttpResponse:
        obj = self.get_question(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entry = self._history_entry(obj, entry_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{obj.pk}: {choice_label(HistoryEventType, entry.event_type)} by {entry.source_name or entry.event_source}",
            "subtitle": None,
            "opts": self.model._meta,
            "original": obj,
            "entry": entry,
            "event_label": choice_label(HistoryEventType, entry.event_type),
            "comparisons": compare.compare_snapshots(entry.before_snapshot, entry.after_snapshot),
            "can_revert": self.has_change_permission(request, obj) and isinstance(entry.before_snapshot, dict) and bool(entry.before_snapshot),
            "revert_url": reverse("admin:interview_question_revert", args=[obj.pk, entry.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/interview/question/history_entry.html", context)

    def revert_view(self, request: HttpRequest, object_id: str, entry_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Revert is a POST.", status=405, content_type="text/plain")
        obj = self.get_question(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        entry = self._history_entry(obj, entry_id)
        back = reverse("admin:interview_question_history_entry", args=[obj.pk, entry.pk])
        try:
            result = services.revert_question(
                question=obj,
                entry=entry,
                source_name=source_name(request),
                actor=request.user,
                reason=request.POST.get("reason") or None,
            )
        except services.ModerationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(back)
        except services.EditConflict as conflict:
            self.message_user(request, f"{conflict} Nothing was reverted.", messages.ERROR)
            return HttpResponseRedirect(back)
        kept = (
            f" The status stays {result.status_kept}: {services.STATUS_RULE}." if result.status_kept is not None else ""
        )
        if result.changed:
            self.message_user(
                request,
                f"Reverted {', '.join(result.history.changed_fields)} to before entry #{entry.pk}.{kept}",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                f"{obj.pk} already holds the values from before entry #{entry.pk}; nothing changed.{kept}",
                messages.WARNING,
            )
        return redirect("admin:interview_question_history", obj.pk)


@admin.register(QuestionHistory)
class QuestionHistoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every recorded change, read-only; each opens its field-by-field comparison."""

    admin_section = "moderation"
    list_display = ["created_at", "question_link", "question_type", "event_type", "event_source", "source_name", "fields_display", "reason_short"]
    list_filter = ["event_type", "event_source", "question_type"]
    search_fields = ["=question_id", "source_name", "reason"]
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = ["question_id", "question_type", "event_type", "event_source", "source_name", "changes_summary", "reason", "created_at", "metadata_display", "comparison"]
    fields = readonly_fields


    @admin.display(description="question", ordering="question_id")
    def question_link(self, obj: QuestionHistory) -> str:
        if obj.question_type != "question":
            return obj.question_id
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:interview_question_history_entry", args=[obj.question_id, obj.pk]),
            obj.question_id,
        )

    @admin.display(description="changed fields")
    def fields_display(self, obj: QuestionHistory) -> str:
        fields = obj.changed_fields
        if isinstance(fields, list):
            return ", ".join(compare.field_labels(fields))
        return "" if fields is None else str(fields)

    @admin.display(description="reason")
    def reason_short(self, obj: QuestionHistory) -> str:
        return Truncator(obj.reason or "").chars(80)

    @admin.display(description="metadata")
    def metadata_display(self, obj: QuestionHistory) -> str:
        if obj.metadata is None:
            return "—"
        return format_html("<pre>{}</pre>", encodings.to_node_json(obj.metadata))

    @admin.display(description="comparison")
    def comparison(self, obj: QuestionHistory) -> str:
        return render_to_string(
            "admin/interview/_comparison.html",
            {"comparisons": compare.compare_snapshots(obj.before_snapshot, obj.after_snapshot)},
        )
