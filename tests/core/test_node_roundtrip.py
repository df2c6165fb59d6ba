"""Rows the Node app wrote survive our reads and writes byte for byte.

Each test writes a row with raw SQL exactly as the Node code does, reads it
through the models, changes one field, and compares every stored column
with what the app would hold.
"""

from __future__ import annotations

import pytest

from bots.models import WorkItem
from core.models import AppUser
from interview import services
from interview.models import Question
from learning.models import Certification, UserSession
from tests.support.raw_sql import insert_raw, read_raw

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.sqld]

LEGACY_QUESTION = {
    "id": "q-900",
    "question": "What is a closure?",
    "answer": "A function with its lexical scope.",
    "explanation": "Closures **capture** variables.",
    "diagram": None,
    "difficulty": "intermediate",
    "tags": "react, javascript, frontend",  # plain text where JSON belongs
    "channel": "frontend",
    "sub_channel": "javascript",
    "source_url": None,
    "videos": '{"short":"https://youtu.be/x","long":null}',
    "companies": "",  # empty string, not JSON
    "eli5": None,
    "last_updated": "2025-12-26 12:51:06",  # SQLite's format
    "created_at": "2026-01-13T03:29:00.972Z",  # toISOString()
    "status": "needs-review",  # a status we do not know
    "tldr": None,
    "relevance_score": 77,
    "relevance_details": '{"clarity":8,"depth":7}',
    "voice_keywords": '["closure","scope"]',
    "voice_suitable": 1,
    "is_new": 0,
    "job_title_relevance": '{"frontend-engineer":90}',
    "experience_level_tags": '["mid"]',
}


def test_legacy_values_load_and_survive_an_edit_of_another_field() -> None:
    insert_raw("questions", LEGACY_QUESTION)
    question = Question.objects.get(pk="q-900")
    assert question.tags == "react, javascript, frontend"
    assert question.companies == ""
    assert question.videos == {"short": "https://youtu.be/x", "long": None}
    assert question.voice_suitable is True and question.is_new is False

    question.answer = "A function bundled with references to its surrounding state."
    result = services.save_question_changes(question=question, source_name="editor")

    stored = read_raw("questions", "q-900", list(LEGACY_QUESTION))
    changed = {k for k in LEGACY_QUESTION if stored[k] != LEGACY_QUESTION[k]}
    assert changed == {"answer", "last_updated"}
    assert stored["last_updated"].endswith("Z") and len(stored["last_updated"]) == 24
    assert result.history is not None and result.history.changed_fields == ["answer"]


def test_a_plain_model_save_also_keeps_untouched_legacy_values() -> None:
    insert_raw("questions", LEGACY_QUESTION)
    question = Question.objects.get(pk="q-900")
    question.eli5 = "It remembers where it was made."
    question.full_clean()  # the unknown stored status is accepted because it is unchanged
    question.save()
    stored = read_raw("questions", "q-900", list(LEGACY_QUESTION))
    assert {k for k in LEGACY_QUESTION if stored[k] != LEGACY_QUESTION[k]} == {"eli5", "last_updated"}


def test_new_json_is_written_compact_with_non_ascii_kept() -> None:
    insert_raw("questions", LEGACY_QUESTION)
    question = Question.objects.get(pk="q-900")
    question.tags = ["react", "javascript", "Zürich"]
    question.job_title_relevance = {"frontend-engineer": 90.0, "staff": 70}
    services.save_question_changes(question=question, source_name="editor")
    stored = read_raw("questions", "q-900", ["tags", "job_title_relevance"])
    assert stored == {
        "tags": '["react","javascript","Zürich"]',
        "job_title_relevance": '{"frontend-engineer":90,"staff":70}',
    }


def test_an_unchanged_save_writes_nothing() -> None:
    insert_raw("questions", LEGACY_QUESTION)
    question = Question.objects.get(pk="q-900")
    result = services.save_question_changes(question=question, source_name="editor")
    assert result.history is None
    assert read_raw("questions", "q-900", ["last_updated"])["last_updated"] == "2025-12-26 12:51:06"


def test_a_new_value_outside_the_choices_is_refused() -> None:
    insert_raw("questions", LEGACY_QUESTION)
    question = Question.objects.get(pk="q-900")
    question.status = "bogus"
    with pytest.raises(Exception, match="not a valid choice"):
        question.full_clean()


def test_created_question_gets_next_id_and_both_timestamps_in_z_form() -> None:
    insert_raw("questions", LEGACY_QUESTION)
    new = Question(
        question="Q?", answer="A.", explanation="E.", difficulty="beginner", channel="c", sub_channel="s"
    )
    services.create_question(question=new, source_name="editor")
    assert new.id == "q-901"
    stored = read_raw("questions", "q-901", ["created_at", "last_updated", "status", "is_new"])
    assert stored["created_at"].endswith("Z") and stored["last_updated"].endswith("Z")
    assert stored["status"] == "active" and stored["is_new"] == 1


def test_uuid_ids_for_app_users_and_sessions() -> None:
    user = AppUser(username="reader")
    user.set_password("s3cret-pass")
    user.save()
    session = UserSession.objects.create(session_type="test", session_key="k", title="T", total_items=3)
    for value in (user.id, session.id):
        assert len(value) == 36 and value.count("-") == 4
    stored = read_raw("users", user.id, ["password"])["password"]
    assert "s3cret-pass" not in stored
    started = read_raw("user_sessions", session.id, ["started_at", "last_accessed_at"])
    assert all(v.endswith("Z") for v in started.values())


def test_bot_table_defaults_match_the_sql_defaults() -> None:
    item = WorkItem.objects.create(item_type="question", item_id="q-1", action="verify")
    stored = read_raw("work_queue", item.id, ["priority", "status", "created_at"])
    assert stored["priority"] == 5 and stored["status"] == "pending"
    assert stored["created_at"].endswith("Z")


def test_certification_defaults_and_json_columns() -> None:
    cert = Certification.objects.create(
        id="c-1", name="N", provider="P", description="D", difficulty="expert", category="cloud",
        domains=[{"id": "d", "weight": 20.0}],
    )
    stored = read_raw("certifications", cert.id, ["icon", "color", "domains", "passing_score"])
    assert stored == {"icon": "award", "color": "text-primary", "domains": '[{"id":"d","weight":20}]',
                      "passing_score": 70}
