"""Admin for the bots' tables: the work queue, their runs and their ledger.

Runs and ledger are the bots' record and read-only here. On the work queue,
moderators retry, cancel, reprioritise and release items (bots/queue_services.py)
and decide on proposals to delete or verify a question (bots/services.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from bots import queue_services, selectors
from bots import services as decisions
from bots.models import BotRun, LedgerEntry, WorkItem, WorkStatus
from core import encodings
from core.admin import ReadOnlyAdminMixin, admin_change_url, badge, formatted_json, truncate
from core.facets import facet_filter, request_facets
from importing.admin import ImportExportAdminMixin
from interview.compare import compare_snapshots


class StuckFilter(admin.SimpleListFilter):
    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        minutes = settings.WORK_QUEUE_STUCK_AFTER_MINUTES
        return [("yes", f"Processing for over {minutes} min")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() != "yes":
            return queryset
        cutoff = selectors.stuck_cutoff(stuck_after_minutes=settings.WORK_QUEUE_STUCK_AFTER_MINUTES)
        return queryset.filter(selectors.stuck_condition(cutoff=cutoff))


# -- intermediate forms --------------------------------------------------------


class PriorityForm(forms.Form):
    priority = forms.IntegerField(
        min_value=queue_services.PRIORITY_MIN,
        max_value=queue_services.PRIORITY_MAX,
        help_text=(
            f"{queue_services.PRIORITY_MIN} runs first, {queue_services.PRIORITY_MAX} last."
        ),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded on each item as the moderator's reason.",
    )


# -- work queue ----------------------------------------------------------------

WORK_QUEUE_FACETS = selectors.WORK_QUEUE_FACET_FIELDS


@admin.register(WorkItem)
class WorkItemAdmin(ImportExportAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/bots/workitem/change_list.html"
    list_display = [
        "id",
        "action",
        "item_type",
        "item_link",
        "status_badge",
        "priority",
        "created_by",
        "assigned_to",
        "created_at",
        "processed_at",
        "reason_preview",
    ]
    list_display_links = ["id"]
    list_filter = [
        "status",
        "action",
        facet_filter("item_type", "item type", WORK_QUEUE_FACETS),
        facet_filter("created_by", "created by bot", WORK_QUEUE_FACETS),
        facet_filter("assigned_to", "assignee", WORK_QUEUE_FACETS),
        StuckFilter,
    ]
    search_fields = ["item_id", "reason"]
    show_full_result_count = False
    fields = [
        "item_type",
        "item_link",
        "action",
        "status",
        "priority",
        "reason",
        "created_by",
        "assigned_to",
        "created_at",
        "processed_at",
        "result_formatted",
    ]
    # Only the priority is edited in the form; status moves through the actions.
    readonly_fields = [name for name in fields if name != "priority"]
    actions = [
        "retry_items",
        "cancel_items",
        "reprioritise_items",
        "release_stuck_items",
        "approve_proposals",
        "reject_proposals",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the bots file work; people act on it

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bots.moderate_workitem")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        facets = request_facets(request, WorkItem, WORK_QUEUE_FACETS)
        counts = facets.counts("status")
        current = request.GET.get("status__exact")
        base = reverse("admin:bots_workitem_changelist")
        status_counts = [
            {
                "status": status,
                "label": label,
                "count": counts.get(status, 0),
                "url": f"{base}?status__exact={status}",
                "selected": current == status,
            }
            for status, label in WorkStatus.choices
        ]
        extra = {
            "status_counts": status_counts,
            "total_count": sum(counts.values()),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    @admin.display(description="item ID", ordering="item_id")
    def item_link(self, obj: WorkItem) -> str:
        url = (
            admin_change_url("interview", "question", obj.item_id)
            if obj.item_type == "question"
            else None
        )
        return format_html('<a href="{}">{}</a>', url, obj.item_id) if url else obj.item_id

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: WorkItem) -> str:
        return badge(obj.status or "pending")

    @admin.display(description="reason")
    def reason_preview(self, obj: WorkItem) -> str:
        return truncate(obj.reason, 60)

    @admin.display(description="result")
    def result_formatted(self, obj: WorkItem) -> str:
        # Free text or JSON, depending on the bot; text shows as "not valid JSON".
        return formatted_json(encodings.from_node_json(obj.result)) if obj.result else "—"

    # actions -----------------------------------------------------------------

    def _report(
        self, request: HttpRequest, change: queue_services.QueueChange, done: str, why: str
    ) -> None:
        self.message_user(request, f"{change.changed} item(s) {done}.", messages.SUCCESS)
        if change.skipped:
            self.message_user(
                request, f"{change.skipped} item(s) skipped: {why}.", messages.WARNING
            )

    @admin.action(description="Retry failed items (back to pending)", permissions=["change"])
    def retry_items(self, request: HttpRequest, queryset: QuerySet) -> None:
        change = queue_services.retry_work_items(item_ids=queryset.values_list("pk", flat=True))
        self._report(request, change, "back to pending", "only failed items are retried")

    @admin.action(description="Cancel selected items", permissions=["change"])
    def cancel_items(self, request: HttpRequest, queryset: QuerySet) -> None:
        change = queue_services.cancel_work_items(item_ids=queryset.values_list("pk", flat=True))
        self._report(request, change, "cancelled", "completed or cancelled items stay as they are")

    @admin.action(description="Change priority…", permissions=["change"])
    def reprioritise_items(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True))
        form = PriorityForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            change = queue_services.reprioritise_work_items(
                item_ids=ids, priority=form.cleaned_data["priority"]
            )
            self._report(
                request,
                change,
                f"now at priority {form.cleaned_data['priority']}",
                "completed or cancelled items keep their priority",
            )
            return None
        return self._intermediate_page(
            request,
            ids,
            form,
            action="reprioritise_items",
            title="Change priority",
            button="Set priority",
        )

    @admin.action(description="Release items stuck in processing", permissions=["change"])
    def release_stuck_items(self, request: HttpRequest, queryset: QuerySet) -> None:
        minutes = settings.WORK_QUEUE_STUCK_AFTER_MINUTES
        change = queue_services.release_stuck_work_items(
            item_ids=queryset.values_list("pk", flat=True), stuck_after_minutes=minutes
        )
        self._report(
            request, change, "released to pending", f"not in processing for over {minutes} minutes"
        )

    @admin.action(
        description="Approve proposals (delete / verify the question)", permissions=["moderate"]
    )
    def approve_proposals(self, request: HttpRequest, queryset: QuerySet) -> None:
        approved, refused = 0, []
        for item in queryset:
            try:
                decisions.approve_work_item(item=item, user=request.user)
                approved += 1
            except decisions.WorkItemError as error:
                refused.append(str(error))
        self.message_user(request, f"{approved} proposal(s) approved.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description="Reject proposals…", permissions=["moderate"])
    def reject_proposals(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        items = list(queryset)
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            rejected, refused = 0, []
            for item in items:
                try:
                    decisions.reject_work_item(
                        item=item, user=request.user, reason=form.cleaned_data["reason"]
                    )
                    rejected += 1
                except decisions.WorkItemError as error:
                    refused.append(str(error))
            self.message_user(request, f"{rejected} proposal(s) rejected.", messages.SUCCESS)
            for reason in refused:
                self.message_user(request, reason, messages.WARNING)
            return None
        return self._intermediate_page(
            request,
            [item.pk for item in items],
            form,
            action="reject_proposals",
            title="Reject proposals",
            button="Reject",
            items=items,
        )

    def _intermediate_page(
        self,
        request: HttpRequest,
        ids: list[int],
        form: forms.Form,
        *,
        action: str,
        title: str,
        button: str,
        items: list[WorkItem] | None = None,
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "action": action,
            "button": button,
            "selected_ids": ids,
            "items": items if items is not None else list(WorkItem.objects.filter(pk__in=ids)),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/bots/workitem/action_form.html", context)


# -- runs ----------------------------------------------------------------------


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The bots' own record: nobody adds, edits or deletes it here."""

    show_full_result_count = False



