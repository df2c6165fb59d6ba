"""What search adds to the questions' admin: ranked results, similar questions.

The index is built from questions (search reads `interview`), so the
questions' admin cannot import search; instead `SearchConfig.ready()`
installs `IndexedQuestionSearch` into it (`QuestionAdmin.question_search`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path

from interview.admin.common import NarrowChangeList
from interview.admin.questions import QuestionAdmin
from search import changelist, views


class QuestionChangeList(changelist.RankedSearchChangeList, NarrowChangeList):
    """The questions list: narrow rows, and ranked full-text search."""


class IndexedQuestionSearch:
    """`interview.admin.questions.QuestionSearch` over this app's index."""

    changelist_class = QuestionChangeList
    media = forms.Media(js=["search/similar_questions.js"])

    def search(self, *, request: HttpRequest, queryset: QuerySet, search_term: str) -> QuerySet | None:
        return changelist.search_questions(request=request, queryset=queryset, search_term=search_term)

    def similar_questions(self, *, question: Any) -> str:
        return views.similar_questions_placeholder(question=question)

    def urls(self, *, model_admin: Any) -> list[Any]:
        view = model_admin.admin_site.admin_view
        return [
            path("similar/", view(partial(views.similar_questions, model_admin=model_admin)), name="interview_question_similar"),
            path(
                "<path:object_id>/relate/",
                view(partial(views.relate_questions, model_admin=model_admin)),
                name="interview_question_relate",
            ),
        ]


def install() -> None:
    QuestionAdmin.question_search = IndexedQuestionSearch()
