"""Admin for certifications, learning paths, voice sessions and the app's user sessions.

The first three are rows that hold an ordered list of question ids, kept
with `CollectionAdminMixin`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from core.admin import admin_change_url, badge, truncate
from core.facets import facet_filter
from importing.admin import ImportExportAdminMixin
from learning import selectors, services
from learning.forms import CertificationForm, LearningPathForm, VoiceSessionForm
from learning.models import Certification, LearningPath, UserSession, VoiceSession

# The request whose change form is being rendered: a read-only field's
# method is given only the row, and the question list pages by the address.
_form_request: ContextVar[HttpRequest | None] = ContextVar("collection_form_request", default=None)

QUESTION_LIST_PAGE_SIZE = 50
QUESTION_LIST_PAGE = "questions_page"
QUESTION_LIST_SEARCH = "questions_search"
QUESTION_LIST_SEARCH_FORM = "oi-question-list-search"


class CollectionAdminMixin:
    """Saves through learning.services and shows an ordered question list.

    Subclasses use a `learning.forms.CollectionForm`. The id is editable
    only when adding: changing a primary key here would insert a copy.
    The question list shows QUESTION_LIST_PAGE_SIZE entries a page with a
    search over ids and texts: a path of 600 questions in one table was a
    page 32,000 pixels long.
    """

    show_full_result_count = False
    change_form_template = "admin/learning/collection_change_form.html"

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        token = _form_request.set(request)
        try:
            response = super().changeform_view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response
        finally:
            _form_request.reset(token)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        context["question_list_search_form"] = QUESTION_LIST_SEARCH_FORM
        return super().render_change_form(request, context, *args, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "id") if obj is not None and "id" not in readonly else readonly

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_collection(instance=obj, adding=not change)
        for warning in form.dangling_warnings():
            self.message_user(request, warning, level=messages.WARNING)

    @admin.display(description="Questions in order")
    def ordered_question_list(self, obj: Any) -> str:
        question_ids = getattr(obj, "question_ids", None)
        if not isinstance(question_ids, list):
            return "—" if question_ids is None else "(stored value is not a list of ids)"
        if not question_ids:
            return "No questions."
        request = _form_request.get()
        params = request.GET if request is not None else {}
        try:
            wanted_page = int(params.get(QUESTION_LIST_PAGE) or 1)
        except ValueError:
            wanted_page = 1
        search = str(params.get(QUESTION_LIST_SEARCH) or "")[:200]
        page = selectors.ordered_question_page(
            question_ids=question_ids, page=wanted_page, per_page=QUESTION_LIST_PAGE_SIZE, search=search
        )
        entries = page.entries
        rows = format_html_join(
            "",
            '<tr class="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    "oi-dangling" if entry.dangling else "",
                    entry.position,
                    _question_link(entry.question_id),
                    badge("missing", "no question has this id")
                    if entry.dangling
                    else truncate(entry.text, 140),
                    "" if entry.dangling else badge(entry.status or "active"),
                )
                for entry in entries
            ),
        )
        return format_html(
            '<div class="oi-question-list-tools">{}{}</div>'
            '<table class="oi-ordered-questions"><thead><tr><th>#</th><th>ID</th>'
            "<th>Question</th><th>Status</th></tr></thead><tbody>{}</tbody></table>{}",
            _question_list_search(search),
            _question_list_summary(page, search),
            rows,
            _question_list_pages(page, search),
        )


def _question_list_search(search: str) -> str:
    # The inputs belong to a GET form outside the change form (forms cannot
    # nest; see collection_change_form.html), so Enter searches, never saves.
    return format_html(
        '<label for="id_questions_search">Find in this list</label> '
        '<input type="search" id="id_questions_search" name="{}" value="{}" form="{}" '
        'placeholder="id or words of the question"> '
        '<button type="submit" class="button" form="{}">Find</button>',
        QUESTION_LIST_SEARCH,
        search,
        QUESTION_LIST_SEARCH_FORM,
        QUESTION_LIST_SEARCH_FORM,
    )


def _question_list_summary(page: Any, search: str) -> str:
    if search:
        return format_html(
            ' <span class="oi-question-list-summary">{} of {} questions match; page {} of {}</span>',
            page.matching, page.total, page.page, page.page_count,
        )
    return format_html(
        ' <span class="oi-question-list-summary">{} questions; page {} of {}</span>',
        page.total, page.page, page.page_count,
    )


def _question_list_pages(page: Any, search: str) -> str:
    if page.page_count <= 1:
        return ""
    def link(number: int, label: str) -> str:
        query = urlencode({QUESTION_LIST_PAGE: number, **({QUESTION_LIST_SEARCH: search} if search else {})})
        return format_html('<a href="?{}">{}</a>', query, label)
    parts = []
    if page.page > 1:
        parts.append(link(page.page - 1, "‹ previous"))
    parts.append(format_html("<span>page {} of {}</span>", page.page, page.page_count))
    if page.page < page.page_count:
        parts.append(link(page.page + 1, "next ›"))
    return format_html('<p class="oi-question-list-pages">{}</p>', format_html_join(" ", "{}", ((p,) for p in parts)))


def _question_link(question_id: str) -> str:
    url = admin_change_url("interview", "question", question_id)
    return format_html('<a href="{}">{}</a>', url, question_id) if url else question_id


class CertificationChangeList(ChangeList):
    """Counts the live questions of the page's certifications in one grouped query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        live = selectors.live_question_counts(certification_ids=[c.pk for c in self.result_list])
        for certification in self.result_list:
            certification.live_question_count = live.get(certification.pk, 0)


