"""Fixtures for the question admin tests: rows as the Node app writes them, and users per role.

Users get exactly the permissions their role needs, given here (a group for
the moderator, so its permission look-up is the group query a real
moderator pays), independent of the roles migration.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.databases import content_connection as connection
from tests.raw_sql import insert_raw, read_raw  # noqa: F401  (read_raw: re-exported for the admin tests)

# The pytest fixtures, for `from tests.admin_questions_fixtures import *` in
# test modules; helpers are imported by name.
__all__ = [
    "_fresh_channel_cache",
    "editor",
    "moderator",
    "superuser",
    "editor_client",
    "moderator_client",
    "superuser_client",
]

EDITOR_PERMISSIONS = [
    "interview.view_question",
    "interview.add_question",
    "interview.change_question",
    "interview.view_questionhistory",
]
MODERATOR_PERMISSIONS = [*EDITOR_PERMISSIONS, "interview.moderate_question", "bots.moderate_workitem"]

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


def _permissions(dotted: list[str]) -> list[Permission]:
    found = []
    for name in dotted:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@pytest.fixture(autouse=True)
def _fresh_channel_cache() -> None:
    # The channel lists are cached across requests; each test has its own rows.
    cache.clear()


@pytest.fixture
def editor(db: Any) -> User:
    user = User.objects.create_user("edna", password=None, is_staff=True)
    user.user_permissions.set(_permissions(EDITOR_PERMISSIONS))
    return user


@pytest.fixture
def moderator(db: Any) -> User:
    group = Group.objects.create(name="Test moderators")
    group.permissions.set(_permissions(MODERATOR_PERMISSIONS))
    user = User.objects.create_user("moe", password=None, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser("root", password=None, email="root@example.com")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(editor: User) -> Client:
    return client_for(editor)


@pytest.fixture
def moderator_client(moderator: User) -> Client:
    return client_for(moderator)


@pytest.fixture
def superuser_client(superuser: User) -> Client:
    return client_for(superuser)


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
