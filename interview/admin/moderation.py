"""Moderation in the admin: the moves on a question's page, the bulk actions, the review queue.

Every move shown here (its button, its bulk action, who sees it, from which
status) is read from `interview.moderation.TRANSITIONS`, the table the
service enforces, so a page never offers what the service would refuse
and a new move appears everywhere at once. Writes go through
`interview.services.change_status`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from core.admin import ReadOnlyAdminMixin
from interview import selectors, services
from interview.admin.common import QuestionColumnsMixin, next_url, source_name
from interview.filters import (
    FlaggedChannelFilter,
    FlaggedDateFilter,
    FlaggedDifficultyFilter,
    FlagSourceFilter,
)
from interview.models import FlaggedQuestion, Question, QuestionStatus
from interview.moderation import PERMISSIONS, TRANSITIONS, Transition, transitions_from


def reason_form(transition: Transition) -> type[forms.Form]:
    """The form that asks the reason `transition` requires."""
    return type(
        "ReasonForm",
        (forms.Form,),
        {
            "reason": forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                help_text=transition.reason.help if transition.reason else "",
                error_messages={"required": f"A reason is required to {transition.verb} a question."},
            )
        },
    )


def bulk_action(transition: Transition) -> Any:
    """The list action that makes `transition` on the selected questions.

    A move that requires a reason first shows a page asking it (the
    selection is carried through the page's form).
    """

    def action(model_admin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        reason = None
        if transition.reason is not None:
            form = reason_form(transition)(request.POST if "apply" in request.POST else None)
            if not (form.is_bound and form.is_valid()):
                return model_admin.ask_reason(request, queryset, transition, form)
            reason = form.cleaned_data["reason"]
        model_admin.apply_transition(request, queryset, transition, reason=reason)
        return None

    action.__name__ = action.__qualname__ = transition.action_name
    return admin.action(permissions=[transition.permission], description=transition.action_description)(action)


# One action per move, in the table's order; a list offers those that apply to what it lists.
BULK_ACTIONS: dict[str, Any] = {name: bulk_action(transition) for name, transition in TRANSITIONS.items()}


class ModerationMixin(QuestionColumnsMixin):
    """Moves on many questions from a list (the question list, the review queue)."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSIONS["moderate"])

    def has_flag_permission(self, request: HttpRequest) -> bool:
        """Flagging for review: moderators, and editors (a moderator then decides)."""
        return self.has_moderate_permission(request) or request.user.has_perm(PERMISSIONS["flag"])

    def may_make(self, request: HttpRequest, transition: Transition) -> bool:
        """Whether the page offers `transition`: the permission the table names, as
        this admin answers it (a read-only deployment answers no)."""
        return getattr(self, f"has_{transition.permission}_permission")(request)

    def apply_transition(
        self, request: HttpRequest, queryset: Any, transition: Transition, reason: str | None = None
    ) -> None:
        try:
            result = services.change_status(
                questions=list(queryset),
                change=transition.name,
                source_name=source_name(request),
                actor=request.user,
                reason=reason,
            )
        except (services.ModerationError, services.EditConflict) as error:
            self.message_user(request, f"{error} Nothing was changed.", messages.ERROR)
            return
        if result.changed:
            self.message_user(
                request, f"{transition.event_type.capitalize()}: {len(result.changed)} question(s).", messages.SUCCESS
            )
        if result.skipped:
            self.message_user(
                request,
                f"Skipped {len(result.skipped)} question(s) already in a state where this does not apply: "
                + ", ".join(result.skipped[:20]),
                messages.WARNING,
            )

    def ask_reason(self, request: HttpRequest, queryset: Any, transition: Transition, form: forms.Form) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": transition.reason.title,
            "opts": self.model._meta,
            "questions": queryset,
            "form": form,
            "transition": transition,
            "action": transition.action_name,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/interview/question/reason_for_selected.html", context)

class QuestionModerationMixin(ModerationMixin):
    """The question admin's part: the moves on a question's page (also posted from
    a review queue row), and the superuser's hard delete."""

    def offered_transitions(self, request: HttpRequest, obj: Question) -> list[Transition]:
        return [t for t in transitions_from(obj.status) if self.may_make(request, t)]

    def moderation_context(self, request: HttpRequest, obj: Question) -> dict[str, Any]:
        """The moderation panel of a question's page: the moves it offers, as buttons."""
        offered = self.offered_transitions(request, obj)
        asking = [t.verb for t in offered if t.reason_required]
        return {
            "can_moderate": self.has_moderate_permission(request),
            "can_hard_delete": self.has_hard_delete_permission(request),
            "hard_delete_url": reverse("admin:interview_question_hard_delete", args=[obj.pk]),
            "moderation_url": reverse("admin:interview_question_moderate", args=[obj.pk]),
            "moderation_buttons": offered,
            "reason_label": f"Reason (required to {' or '.join(asking)})" if asking else "Reason (optional)",
            # Only moves that need a reason: the box may not be left empty.
            "reason_required": bool(offered) and len(asking) == len(offered),
        }

    def moderation_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/moderate/", view(self.moderate_view), name="interview_question_moderate"),
            path("<path:object_id>/hard-delete/", view(self.hard_delete_view), name="interview_question_hard_delete"),
        ]

    def moderate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One move on one question (a POST from its page or the review queue)."""
        if request.method != "POST":
            return HttpResponse("Moderation is a POST.", status=405, content_type="text/plain")
        action = request.POST.get("action", "")
        transition = TRANSITIONS.get(action)
        if not (self.has_moderate_permission(request) or (transition and self.may_make(request, transition))):
            raise PermissionDenied
        obj = self.get_question(request, object_id)
        back = next_url(request, reverse("admin:interview_question_change", args=[obj.pk]))
        try:
            result = services.change_status(
                questions=[obj],
                change=action,
                source_name=source_name(request),
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
            self.message_user(request, f"{obj.pk}: {TRANSITIONS[action].event_type} (status {obj.status}).", messages.SUCCESS)
        else:
            self.message_user(request, f"{obj.pk} is {obj.status}; nothing to {action}.", messages.WARNING)
        return HttpResponseRedirect(back)

    # -- hard delete: the superuser's, outside the moves -----------------------------

    def has_hard_delete_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def hard_delete_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_hard_delete_permission(request):
            raise PermissionDenied
        obj = self.get_question(request, object_id)
        if request.method == "POST" and request.POST.get("confirm") == obj.pk:
            entry = services.hard_delete_question(
                question=obj, source_name=source_name(request), reason=request.POST.get("reason") or None
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


@admin.register(FlaggedQuestion)
class ReviewQueueAdmin(ReadOnlyAdminMixin, ModerationMixin, admin.ModelAdmin):
    """Flagged questions with their latest flag, decided in place."""

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
    # The moves that apply to a flagged question.
    actions = [BULK_ACTIONS[t.name] for t in transitions_from(QuestionStatus.FLAGGED)]
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
        return request.user.has_perm(PERMISSIONS["moderate"])

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSIONS["moderate"])


    def get_list_display(self, request: HttpRequest) -> list[str]:
        # No decision buttons where they would be refused (read-only).
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
        # (forms cannot nest); see flaggedquestion/change_list.html. A row
        # has no reason box, so moves that need one are left to the list's actions.
        url = reverse("admin:interview_question_moderate", args=[obj.pk])
        return format_html_join(
            " ",
            '<button type="submit" class="button" form="review-row-actions" formaction="{}" name="action" value="{}">{}</button>',
            ((url, t.name, t.row_button) for t in transitions_from(obj.status) if not t.reason_required),
        )