def question_count_with_live(*, stored: int | None, live: int) -> str:
    """The stored count, and the live one beside it when they differ."""
    if stored == live:
        return format_html('<span title="stored and live count agree">{}</span>', live)
    return format_html(
        '{} <span class="oi-badge oi-badge--warning" title="stored {}, live {}: recount to store the live value">'
        "live {}</span>",
        "—" if stored is None else stored,
        "nothing" if stored is None else stored,
        live,
        live,
    )


class StoredCountFilter(admin.SimpleListFilter):
    """Certifications whose stored question count differs from the live one (the home page counts them)."""

    title = "stored question count"
    parameter_name = "count"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("stale", "Differs from the live count"), ("current", "Agrees with the live count")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() not in {"stale", "current"}:
            return queryset
        with_live = queryset.alias(live_total=Coalesce(selectors.live_question_count_subquery(), 0))
        stale = Q(question_count__isnull=True) | ~Q(question_count=F("live_total"))
        return with_live.filter(stale) if self.value() == "stale" else with_live.exclude(stale)


@admin.register(Certification)
class CertificationAdmin(ImportExportAdminMixin, CollectionAdminMixin, admin.ModelAdmin):
    form = CertificationForm
    list_display = [
        "id",
        "name",
        "provider",
        "difficulty",
        "category",
        "status",
        "question_count_display",
        "last_updated",
    ]
    actions = ["recount_questions"]
    list_filter = [
        "status",
        "difficulty",
        facet_filter("provider", "provider", ("provider", "category")),
        facet_filter("category", "category", ("provider", "category")),
        StoredCountFilter,
    ]
    search_fields = ["id", "name", "provider", "exam_code", "category"]
    readonly_fields = ["live_question_count", "created_at", "last_updated"]
    fieldsets = [
        (None, {"fields": ["id", "name", "provider", "description", "status"]}),
        (
            "Exam",
            {
                "fields": [
                    "difficulty",
                    "category",
                    "exam_code",
                    "official_url",
                    "estimated_hours",
                    "passing_score",
                    "exam_duration",
                    "question_count",
                    "live_question_count",
                ]
            },
        ),
        ("Structure", {"fields": ["domains", "prerequisites", "channel_mappings", "tags"]}),
        ("Display", {"fields": ["icon", "color"], "classes": ["collapse"]}),
        ("Timestamps", {"fields": ["created_at", "last_updated"]}),
    ]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CertificationChangeList

    @admin.display(description="questions (stored / live)", ordering="question_count")
    def question_count_display(self, obj: Certification) -> str:
        return question_count_with_live(stored=obj.question_count, live=obj.live_question_count)

    @admin.display(description="questions now")
    def live_question_count(self, obj: Certification | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        live = selectors.live_question_counts(certification_ids=[obj.pk]).get(obj.pk, 0)
        note = "" if live == obj.question_count else " (differs from the stored count; recount it from the list)"
        return f"{live} questions (not deleted) have the channel {obj.pk}{note}"

    @admin.action(permissions=["change"], description="Recount questions: store the live count")
    def recount_questions(self, request: HttpRequest, queryset: Any) -> None:
        changed = services.recount_certification_questions(
            certification_ids=list(queryset.values_list("pk", flat=True))
        )
        by_id = {c.pk: c for c in queryset.filter(pk__in=[r.certification_id for r in changed])}
        for recount in changed:
            self.log_change(
                request,
                by_id[recount.certification_id],
                f"Recounted questions: {recount.stored} → {recount.live}",
            )
        if not changed:
            self.message_user(request, "Every selected certification already stores its live count.", messages.INFO)
            return
        self.message_user(
            request,
            "Recounted: "
            + ", ".join(f"{r.certification_id} {r.stored} → {r.live}" for r in changed[:20])
            + ("…" if len(changed) > 20 else ""),
            messages.SUCCESS,
        )


@admin.register(LearningPath)
class LearningPathAdmin(ImportExportAdminMixin, CollectionAdminMixin, admin.ModelAdmin):
    form = LearningPathForm
    list_display = [
        "id",
        "title",
        "path_type",
        "difficulty",
        "status",
        "question_count",
        "popularity",
        "last_updated",
    ]
    list_filter = [
        "status",
        "path_type",
        "difficulty",
        facet_filter("target_company", "target company", ("target_company",)),
    ]
    search_fields = ["id", "title", "target_company", "target_job_title", "tags"]
    readonly_fields = ["ordered_question_list", "created_at", "last_updated", "last_generated"]
    fieldsets = [
        (None, {"fields": ["id", "title", "description", "status", "path_type", "difficulty"]}),
        ("Audience", {"fields": ["target_company", "target_job_title", "estimated_hours"]}),
        ("Questions", {"fields": ["question_ids", "ordered_question_list", "channels"]}),
        (
            "Structure",
            {"fields": ["prerequisites", "learning_objectives", "milestones", "tags", "metadata"]},
        ),
        (
            "Statistics",
            {
                "fields": ["popularity", "completion_rate", "average_rating"],
                "classes": ["collapse"],
            },
        ),
        ("Timestamps", {"fields": ["created_at", "last_updated", "last_generated"]}),
    ]

    @admin.display(description="questions")
    def question_count(self, obj: LearningPath) -> int | str:
        return len(obj.question_ids) if isinstance(obj.question_ids, list) else "?"


@admin.register(VoiceSession)
class VoiceSessionAdmin(ImportExportAdminMixin, CollectionAdminMixin, admin.ModelAdmin):
    form = VoiceSessionForm
    list_display = [
        "id",
        "topic",
        "channel",
        "difficulty",
        "total_questions",
        "estimated_minutes",
        "last_updated",
    ]
    list_filter = ["difficulty", facet_filter("channel", "channel", ("channel",))]
    search_fields = ["id", "topic", "channel", "description"]
    readonly_fields = ["total_questions", "ordered_question_list", "created_at", "last_updated"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "id",
                    "topic",
                    "description",
                    "channel",
                    "difficulty",
                    "estimated_minutes",
                ]
            },
        ),
        ("Questions", {"fields": ["question_ids", "ordered_question_list", "total_questions"]}),
        ("Timestamps", {"fields": ["created_at", "last_updated"]}),
    ]


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Readers' progress, written by the app: look, correct a status, nothing more."""

    list_display = [
        "title",
        "session_type",
        "status_badge",
        "user_id",
        "progress",
        "items",
        "last_accessed_at",
    ]
    list_filter = [facet_filter("session_type", "session type", ("session_type",)), "status"]
    search_fields = ["id", "title", "user_id", "session_key", "channel_id", "certification_id"]
    show_full_result_count = False
    fields = [
        "id",
        "user_id",
        "session_type",
        "session_key",
        "title",
        "subtitle",
        "channel_id",
        "certification_id",
        "status",
        "progress",
        "total_items",
        "completed_items",
        "session_data_formatted",
        "started_at",
        "last_accessed_at",
        "completed_at",
    ]
    readonly_fields = [name for name in fields if name != "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sessions are the app's record of a reader's progress

    def save_model(self, request: HttpRequest, obj: UserSession, form: Any, change: bool) -> None:
        services.save_collection(instance=obj, adding=not change)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: UserSession) -> str:
        return badge(obj.status or "active")

    @admin.display(description="done")
    def items(self, obj: UserSession) -> str:
        return f"{obj.completed_items or 0}/{obj.total_items}"

    @admin.display(description="session data")
    def session_data_formatted(self, obj: UserSession) -> str:
        from core.admin import formatted_json

        return formatted_json(obj.session_data)
