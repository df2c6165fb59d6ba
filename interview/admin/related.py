"""Admin for the tables that point at questions: channel mappings, relationships.

Foreign keys to questions use raw id inputs: a select of 30,000 questions
would be one huge query and page. (Voice sessions, ordered lists of
questions like learning paths, are administered with those in learning/admin.py.)
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin import admin_change_url, truncate
from core.facets import facet_filter
from importing.admin import ImportExportAdminMixin
from interview.models import ChannelMapping, Question, QuestionRelationship


def question_text_of(column: str) -> Subquery:
    """The start of a question's text, read in the list's own query.

    A correlated subquery, not a join: a mapping whose question is gone
    (the table has no foreign key constraint) still lists, with no text.
    """
    return Subquery(
        Question.objects.filter(pk=OuterRef(column)).values(text=Substr("question", 1, 100))[:1]
    )


def question_link(question_id: str, text: str | None = None) -> str:
    url = admin_change_url("interview", "question", question_id)
    if text is None:
        return format_html(
            '{} <span class="oi-badge oi-badge--missing">missing</span>', question_id
        )
    label = f"{question_id}: {truncate(text, 70)}"
    return format_html('<a href="{}">{}</a>', url, label) if url else label


@admin.register(ChannelMapping)
class ChannelMappingAdmin(ImportExportAdminMixin, admin.ModelAdmin):
    list_display = ["id", "channel_id", "sub_channel", "question_column"]
    list_filter = [facet_filter("channel_id", "channel", ("channel_id",))]
    search_fields = ["channel_id", "sub_channel", "question__id"]
    raw_id_fields = ["question"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(question_text=question_text_of("question_id"))

    @admin.display(description="question", ordering="question_id")
    def question_column(self, obj: ChannelMapping) -> str:
        return question_link(obj.question_id, obj.question_text)


@admin.register(QuestionRelationship)
class QuestionRelationshipAdmin(ImportExportAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "source_column",
        "relationship_type",
        "target_column",
        "strength",
        "created_at",
    ]
    list_filter = ["relationship_type"]
    search_fields = ["source_question__id", "target_question__id"]
    raw_id_fields = ["source_question", "target_question"]
    readonly_fields = ["created_at"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .annotate(
                source_text=question_text_of("source_question_id"),
                target_text=question_text_of("target_question_id"),
            )
        )

    @admin.display(description="source", ordering="source_question_id")
    def source_column(self, obj: QuestionRelationship) -> str:
        return question_link(obj.source_question_id, obj.source_text)

    @admin.display(description="target", ordering="target_question_id")
    def target_column(self, obj: QuestionRelationship) -> str:
        return question_link(obj.target_question_id, obj.target_text)
