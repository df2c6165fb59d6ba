"""The question form's "possibly the same question" list and its JSON endpoint."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.html import format_html

from search import selectors


def similar_questions_placeholder(*, question: Any) -> str:
    """Where similar_questions.js lists the suggestions as the question is typed."""
    return format_html(
        '<div class="similar-questions" data-similar-url="{}" data-exclude-id="{}" aria-live="polite">'
        '<p class="help">Questions that look like this one appear here as you type.</p></div>',
        reverse("admin:interview_question_similar"),
        question.pk if question is not None and question.pk else "",
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
