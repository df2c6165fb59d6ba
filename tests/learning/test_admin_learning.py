"""Certifications, learning paths, voice sessions, channel mappings, user sessions, app users."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from core.models import AppUser
from learning.models import Certification, LearningPath, UserSession, VoiceSession
from tests.support.content_factories import (
    make_certification,
    make_learning_path,
    make_question,
    make_voice_session,
    raw_column,
    set_raw_column,
)

pytestmark = pytest.mark.django_db


def path_form_data(path: LearningPath, **changes: str) -> dict[str, str]:
    """The change form's fields as an editor would submit them unchanged."""
    data = {
        "title": path.title,
        "description": path.description,
        "path_type": path.path_type,
        "target_company": path.target_company or "",
        "target_job_title": path.target_job_title or "",
        "difficulty": path.difficulty,
        "estimated_hours": str(path.estimated_hours or ""),
        "question_ids": "\n".join(path.question_ids)
        if isinstance(path.question_ids, list)
        else str(path.question_ids),
        "channels": "\n".join(path.channels),
        "tags": "\n".join(path.tags) if isinstance(path.tags, list) else str(path.tags or ""),
        "prerequisites": "",
        "learning_objectives": "",
        "milestones": "",
        "metadata": "",
        "popularity": "0",
        "completion_rate": "0",
        "average_rating": "0",
        "status": path.status or "",
    }
    data.update(changes)
    return data


def change_url(obj: object) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


# -- ordered question lists ----------------------------------------------------


def test_path_page_lists_questions_in_order_with_text_links_and_dangling_positions(editor_in_role_client):
    make_question("q-10", question="First <b>question</b>?")
    make_question("q-11", question="Second question?")
    path = make_learning_path(question_ids=["q-11", "q-gone", "q-10"])

    page = editor_in_role_client.get(change_url(path)).content.decode()
    page = page[page.index('class="oi-ordered-questions"') :]

    second, dangling, first = (
        page.index("Second question?"),
        page.index("q-gone"),
        page.index("First &lt;b&gt;"),
    )
    assert second < dangling < first  # stored order kept, the dangling id in its place
    assert reverse("admin:interview_question_change", args=["q-10"]) in page
    assert "oi-dangling" in page and "missing" in page
    assert "<b>question</b>" not in page  # question text escaped


@pytest.mark.sqld
def test_ordered_list_costs_one_query_however_long(editor_in_role_client, django_assert_max_num_queries):
    for n in range(40):
        make_question(f"q-{100 + n}")
    short = make_learning_path("short", question_ids=["q-100", "q-101"])
    long = make_learning_path("long", question_ids=[f"q-{100 + n}" for n in range(40)])
    editor_in_role_client.get(change_url(short))  # warm caches (content types, permissions)

    from django.test.utils import CaptureQueriesContext

    from core.databases import content_connection as connection

    with CaptureQueriesContext(connection) as short_queries:
        assert editor_in_role_client.get(change_url(short)).status_code == 200
    with CaptureQueriesContext(connection) as long_queries:
        assert editor_in_role_client.get(change_url(long)).status_code == 200
    assert len(long_queries) == len(short_queries)
    assert len(long_queries) <= 8


