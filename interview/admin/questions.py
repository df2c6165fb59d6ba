"""The questions' list and form: find a question, read it as readers do, fix it.

Writes go through `interview.services` (each leaves its `question_history`
row); reads that pages depend on come from `interview.selectors`, shaped to
keep every page at a fixed, small number of queries (each one is a network
round trip to Turso). Moderation and history are mixed in from their own
modules; ranked search and "possibly the same question" come from the
search app, which installs them here (`QuestionSearch`): the index is
built from questions, so questions may not depend on it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import RememberedActionForm
from core.ratelimit import seconds_until_allowed
from importing.admin import ImportExportAdminMixin
from interview import compare, services
from interview.admin.common import NarrowChangeList, source_name
from interview.admin.history import QuestionHistoryMixin
from interview.admin.moderation import BULK_ACTIONS, QuestionModerationMixin
from interview.filters import (
    ChannelPickerFilter,
    GroupedBooleanFilter,
    GroupedChoicesFilter,
    HasDiagramFilter,
    HasExplanationFilter,
    HasSummaryFilter,
    InvalidJSONFilter,
    RangeListFilter,
    StatusFilter,
)
from interview.forms import QuestionForm
from interview.models import Question, QuestionStatus
from interview.preview import render_markdown


class QuestionSearch(Protocol):
    """What a search over questions adds to their admin."""

    # The list's ChangeList, a NarrowChangeList that also shows ranked results.
    changelist_class: type[ChangeList]
    # The question page's scripts for "possibly the same question".
    media: forms.Media

    def search(self, *, request: HttpRequest, queryset: QuerySet, search_term: str) -> QuerySet | None:
        """The queryset narrowed to the matches, or None when the search cannot run now."""

    def similar_questions(self, *, question: Question | None) -> str:
        """The form's "possibly the same question" field."""

    def urls(self, *, model_admin: Any) -> list[Any]:
        """The admin addresses its pages call."""


@admin.register(Question)
class QuestionAdmin(ImportExportAdminMixin, QuestionModerationMixin, QuestionHistoryMixin, admin.ModelAdmin):
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
    # Search results come best first, each with the excerpt where it matched:
    # the first rows are the ones read, and fifty keep a search page fast.
    search_per_page = 50
    # The exact total under filters is still counted; the unfiltered total
    # would be a second COUNT over every question on each page view.
    show_full_result_count = False
    actions = list(BULK_ACTIONS.values())
    action_form = RememberedActionForm
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

    preview_media = forms.Media(js=["interview/vendor/mermaid/mermaid.min.js", "interview/question_preview.js"])

    # Ranked search and "possibly the same question": installed by the search
    # app when it is ready; without it the list searches with Django's LIKE.
    question_search: ClassVar[QuestionSearch | None] = None

    # -- search ----------------------------------------------------------------

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return self.question_search.changelist_class if self.question_search else NarrowChangeList

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        if not search_term.strip():
            return queryset, False
        found = (
            self.question_search.search(request=request, queryset=queryset, search_term=search_term)
            if self.question_search
            else None
        )
        if found is None:  # no index, or it cannot be read: the plain search still works
            return super().get_search_results(request, queryset, search_term)
        return found, False

    def get_list_display(self, request: HttpRequest) -> list[str]:
        columns = list(super().get_list_display(request))
        if self.question_search and request.GET.get("q", "").strip():
            after = columns.index("question_short") + 1 if "question_short" in columns else len(columns)
            columns.insert(after, "search_match")
        return columns

    @admin.display(description="where it matched")
    def search_match(self, obj: Question) -> str:
        return getattr(obj, "search_snippet", "")

    @admin.display(description="possibly the same question")
    def similar_questions(self, obj: Question | None) -> str:
        return self.question_search.similar_questions(question=obj) if self.question_search else ""

    # -- permissions -----------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Removing a question is soft delete (moderation) or the superuser's
        # hard delete, which keeps the last snapshot; never the admin's plain delete.
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # -- form ----------------------------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["similar_questions", "status_display", "explanation_preview", "diagram_preview", "created_at", "last_updated"]
        if obj is not None:
            fields.insert(0, "id")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        left_out = set() if self.question_search else {"similar_questions"}
        if obj is None:
            # A new question: no status or timestamps yet.
            left_out |= {"status_display", "created_at", "last_updated", "loaded_last_updated"}
        if not left_out:
            return self.fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in left_out]})
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
            services.save_question_changes(question=obj, source_name=source_name(request), actor=request.user)
        else:
            services.create_question(question=obj, source_name=source_name(request))

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
            context.update(self.moderation_context(request, obj))
            context["timeline"] = self.timeline_rows(obj)
        media = context["media"] + self.preview_media
        context["media"] = media + self.question_search.media if self.question_search else media
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- URLs ----------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        custom = [
            path("preview/", view(self.preview_view), name="interview_question_preview"),
            *(self.question_search.urls(model_admin=self) if self.question_search else []),
            *self.moderation_urls(),
            *self.history_urls(),
        ]
        return custom + super().get_urls()

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
