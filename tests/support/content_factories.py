"""Row builders and raw-SQL helpers for the learning, bots, people, roles and
read-only admin tests (their fixtures are in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from bots.models import WorkItem
from core import encodings
from core.databases import content_connection as connection
from interview.models import Question
from learning.models import Certification, LearningPath, VoiceSession

PASSWORD = "correct-horse-battery-staple-42"


def make_question(question_id: str, **fields: Any) -> Question:
    values = {
        "question": f"What is {question_id}?",
        "answer": "An answer.",
        "explanation": "Because.",
        "difficulty": "beginner",
        "channel": "python",
        "sub_channel": "basics",
        "tags": ["python"],
        "status": "active",
    }
    values.update(fields)
    return Question.objects.create(id=question_id, **values)


def make_learning_path(path_id: str = "path-1", **fields: Any) -> LearningPath:
    values = {
        "title": "Python path",
        "description": "Learn Python.",
        "path_type": "skill",
        "difficulty": "beginner",
        "question_ids": [],
        "channels": ["python"],
        "tags": ["python"],
        "created_at": encodings.node_now(),
    }
    values.update(fields)
    return LearningPath.objects.create(id=path_id, **values)


def make_certification(cert_id: str = "cert-1", **fields: Any) -> Certification:
    values = {
        "name": "Python Certified",
        "provider": "PSF",
        "description": "A certificate.",
        "difficulty": "beginner",
        "category": "programming",
        "domains": [{"id": "basics", "name": "Basics", "weight": 100}],
        "prerequisites": [],
        "tags": ["python"],
    }
    values.update(fields)
    return Certification.objects.create(id=cert_id, **values)


def make_voice_session(session_id: str = "vs-1", **fields: Any) -> VoiceSession:
    values = {
        "topic": "Python talk",
        "channel": "python",
        "difficulty": "beginner",
        "question_ids": [],
        "total_questions": 0,
    }
    values.update(fields)
    return VoiceSession.objects.create(id=session_id, **values)


def make_work_item(**fields: Any) -> WorkItem:
    values = {
        "item_type": "question",
        "item_id": "q-1",
        "action": "improve",
        "status": "pending",
        "priority": 5,
        "created_by": "improve-bot",
    }
    values.update(fields)
    return WorkItem.objects.create(**values)


def raw_column(table: str, column: str, pk: object) -> Any:
    """A column exactly as stored, read with plain SQL (no field conversion)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 - test constants
        row = cursor.fetchone()
    return row[0] if row else None


def set_raw_column(table: str, column: str, pk: object, value: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [value, pk])  # noqa: S608


def changelist_post(ids: list[object], action: str, **extra: Any) -> dict[str, Any]:
    return {"action": action, "_selected_action": [str(i) for i in ids], "index": "0", **extra}
