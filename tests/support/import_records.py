"""Shared helpers for the import/export tests, and a test admin site.

The site registers the content models with `ImportExportAdminMixin` only,
so the import/export views are tested without depending on the rest of
each app's admin. Tests use it with `@pytest.mark.urls("tests.support.import_records")`.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import admin
from django.urls import path

from core.databases import content_connection as connection
from importing.admin import ImportExportAdminMixin
from importing.readers import SourceRecord
from interview.models import (
    ChannelMapping,
    Question,
    QuestionHistory,
    QuestionRelationship,
)
from learning.models import Certification, LearningPath, VoiceSession

CONTENT_MODELS = (Question, Certification, LearningPath, VoiceSession, ChannelMapping, QuestionRelationship)

import_test_site = admin.AdminSite(name="import_test")
for _model in CONTENT_MODELS:
    import_test_site.register(
        _model, type(f"{_model.__name__}ImportAdmin", (ImportExportAdminMixin, admin.ModelAdmin), {})
    )
urlpatterns = [path("admin/", import_test_site.urls)]


def question_record(number: int, **overrides: Any) -> dict[str, Any]:
    """A complete question as the app's export writes it (camelCase, JSON inline)."""
    record = {
        "id": f"q-{number}",
        "question": f"What is thing {number}?",
        "answer": f"Thing {number} is a thing.",
        "explanation": "## Why\nBecause **markdown**.",
        "diagram": "flowchart TD\n  A --> B",
        "difficulty": ["beginner", "intermediate", "advanced"][number % 3],
        "tags": ["alpha", f"tag-{number}"],
        "channel": "algorithms",
        "subChannel": "sorting",
        "sourceUrl": None,
        "videos": {"short": None, "long": "https://youtu.be/x"},
        "companies": ["Acme", "Ünïcode GmbH"],
        "eli5": "Like you are five.",
        "lastUpdated": "2026-01-13T03:29:00.972Z",
        "createdAt": "2025-12-26 12:51:06",
        "status": "active",
        "voiceKeywords": ["thing"],
        "voiceSuitable": 1,
        "isNew": 0,
    }
    record.update(overrides)
    return record


def records(dicts: list[dict[str, Any]], *, file: str = "test.json") -> list[SourceRecord]:
    return [SourceRecord(file=file, number=n, data=copy.deepcopy(d)) for n, d in enumerate(dicts, start=1)]


def table_counts() -> dict[str, int]:
    """Rows in every table an import may write."""
    return {model._meta.db_table: model.objects.count() for model in (*CONTENT_MODELS, QuestionHistory)}


def raw_row(table: str, pk: Any) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        columns = [c[0] for c in cursor.description]
        row = cursor.fetchone()
    return dict(zip(columns, row, strict=True)) if row else {}