def test_new_unknown_question_id_is_refused_and_nothing_changes(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-1"])
    before = raw_column("learning_paths", "question_ids", path.pk)

    response = editor_in_role_client.post(
        change_url(path), path_form_data(path, title="Renamed", question_ids="q-1\nq-404")
    )

    assert response.status_code == 200
    assert "q-404 (position 2)" in response.content.decode()
    assert raw_column("learning_paths", "question_ids", path.pk) == before
    assert raw_column("learning_paths", "title", path.pk) == "Python path"


def test_stored_dangling_id_is_kept_with_a_warning(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-gone", "q-1"])

    response = editor_in_role_client.post(change_url(path), path_form_data(path, title="Renamed"), follow=True)

    assert response.status_code == 200
    assert "q-gone (position 1)" in response.content.decode()  # the warning message
    assert raw_column("learning_paths", "question_ids", path.pk) == '["q-gone","q-1"]'
    assert raw_column("learning_paths", "title", path.pk) == "Renamed"


@pytest.mark.sqld
def test_invalid_json_survives_a_save_of_other_fields_byte_for_byte(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-1"])
    set_raw_column("learning_paths", "tags", path.pk, "react, javascript, frontend")
    path = LearningPath.objects.get(pk=path.pk)

    page = editor_in_role_client.get(change_url(path)).content.decode()
    assert "react, javascript, frontend" in page
    assert "not valid JSON" in page

    response = editor_in_role_client.post(
        change_url(path),
        path_form_data(path, title="Renamed", tags="react, javascript, frontend"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert raw_column("learning_paths", "tags", path.pk) == "react, javascript, frontend"
    assert raw_column("learning_paths", "title", path.pk) == "Renamed"


def test_unchanged_save_writes_nothing(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-1"])
    set_raw_column("learning_paths", "last_updated", path.pk, "2026-01-13 03:29:00")
    path = LearningPath.objects.get(pk=path.pk)

    response = editor_in_role_client.post(change_url(path), path_form_data(path))

    assert response.status_code == 302
    assert raw_column("learning_paths", "last_updated", path.pk) == "2026-01-13 03:29:00"


def test_edit_sets_last_updated_in_the_apps_format(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-1"])
    set_raw_column("learning_paths", "last_updated", path.pk, "2026-01-13 03:29:00")
    path = LearningPath.objects.get(pk=path.pk)

    editor_in_role_client.post(change_url(path), path_form_data(path, description="New text"))

    stored = raw_column("learning_paths", "last_updated", path.pk)
    assert stored != "2026-01-13 03:29:00"
    assert stored.endswith("Z") and "T" in stored


def test_bad_json_says_what_is_wrong(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-1"])

    response = editor_in_role_client.post(change_url(path), path_form_data(path, milestones='[{"title": "one",}]'))
    assert "not valid JSON" in response.content.decode()
    assert "line 1, column" in response.content.decode()

    response = editor_in_role_client.post(change_url(path), path_form_data(path, metadata="[1, 2]"))
    assert "This value must be an object, not a list." in response.content.decode()

    deep = "[" * 5000 + "]" * 5000
    response = editor_in_role_client.post(change_url(path), path_form_data(path, milestones=deep))
    assert response.status_code == 200
    assert "nested more than" in response.content.decode()
    assert LearningPath.objects.get(pk=path.pk).milestones is None


@pytest.mark.sqld
def test_voice_session_total_questions_follows_question_ids(editor_in_role_client):
    for n in (1, 2, 3):
        make_question(f"q-{n}")
    session = make_voice_session(question_ids=["q-1"], total_questions=7)

    response = editor_in_role_client.post(
        change_url(session),
        {
            "topic": session.topic,
            "description": "",
            "channel": session.channel,
            "difficulty": session.difficulty,
            "question_ids": "q-1\nq-2\nq-3",
            "estimated_minutes": "5",
        },
    )

    assert response.status_code == 302
    saved = VoiceSession.objects.get(pk=session.pk)
    assert saved.question_ids == ["q-1", "q-2", "q-3"]
    assert saved.total_questions == 3


def test_add_voice_session_sets_total_and_created_at(editor_in_role_client):
    make_question("q-1")
    response = editor_in_role_client.post(
        reverse("admin:learning_voicesession_add"),
        {
            "id": "vs-new",
            "topic": "New",
            "description": "",
            "channel": "python",
            "difficulty": "beginner",
            "question_ids": "q-1",
            "estimated_minutes": "5",
        },
    )
    assert response.status_code == 302
    saved = VoiceSession.objects.get(pk="vs-new")
    assert saved.total_questions == 1
    assert raw_column("voice_sessions", "created_at", "vs-new").endswith("Z")


def test_certification_prerequisite_must_exist(editor_in_role_client):
    cert = make_certification()
    make_certification("cert-2", name="Advanced")
    data = {
        "id": cert.pk,
        "name": cert.name,
        "provider": cert.provider,
        "description": cert.description,
        "icon": "award",
        "color": "text-primary",
        "difficulty": "beginner",
        "category": "programming",
        "estimated_hours": "40",
        "exam_code": "",
        "official_url": "",
        "domains": '[{"id": "basics", "name": "Basics", "weight": 100}]',
        "channel_mappings": "",
        "tags": "python",
        "prerequisites": "cert-2\nno-such-cert",
        "status": "active",
        "question_count": "0",
        "passing_score": "70",
        "exam_duration": "90",
    }
    response = editor_in_role_client.post(change_url(cert), data)
    assert "no-such-cert (position 2)" in response.content.decode()
    assert Certification.objects.get(pk=cert.pk).prerequisites == []

    data["prerequisites"] = "cert-2"
    data["domains"] = '[{"id": "basics"}]'
    response = editor_in_role_client.post(change_url(cert), data)
    assert "object with &quot;name&quot;" in response.content.decode()

    data["domains"] = '[{"id": "basics", "name": "Basics", "weight": 100}]'
    assert editor_in_role_client.post(change_url(cert), data).status_code == 302
    assert Certification.objects.get(pk=cert.pk).prerequisites == ["cert-2"]


def test_choice_outside_the_list_is_offered_and_saved_back(editor_in_role_client):
    make_question("q-1")
    path = make_learning_path(question_ids=["q-1"])
    set_raw_column("learning_paths", "difficulty", path.pk, "legendary")
    path = LearningPath.objects.get(pk=path.pk)

    assert "legendary (stored value" in editor_in_role_client.get(change_url(path)).content.decode()
    response = editor_in_role_client.post(change_url(path), path_form_data(path, title="Renamed"))

    assert response.status_code == 302
    assert raw_column("learning_paths", "difficulty", path.pk) == "legendary"


# -- lists and their query budget ------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:learning_learningpath_changelist",
        "admin:learning_certification_changelist",
        "admin:learning_voicesession_changelist",
        "admin:interview_channelmapping_changelist",
        "admin:interview_questionrelationship_changelist",
        "admin:learning_usersession_changelist",
    ],
)
def test_lists_stay_within_budget_and_do_not_grow(
    url_name, moderator_in_role_client, superuser_client, catalog, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    from core.databases import content_connection as connection

    # A group member pays for permission look-ups; People is superusers' only.
    client = superuser_client if "usersession" in url_name else moderator_in_role_client
    url = reverse(url_name)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    questions = [make_question(f"q-{n}", question=f"Question {n}") for n in range(10, 40)]
    for n, question in enumerate(questions):
        make_learning_path(f"lp-{n}", question_ids=[question.pk], target_company=f"Co{n % 4}")
        make_certification(f"c-{n}", provider=f"P{n % 3}", category=f"c{n % 5}")
        make_voice_session(
            f"v-{n}", question_ids=[question.pk], total_questions=1, channel=f"ch{n % 3}"
        )
        question.channel_mappings.create(channel_id=f"ch{n % 3}", sub_channel="x")
        question.outgoing_relationships.create(
            target_question=questions[0], relationship_type="related"
        )
    UserSession.objects.bulk_create(
        UserSession(session_type="test", session_key=f"k{n}", title=f"S{n}", total_items=3)
        for n in range(30)
    )
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_channel_mapping_list_shows_question_text_with_a_link(superuser_client, catalog):
    page = superuser_client.get(reverse("admin:interview_channelmapping_changelist")).content.decode()
    assert "q-1: What is q-1?" in page
    assert reverse("admin:interview_question_change", args=["q-1"]) in page


def test_user_sessions_filter_by_type_and_status_and_cannot_be_added(superuser_client, catalog):
    url = reverse("admin:learning_usersession_changelist")
    assert "Voice: Python" in superuser_client.get(url, {"session_type": "voice"}).content.decode()
    assert (
        "Voice: Python" not in superuser_client.get(url, {"status__exact": "completed"}).content.decode()
    )
    assert superuser_client.get(reverse("admin:learning_usersession_add")).status_code == 403


# -- the app's users -------------------------------------------------------------


def test_app_user_password_hash_is_never_shown(superuser_client, fast_hasher):
    user = AppUser(username="reader")
    user.set_password("s3cret-Passw0rd!")
    user.save()
    stored_hash = raw_column("users", "password", user.pk)
    hash_part = stored_hash.split("$")[-1]

    pages = [
        superuser_client.get(reverse("admin:core_appuser_changelist")),
        superuser_client.get(reverse("admin:core_appuser_change", args=[user.pk])),
        superuser_client.get(reverse("admin:core_appuser_history", args=[user.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert hash_part not in page.content.decode()
        assert stored_hash.split("$")[0] + "$" not in page.content.decode()  # the algorithm prefix


def test_setting_an_app_user_password_stores_a_hash(superuser_client, fast_hasher):
    user = AppUser.objects.create(username="reader", password="")
    url = reverse("admin:core_appuser_change", args=[user.pk])

    mismatch = superuser_client.post(
        url, {"username": "reader", "new_password": "Another-pass-99", "confirm_password": "nope"}
    )
    assert "The two passwords differ." in mismatch.content.decode()
    assert raw_column("users", "password", user.pk) == ""

    response = superuser_client.post(
        url,
        {
            "username": "reader",
            "new_password": "Another-pass-99",
            "confirm_password": "Another-pass-99",
        },
    )
    assert response.status_code == 302
    stored = raw_column("users", "password", user.pk)
    assert stored != "Another-pass-99"
    assert check_password("Another-pass-99", stored)

    history = superuser_client.get(reverse("admin:core_appuser_history", args=[user.pk])).content.decode()
    assert "Another-pass-99" not in history and stored.split("$")[-1] not in history


def test_app_user_save_without_password_keeps_the_hash(superuser_client, fast_hasher):
    user = AppUser(username="reader")
    user.set_password("s3cret-Passw0rd!")
    user.save()
    before = raw_column("users", "password", user.pk)

    response = superuser_client.post(
        reverse("admin:core_appuser_change", args=[user.pk]),
        {"username": "reader2", "new_password": "", "confirm_password": ""},
    )

    assert response.status_code == 302
    assert raw_column("users", "password", user.pk) == before
    assert raw_column("users", "username", user.pk) == "reader2"
