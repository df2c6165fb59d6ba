"""Helpers for the question admin tests: question and history rows written
as the Node app writes them (raw SQL, its encodings), the question admin's
URLs, the POST a change form would send, and a signed-in client for a user.
The users themselves are fixtures in tests/conftest.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from core.databases import content_connection as connection
from tests.support.raw_sql import insert_raw

QUESTION_DEFAULTS: dict[str, Any] = {
    "question": "What is a closure?",
    "answer": "A function with its lexical scope.",
    "explanation": "Closures **capture** variables.",
    "diagram": None,
    "difficulty": "intermediate",
    "tags": '["javascript","scope"]',
    "channel": "frontend",
    "sub_channel": "javascript",
    "source_url": None,
    "videos": '{"shortVideo":null,"longVideo":null}',
    "companies": '["Google"]',
    "eli5": None,
    "last_updated": "2026-01-13T03:29:00.972Z",
    "created_at": "2026-01-10T03:29:00.972Z",
    "status": "active",
    "tldr": None,
    "relevance_score": 50,
    "relevance_details": None,
    "voice_keywords": None,
    "voice_suitable": 0,
    "is_new": 0,
    "job_title_relevance": None,
    "experience_level_tags": None,
}


def insert_question(qid: str, **columns: Any) -> str:
    """A question row written as the Node app writes it (raw SQL, its encodings)."""
    insert_raw("questions", {"id": qid, **QUESTION_DEFAULTS, **columns})
    return qid


def insert_questions(count: int, *, start: int = 1000, **columns: Any) -> list[str]:
    rows = [{"id": f"q-{n}", **QUESTION_DEFAULTS, "question": f"Question number {n}?", **columns} for n in range(start, start + count)]
    names = list(rows[0])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO questions ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
            [[row[name] for name in names] for row in rows],
        )
    return [row["id"] for row in rows]


def insert_history(qid: str, **columns: Any) -> int:
    row = {
        "question_id": qid,
        "question_type": "question",
        "event_type": "improved",
        "event_source": "bot",
        "source_name": "improve-bot",
        "changes_summary": "Improved answer",
        "changed_fields": '["answer"]',
        "before_snapshot": '{"answer":"old"}',
        "after_snapshot": '{"answer":"new"}',
        "reason": "quality",
        "created_at": "2026-01-05 10:00:00",
        **columns,
    }
    insert_raw("question_history", row)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM question_history")
        return cursor.fetchone()[0]


def history_rows(qid: str) -> list[dict[str, Any]]:
    columns = ["id", "event_type", "event_source", "source_name", "changed_fields", "before_snapshot", "after_snapshot", "reason"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM question_history WHERE question_id = %s ORDER BY id", [qid])
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def client_for(user: User) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def form_data(response: Any) -> dict[str, Any]:
    """The POST a browser would send for the change form as rendered."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        value = field.prepare_value(value)
        if isinstance(value, bool) or (value is None and field.__class__.__name__ == "NullBooleanField"):
            data[name] = {True: "true", False: "false", None: "unknown"}[value]
            continue
        data[name] = "" if value is None else value
    return data


def list_url() -> str:
    return reverse("admin:interview_question_changelist")


def review_url() -> str:
    return reverse("admin:interview_flaggedquestion_changelist")


def change_url(qid: str) -> str:
    return reverse("admin:interview_question_change", args=[qid])


def moderate_url(qid: str) -> str:
    return reverse("admin:interview_question_moderate", args=[qid])


def history_url(qid: str) -> str:
    return reverse("admin:interview_question_history", args=[qid])


def entry_url(qid: str, entry_id: int) -> str:
    return reverse("admin:interview_question_history_entry", args=[qid, entry_id])