def _duration(started: Any, completed: Any) -> str:
    if not isinstance(started, datetime) or not isinstance(completed, datetime):
        return "—"
    seconds = int((completed - started).total_seconds())
    if seconds < 0:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours else f"{minutes}m {seconds:02d}s"


# What a run shows, in the list and on its page alike.
RUN_COLUMNS = [
    "bot_name",
    "status_badge",
    "started_at",
    "completed_at",
    "duration",
    "items_processed",
    "items_created",
    "items_updated",
    "items_deleted",
]


@admin.register(BotRun)
class BotRunAdmin(ImportExportAdminMixin, ReadOnlyAdmin):
    list_display = ["id", *RUN_COLUMNS, "summary_preview"]
    list_filter = ["status", facet_filter("bot_name", "bot", ("bot_name",))]
    search_fields = ["bot_name"]
    fields = [*RUN_COLUMNS, "summary_formatted"]
    readonly_fields = fields

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: BotRun) -> str:
        return badge(obj.status or "running")

    @admin.display(description="duration")
    def duration(self, obj: BotRun) -> str:
        return _duration(obj.started_at, obj.completed_at)

    @admin.display(description="summary")
    def summary_preview(self, obj: BotRun) -> str:
        summary = obj.summary
        if isinstance(summary, dict):
            return truncate(str(summary.get("message") or ""), 60)
        return truncate(str(summary or ""), 60)

    @admin.display(description="summary")
    def summary_formatted(self, obj: BotRun) -> str:
        return formatted_json(obj.summary)


# -- ledger --------------------------------------------------------------------

LEDGER_FACETS = ("bot_name", "action", "item_type")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "bot_name",
        "action",
        "item_type",
        "item_link",
        "reason_preview",
    ]
    list_filter = [
        facet_filter("bot_name", "bot", LEDGER_FACETS),
        facet_filter("action", "action", LEDGER_FACETS),
        facet_filter("item_type", "item type", LEDGER_FACETS),
    ]
    search_fields = ["item_id", "reason"]
    fields = ["bot_name", "action", "item_type", "item_link", "reason", "created_at", "comparison"]
    readonly_fields = fields

    class Media:
        # The comparison's styles, shared with the questions' history.
        css = {"all": ["interview/question_admin.css"]}

    @admin.display(description="item ID", ordering="item_id")
    def item_link(self, obj: LedgerEntry) -> str:
        url = (
            admin_change_url("interview", "question", obj.item_id)
            if obj.item_type == "question"
            else None
        )
        return format_html('<a href="{}">{}</a>', url, obj.item_id) if url else obj.item_id

    @admin.display(description="reason")
    def reason_preview(self, obj: LedgerEntry) -> str:
        return truncate(obj.reason, 60)

    @admin.display(description="before → after")
    def comparison(self, obj: LedgerEntry) -> str:
        return render_state_comparison(obj.before_state, obj.after_state)


def render_state_comparison(before: Any, after: Any) -> str:
    """Before/after states compared field by field with the questions' history comparison.

    A state that is not an object (the comparison is field by field) shows
    the two states as formatted JSON instead.
    """
    if isinstance(before, dict | type(None)) and isinstance(after, dict | type(None)):
        return render_to_string("admin/interview/_comparison.html", {"comparisons": compare_snapshots(before, after)})
    return format_html_join(
        "",
        "<h4>{}</h4>{}",
        (("Before", formatted_json(before)), ("After", formatted_json(after))),
    )
