"""The question form's "possibly the same question" list and its JSON endpoint."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.html import format_html

from interview import services
from interview.models import RelationshipType
from search import selectors


def similar_questions_placeholder(*, question: Any) -> str:
    """Where similar_questions.js lists the suggestions as the question is typed.

    On an existing question, each suggestion offers a moderator (the JSON
    answer says whether the viewer is one) to record how it relates."""
    relate_url = (
        reverse("admin:interview_question_relate", args=[question.pk])
        if question is not None and question.pk
        else ""
    )
    return format_html(
        '<div class="similar-questions" data-similar-url="{}" data-exclude-id="{}" data-relate-url="{}" '
        'data-relationship-types="{}" aria-live="polite">'
        '<p class="help">Questions that look like this one appear here as you type.</p></div>',
        reverse("admin:interview_question_similar"),
        question.pk if question is not None and question.pk else "",
        relate_url,
        json.dumps(RelationshipType.choices),
    )


def relate_questions(request: HttpRequest, object_id: str, *, model_admin: Any) -> JsonResponse:
    """POST target + relationship_type: record how the question relates to
    another (a moderator's decision, with a history row); JSON in words."""
    if request.method != "POST":
        return JsonResponse({"error": "Recording a relationship is a POST."}, status=405)
    if not model_admin.has_moderate_permission(request):
        raise PermissionDenied
    source = model_admin.get_object(request, unquote(object_id))
    if source is None:
        return JsonResponse({"error": f"No question with id {unquote(object_id)!r}."}, status=404)
    try:
        result = services.record_relationship(
            source=source,
            target_id=request.POST.get("target", ""),
            relationship_type=request.POST.get("relationship_type", ""),
            source_name=request.user.get_username(),
            actor=request.user,
        )
    except services.ModerationError as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    relationship = result.relationship
    label = RelationshipType(relationship.relationship_type).label.lower()
    verb = "Recorded" if result.created else "Already recorded"
    return JsonResponse(
        {"message": f"{verb}: {relationship.target_question_id} as {label} of {source.pk}.", "created": result.created}
    )


def similar_questions(request: HttpRequest, *, model_admin: Any) -> JsonResponse:
    """The five existing questions most like `text`, with channel, status and a link."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    text = request.GET.get("text", "")
    exclude_id = request.GET.get("exclude") or None
    try:
        found = selectors.similar_questions(text=text, exclude_id=exclude_id)
    except DatabaseError:
        return JsonResponse({"error": "The search index cannot be read just now.", "questions": []}, status=503)
    return JsonResponse(
        {
            "may_relate": model_admin.has_moderate_permission(request),
            "questions": [
                {
                    "id": item.question_id,
                    "question": item.question,
                    "channel": item.channel,
                    "status": item.status,
                    "url": reverse("admin:interview_question_change", args=[item.question_id]),
                }
                for item in found
            ]
        }
    )
