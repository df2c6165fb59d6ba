"""The editorial admin for questions: list, form, moderation, review queue, history.

Writes go through `interview.services` (each leaves its `question_history`
row); reads that pages depend on come from `interview.selectors`, shaped to
keep every page at a fixed, small number of queries (each one is a network
round trip to Turso).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote as urlquote

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS, url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from core import encodings
from core.importing.admin import ImportExportAdminMixin
from core.ratelimit import seconds_until_allowed
from interview import compare, selectors, services
from interview.filters import (
    ChannelPickerFilter,
    FlaggedChannelFilter,
    FlaggedDateFilter,
    FlaggedDifficultyFilter,
    FlagSourceFilter,
    GroupedBooleanFilter,
    GroupedChoicesFilter,
    HasDiagramFilter,
    HasExplanationFilter,
    HasSummaryFilter,
    InvalidJSONFilter,
    RangeListFilter,
    StatusFilter,
)
from interview.forms import FlagForm, QuestionForm
from interview.list_rows import truncate_chars
from interview.models import (
    Difficulty,
    FlaggedQuestion,
    HistoryEventType,
    Question,
    QuestionHistory,
    QuestionStatus,
)
from interview.preview import render_markdown
from search import changelist as search_changelist
from search import views as search_views

MODERATE_PERMISSION = services.MODERATE_PERMISSION
FLAG_PERMISSION = services.FLAG_PERMISSION
QUESTION_PREVIEW_LENGTH = 90


def _label(choices: Any, value: Any) -> str:
    """A choice's label; a stored value outside the choices shown as itself, marked."""
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return f"{value} (unknown)"


def _source_name(request: HttpRequest) -> str:
    return request.user.get_username()


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


class QuestionChangeList(search_changelist.RankedSearchChangeList, NarrowChangeList):
    """The questions list: narrow rows, and ranked full-text search (search/)."""


class QuestionDisplayMixin:
    """Columns and moderation shared by the question list and the review queue."""

    # The question columns the list display reads (see NarrowChangeList).
    changelist_columns = (
        "id", "question", "channel", "sub_channel", "difficulty", "status", "relevance_score", "last_updated",
    )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return NarrowChangeList

    def action_checkbox(self, obj: Question) -> str:
        # Django renders a CheckboxInput through the form template engine for
        # each row: a third of the list's server time at 100 rows. Same markup.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            str(obj),
        )

    @admin.display(description="id", ordering="id")
    def question_id(self, obj: Question) -> str:
        # The whole id on hover: CSS cuts a long one with an ellipsis.
        return format_html('<span class="oi-id" title="{}">{}</span>', obj.pk, obj.pk)

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
        return _label(Difficulty, obj.difficulty)

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Question) -> str:
        return _label(QuestionStatus, obj.status)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def has_flag_permission(self, request: HttpRequest) -> bool:
        """Flagging for review: moderators, and editors (a moderator then decides)."""
        return self.has_moderate_permission(request) or request.user.has_perm(FLAG_PERMISSION)

    def _bulk_status(self, request: HttpRequest, queryset: Any, change: str, reason: str | None = None) -> None:
        try:
            result = services.change_status(
                questions=list(queryset),
                change=change,
                source_name=_source_name(request),
                actor=request.user,
                reason=reason,
            )
        except (services.ModerationError, services.EditConflict) as error:
            self.message_user(request, f"{error} Nothing was changed.", messages.ERROR)
            return
        event = services.STATUS_CHANGES[change].event_type
        if result.changed:
            self.message_user(request, f"{event.capitalize()}: {len(result.changed)} question(s).", messages.SUCCESS)
        if result.skipped:
            self.message_user(
                request,
                f"Skipped {len(result.skipped)} question(s) already in a state where this does not apply: "
                + ", ".join(result.skipped[:20]),
                messages.WARNING,
            )


@admin.register(Question)
class QuestionAdmin(ImportExportAdminMixin, QuestionDisplayMixin, admin.ModelAdmin):
    form = QuestionForm
    list_display = [
        "question_id",
        "question_short",
        "channel_display",
        "difficulty_display",
        "status_display",
        "relevance_score",
        "last_updated_display",
    ]
    list_display_links = ["question_id", "question_short"]
    search_fields = ["=id", "question", "answer", "tags", "companies"]
    search_help_text = (
        'Words (all must match), "a phrase", -excluded, prefix*, or an id or its start (q-100); '
        "searches question, answer, explanation, tags, companies and id, most relevant first."
    )
    # The list parameters that show deleted questions (a search finding only those says so).
    deleted_filter = {StatusFilter.parameter_name: QuestionStatus.DELETED}
    list_filter = [
        StatusFilter,
        ChannelPickerFilter,
        ("difficulty", GroupedChoicesFilter),
        ("voice_suitable", GroupedBooleanFilter),
        ("is_new", GroupedBooleanFilter),
        HasDiagramFilter,
        HasExplanationFilter,
        HasSummaryFilter,
        InvalidJSONFilter,
        RangeListFilter,
    ]
    list_per_page = 100
    # The exact total under filters is still counted; the unfiltered total
    # would be a second COUNT over every question on each page view.
    show_full_result_count = False
    actions = ["flag_selected", "approve_selected", "soft_delete_selected", "restore_selected"]
    change_form_template = "admin/interview/question/change_form.html"
    change_list_template = "admin/interview/question/change_list.html"
    fieldsets = [
        ("Question", {"fields": ["id", "question", "similar_questions", "channel", "sub_channel", "difficulty", "status_display", "loaded_last_updated"]}),
        ("Answer", {"fields": ["answer", "tldr", "eli5"]}),
        (
            "Explanation",
            {"fields": ["explanation", "explanation_preview", "diagram", "diagram_preview"]},
        ),
        ("Tags and audience", {"fields": ["tags", "companies", "experience_level_tags", "job_title_relevance"]}),
        ("Voice", {"fields": ["voice_suitable", "voice_keywords"]}),
        ("Media and sources", {"fields": ["videos", "source_url"]}),
        ("Relevance", {"fields": ["relevance_score", "relevance_details"]}),
        ("Record", {"fields": ["is_new", "created_at", "last_updated"], "classes": ["collapse"]}),
    ]

    # The list needs only the CSS; the previews' scripts (Mermaid is 3.3 MB)
    # are added by render_change_form, the one page that uses them.
    class Media:
        css = {"all": ["interview/question_admin.css"]}

    preview_media = forms.Media(
        js=["interview/vendor/mermaid/mermaid.min.js", "interview/question_preview.js", "search/similar_questions.js"]
    )

    # -- search ----------------------------------------------------------------

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QuestionChangeList

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        if not search_term.strip():
            return queryset, False
        found = search_changelist.search_questions(request=request, queryset=queryset, search_term=search_term)
        if found is None:  # the index cannot be read: the plain search still works
            return super().get_search_results(request, queryset, search_term)
        return found, False

    def get_list_display(self, request: HttpRequest) -> list[str]:
        columns = list(super().get_list_display(request))
        if request.GET.get("q", "").strip():
            after = columns.index("question_short") + 1 if "question_short" in columns else len(columns)
            columns.insert(after, "search_match")
        return columns

    @admin.display(description="where it matched")
    def search_match(self, obj: Question) -> str:
        return getattr(obj, "search_snippet", "")

    @admin.display(description="possibly the same question")
    def similar_questions(self, obj: Question | None) -> str:
        return search_views.similar_questions_placeholder(question=obj)

    # -- permissions -----------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Removing a question is soft delete (moderation) or the superuser's
        # hard delete, which keeps the last snapshot; never the admin's plain delete.
        return False

    def has_hard_delete_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    # -- form ----------------------------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["similar_questions", "status_display", "explanation_preview", "diagram_preview", "created_at", "last_updated"]
        if obj is not None:
            fields.insert(0, "id")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is not None:
            return self.fieldsets
        # A new question: no status or timestamps yet.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in {"status_display", "created_at", "last_updated", "loaded_last_updated"}]})
            for name, options in self.fieldsets
        ]

    @admin.display(description="Explanation as readers see it")
    def explanation_preview(self, obj: Question) -> str:
        return format_html(
            '<div class="question-preview markdown-preview" data-preview-for="id_explanation" data-preview-url="{}">{}</div>',
            reverse("admin:interview_question_preview"),
            render_markdown(obj.explanation if obj else ""),
        )

    @admin.display(description="Diagram as readers see it")
    def diagram_preview(self, obj: Question) -> str:
        # The source goes in escaped; question_preview.js hands it to Mermaid
        # with securityLevel 'strict' (no HTML labels, no click handlers).
        return format_html(
            '<div class="question-preview mermaid-preview" data-preview-for="id_diagram">'
            '<pre class="mermaid-source">{}</pre><div class="mermaid-output" aria-live="polite"></div></div>',
            (obj.diagram if obj else "") or "",
        )

    def save_model(self, request: HttpRequest, obj: Question, form: Any, change: bool) -> None:
        if change:
            services.save_question_changes(question=obj, source_name=_source_name(request), actor=request.user)
        else:
            services.create_question(question=obj, source_name=_source_name(request))

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.EditConflict as conflict:
            # The row changed between the form's check and the guarded UPDATE.
            self.message_user(request, f"{conflict} Nothing was saved; review their change below.", messages.ERROR)
            return redirect("admin:interview_question_change", object_id)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        form = context.get("adminform").form if context.get("adminform") else None
        conflict_entries = getattr(form, "conflicting_entries", None)
        if conflict_entries is not None:
            context["conflict_entries"] = [
                (entry, compare.compare_snapshots(entry.before_snapshot, entry.after_snapshot))
                for entry in conflict_entries
            ]
        if obj is not None:
            context.update(self._moderation_context(request, obj))
            context["timeline"] = self._timeline_rows(obj)
        context["media"] = context["media"] + self.preview_media
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _moderation_context(self, request: HttpRequest, obj: Question) -> dict[str, Any]:
        status = obj.status
        can_moderate = self.has_moderate_permission(request)
        can_flag = self.has_flag_permission(request)
        return {
            "can_moderate": can_moderate,
            "can_flag": can_flag,
            "can_hard_delete": self.has_hard_delete_permission(request),
            "moderation_url": reverse("admin:interview_question_moderate", args=[obj.pk]),
            "hard_delete_url": reverse("admin:interview_question_hard_delete", args=[obj.pk]),
            "offer_flag": can_flag and status != QuestionStatus.FLAGGED and status != QuestionStatus.DELETED,
            "offer_approve": can_moderate and status == QuestionStatus.FLAGGED,
            "offer_delete": can_moderate and status != QuestionStatus.DELETED,
            "offer_restore": can_moderate and status == QuestionStatus.DELETED,
            "flag_form": FlagForm(),
        }

    def _timeline_rows(self, obj: Question) -> list[dict[str, Any]]:
        return [
            {
                "entry": entry,
                "event_label": _label(HistoryEventType, entry.event_type),
                "field_labels": compare.field_labels(entry.changed_fields) if isinstance(entry.changed_fields, list) else [],
                "comparisons": compare.compare_snapshots(entry.before_snapshot, entry.after_snapshot),
                "compare_url": reverse("admin:interview_question_history_entry", args=[obj.pk, entry.pk]),
            }
            for entry in selectors.question_timeline(question_id=obj.pk)
        ]

    # -- URLs ----------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        custom = [
            path("preview/", view(self.preview_view), name="interview_question_preview"),
            path("similar/", view(partial(search_views.similar_questions, model_admin=self)), name="interview_question_similar"),
            path(
                "<path:object_id>/relate/",
                view(partial(search_views.relate_questions, model_admin=self)),
                name="interview_question_relate",
            ),
            path("<path:object_id>/moderate/", view(self.moderate_view), name="interview_question_moderate"),
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
            path("<path:object_id>/hard-delete/", view(self.hard_delete_view), name="interview_question_hard_delete"),
        ]
        return custom + super().get_urls()

    def _get_question(self, request: HttpRequest, object_id: str) -> Question:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No question with id {unquote(object_id)!r}.")
        return obj

    def _next_url(self, request: HttpRequest, default: str) -> str:
        candidate = request.POST.get("next") or request.GET.get("next") or ""
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
            return candidate
        return default

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The explanation's Markdown as sanitised HTML, for the live preview."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the markdown as 'text'."}, status=405)
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        limit = settings.OI_PREVIEW_RATE_LIMIT_PER_MINUTE
        wait = seconds_until_allowed(scope="markdown-preview", user_id=request.user.pk, limit=limit)
        if wait:
            refusal = JsonResponse(
                {"error": f"Preview paused: more than {limit} previews in a minute. "
                          f"It resumes in {wait} seconds; your text is not lost."},
                status=429,
            )
            refusal["Retry-After"] = str(wait)
            return refusal
        return JsonResponse({"html": str(render_markdown(request.POST.get("text", "")))})

    def moderate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Flag / approve / soft-delete / restore one question (a POST from its page or the queue)."""
        if request.method != "POST":
            return HttpResponse("Moderation is a POST.", status=405, content_type="text/plain")
        action = request.POST.get("action", "")
        may_flag = action == services.FLAG_CHANGE and self.has_flag_permission(request)
        if not (self.has_moderate_permission(request) or may_flag):
            raise PermissionDenied
        obj = self._get_question(request, object_id)
        change_url = reverse("admin:interview_question_change", args=[obj.pk])
        back = self._next_url(request, change_url)
        try:
            result = services.change_status(
                questions=[obj],
                change=action,
                source_name=_source_name(request),
                actor=request.user,
                reason=request.POST.get("reason"),
            )
        except services.ModerationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(back)
        except services.EditConflict as conflict:
            self.message_user(request, f"{conflict} Nothing was changed.", messages.ERROR)
            return HttpResponseRedirect(back)
        if result.changed:
            self.message_user(request, f"{obj.pk}: {services.STATUS_CHANGES[action].event_type} (status {obj.status}).", messages.SUCCESS)
        else:
            self.message_user(request, f"{obj.pk} is {obj.status}; nothing to {action}.", messages.WARNING)
        return HttpResponseRedirect(back)

    # -- bulk moderation actions -------------------------------------------------

    @admin.action(permissions=["flag"], description="Flag selected questions for review…")
    def flag_selected(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        form = FlagForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._bulk_status(request, queryset, "flag", reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Flag questions for review",
            "opts": self.model._meta,
            "questions": queryset,
            "form": form,
            "action": "flag_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/interview/question/flag_selected.html", context)

    @admin.action(permissions=["moderate"], description="Approve (unflag) selected questions")
    def approve_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk_status(request, queryset, "approve")

    @admin.action(permissions=["moderate"], description="Soft-delete selected questions")
    def soft_delete_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk_status(request, queryset, "delete")

    @admin.action(permissions=["moderate"], description="Restore selected deleted questions")
    def restore_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk_status(request, queryset, "restore")

    # -- history -----------------------------------------------------------------

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        """The question's whole timeline (bots, people, imports), newest first."""
        obj = self._get_question(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "opts": self.model._meta,
            "original": obj,
            "object": obj,
            "timeline": self._timeline_rows(obj),
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
        obj = self._get_question(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entry = self._history_entry(obj, entry_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{obj.pk}: {_label(HistoryEventType, entry.event_type)} by {entry.source_name or entry.event_source}",
            "subtitle": None,
            "opts": self.model._meta,
            "original": obj,
            "entry": entry,
            "event_label": _label(HistoryEventType, entry.event_type),
            "comparisons": compare.compare_snapshots(entry.before_snapshot, entry.after_snapshot),
            "can_revert": self.has_change_permission(request, obj) and isinstance(entry.before_snapshot, dict) and bool(entry.before_snapshot),
            "revert_url": reverse("admin:interview_question_revert", args=[obj.pk, entry.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/interview/question/history_entry.html", context)

    def revert_view(self, request: HttpRequest, object_id: str, entry_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Revert is a POST.", status=405, content_type="text/plain")
        obj = self._get_question(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        entry = self._history_entry(obj, entry_id)
        back = reverse("admin:interview_question_history_entry", args=[obj.pk, entry.pk])
        try:
            result = services.revert_question(
                question=obj,
                entry=entry,
                source_name=_source_name(request),
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

    # -- hard delete ----------------------------------------------------------------

    def hard_delete_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_hard_delete_permission(request):
            raise PermissionDenied
        obj = self._get_question(request, object_id)
        if request.method == "POST" and request.POST.get("confirm") == obj.pk:
            entry = services.hard_delete_question(
                question=obj, source_name=_source_name(request), reason=request.POST.get("reason") or None
            )
            self.message_user(
                request,
                f"{obj.pk} is deleted for good. Its last state is kept in history entry #{entry.pk}.",
                messages.SUCCESS,
            )
            return redirect("admin:interview_question_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Delete {obj.pk} for good?",
            "subtitle": None,
            "opts": self.model._meta,
            "original": obj,
            "confirm_error": request.method == "POST",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/interview/question/hard_delete.html", context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(FlaggedQuestion)
class ReviewQueueAdmin(QuestionDisplayMixin, admin.ModelAdmin):
    """Flagged questions with their latest flag, approve or delete in place."""

    admin_section = "moderation"
    list_display = [
        "question_id",
        "question_short",
        "channel_display",
        "difficulty_display",
        "flag_reason_display",
        "flagged_by_display",
        "flagged_at_display",
        "row_actions",
    ]
    list_display_links = ["question_id"]
    list_filter = [FlaggedChannelFilter, FlaggedDifficultyFilter, FlagSourceFilter, FlaggedDateFilter]
    search_fields = ["=id", "question"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["approve_selected", "soft_delete_selected"]
    change_list_template = "admin/interview/flaggedquestion/change_list.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.review_queue()

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # Newest flag first (an annotation, so not in `ordering`, which the checks limit to fields).
        return ["-flagged_at_sortable", "id"]

    # A moderators' screen: seeing it takes the moderation permission. Asked
    # of the user directly, not through has_moderate_permission, which a
    # read-only deployment turns off: there the queue is still readable.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_list_display(self, request: HttpRequest) -> list[str]:
        # No approve/delete buttons where they would be refused (read-only).
        if self.has_moderate_permission(request):
            return self.list_display
        return [name for name in self.list_display if name != "row_actions"]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        return redirect("admin:interview_question_change", object_id)

    @admin.display(description="flag reason")
    def flag_reason_display(self, obj: Question) -> str:
        return Truncator(obj.flag_reason or "—").chars(120)

    @admin.display(description="flagged by", ordering="flagged_by")
    def flagged_by_display(self, obj: Question) -> str:
        if not obj.flag_source:
            return "—"
        kind = {"bot": "bot", "user": "person", "import": "import"}.get(obj.flag_source, obj.flag_source)
        return format_html("{} <span class=\"flag-source\">({})</span>", obj.flagged_by or "?", kind)

    @admin.display(description="flagged", ordering="flagged_at_sortable")
    def flagged_at_display(self, obj: Question) -> str:
        return obj.flagged_at or "—"

    @admin.display(description="decide")
    def row_actions(self, obj: Question) -> str:
        # The buttons belong to a form outside the changelist's own form
        # (forms cannot nest); see flaggedquestion/change_list.html.
        url = reverse("admin:interview_question_moderate", args=[obj.pk])
        return format_html(
            '<button type="submit" class="button" form="review-row-actions" formaction="{}" name="action" value="approve">Approve</button> '
            '<button type="submit" class="button" form="review-row-actions" formaction="{}" name="action" value="delete">Delete</button>',
            url,
            url,
        )

    @admin.action(permissions=["moderate"], description="Approve (unflag) selected questions")
    def approve_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk_status(request, queryset, "approve")

    @admin.action(permissions=["moderate"], description="Soft-delete selected questions")
    def soft_delete_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk_status(request, queryset, "delete")


@admin.register(QuestionHistory)
class QuestionHistoryAdmin(admin.ModelAdmin):
    """Every recorded change, read-only; each opens its field-by-field comparison."""

    admin_section = "moderation"
    list_display = ["created_at", "question_link", "question_type", "event_type", "event_source", "source_name", "fields_display", "reason_short"]
    list_filter = ["event_type", "event_source", "question_type"]
    search_fields = ["=question_id", "source_name", "reason"]
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = ["question_id", "question_type", "event_type", "event_source", "source_name", "changes_summary", "reason", "created_at", "metadata_display", "comparison"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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

