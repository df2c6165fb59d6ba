"""The read-only deployment (only TURSO_DATABASE_URL_RO configured).

A banner on every admin page; no add, change or delete of content anywhere;
no action that writes content; a forced POST gets a clear message and
changes nothing. The admin's own database stays writable: sessions are
server-side, sign-in records `last_login`, admin users can be managed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.db import connection as admin_connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bots.models import WorkItem
from core.databases import content_connection as connection
from core.databases import is_content_model
from interview.models import Question
from learning.models import Certification, LearningPath
from tests.support.content_factories import PASSWORD

pytestmark = pytest.mark.django_db


def read_only() -> override_settings:
    """Settings as config/settings.py makes them when only the read-only URL is set."""
    return override_settings(READ_ONLY=True)


BANNER = "oi-read-only-banner"
REFUSAL = "connected with read-only database credentials"


@pytest.fixture
def ro_superuser(login: Any) -> Any:
    with read_only():
        yield login(superuser=True)


PAGES = [
    lambda env: reverse("admin:index"),
    lambda env: reverse("admin:section", args=["content"]),
    lambda env: reverse("admin:learning_learningpath_changelist"),
    lambda env: reverse("admin:learning_learningpath_change", args=["path-1"]),
    lambda env: reverse("admin:bots_workitem_changelist"),
    lambda env: reverse("admin:interview_question_change", args=["q-1"]),
    lambda env: reverse("admin:interview_question_changelist"),
    lambda env: reverse("admin:interview_flaggedquestion_changelist"),
]


def test_banner_on_every_page_only_when_read_only(catalog, login):
    client = login(superuser=True)
    assert BANNER not in client.get(reverse("admin:index")).content.decode()
    with read_only():
        for page in PAGES:
            response = client.get(page(catalog))
            assert response.status_code == 200, page(catalog)
            assert BANNER in response.content.decode(), page(catalog)
        anonymous = Client().get(reverse("admin:login"))
        assert BANNER in anonymous.content.decode()


def test_every_content_admin_denies_writes_and_the_admins_own_allow_them(catalog, make_user):
    user = make_user(None, superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = user
    with read_only():
        own = [m for m in admin.site._registry if not is_content_model(m)]
        assert {User, Group} <= set(own)
        for model in own:
            assert admin.site._registry[model].has_change_permission(request), model._meta.label
        for model, model_admin in admin.site._registry.items():
            if not is_content_model(model):
                continue
            label = model._meta.label
            assert not model_admin.has_add_permission(request), label
            assert not model_admin.has_change_permission(request), label
            assert not model_admin.has_delete_permission(request), label
            for name, (action, *_rest) in model_admin.get_actions(request).items():
                needs = set(getattr(action, "allowed_permissions", ()))
                assert needs and needs <= {"view", "export"}, f"{label}: action {name} writes"
            moderate = getattr(model_admin, "has_moderate_permission", None)
            if moderate is not None:
                assert not moderate(request), label
    # The same admins allow writes when the deployment is not read-only.
    assert admin.site._registry[Certification].has_add_permission(request)


def test_pages_offer_no_write_controls(catalog, ro_superuser):
    with read_only():
        changelist = ro_superuser.get(reverse("admin:learning_certification_changelist"))
        assert reverse("admin:learning_certification_add") not in changelist.content.decode()
        change = ro_superuser.get(reverse("admin:learning_learningpath_change", args=["path-1"]))
        assert 'name="_save"' not in change.content.decode()
        review = ro_superuser.get(reverse("admin:interview_flaggedquestion_changelist"))
        assert review.status_code == 200 and 'value="approve"' not in review.content.decode()
        queue = ro_superuser.get(reverse("admin:bots_workitem_changelist"))
        assert queue.context["action_form"] is None or not [
            value for value, _ in queue.context["action_form"].fields["action"].choices if value
        ]


FORCED_POSTS = [
    (
        "add certification",
        lambda env: reverse("admin:learning_certification_add"),
        {
            "id": "cert-ro",
            "name": "x",
            "provider": "p",
            "description": "d",
            "difficulty": "beginner",
            "category": "c",
        },
        lambda env: Certification.objects.filter(pk="cert-ro").exists(),
    ),
    (
        "edit learning path",
        lambda env: reverse("admin:learning_learningpath_change", args=["path-1"]),
        {
            "title": "Changed",
            "description": "d",
            "path_type": "skill",
            "difficulty": "beginner",
            "question_ids": "q-1",
            "channels": "python",
        },
        lambda env: LearningPath.objects.get(pk="path-1").title == "Changed",
    ),
    (
        "retry action",
        lambda env: reverse("admin:bots_workitem_changelist"),
        None,  # filled from the env
        lambda env: WorkItem.objects.get(pk=env["work_item"].pk).status != "failed",
    ),
    (
        "delete certification",
        lambda env: reverse("admin:learning_certification_delete", args=["cert-1"]),
        {"post": "yes"},
        lambda env: not Certification.objects.filter(pk="cert-1").exists(),
    ),
    (
        "moderate question",
        lambda env: reverse("admin:interview_question_moderate", args=["q-1"]),
        {"action": "flag", "reason": "bad"},
        lambda env: Question.objects.get(pk="q-1").status != "active",
    ),
]


@pytest.mark.parametrize(
    ("label", "url", "data", "changed"), FORCED_POSTS, ids=[p[0] for p in FORCED_POSTS]
)
def test_forced_post_is_refused_with_a_message(catalog, ro_superuser, label, url, data, changed):
    if data is None:
        data = {
            "action": "retry_items",
            "_selected_action": [str(catalog["work_item"].pk)],
            "index": "0",
        }
    with read_only(), CaptureQueriesContext(connection) as queries:
        response = ro_superuser.post(url(catalog), data)
    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    assert not changed(catalog)
    writes = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


@pytest.mark.sqld
def test_sign_in_and_out_write_only_the_admin_database(make_user, fast_hasher):
    user = make_user(None, superuser=True, username="reader", password=PASSWORD)
    client = Client()
    with (
        read_only(),
        CaptureQueriesContext(connection) as queries,
        CaptureQueriesContext(admin_connection) as admin_queries,
    ):
        response = client.post(
            reverse("admin:login"),
            {"username": "reader", "password": PASSWORD, "next": reverse("admin:index")},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        index = client.get(reverse("admin:index"))
        assert index.status_code == 200
        assert index.context["user"].username == "reader"
        assert client.post(reverse("admin:logout")).status_code == 200
        assert client.get(reverse("admin:index")).status_code == 302
    content_writes = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert content_writes == []
    # The session is server-side again (no signed cookie holding it) and
    # was deleted at log out; last_login is recorded.
    session_writes = [q["sql"] for q in admin_queries if "django_session" in q["sql"]]
    assert any(sql.startswith("INSERT") for sql in session_writes)
    assert any(sql.startswith("DELETE") for sql in session_writes)
    assert not Session.objects.exists()
    user.refresh_from_db()
    assert user.last_login is not None


def test_admin_users_can_be_managed_while_content_is_read_only(ro_superuser, make_user):
    other = make_user(None, username="colleague")
    with read_only():
        response = ro_superuser.post(
            reverse("admin:auth_user_change", args=[other.pk]),
            {
                "username": "colleague",
                "first_name": "Renamed",
                "last_name": "",
                "email": "",
                "is_active": "on",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "00:00:00",
                "initial-date_joined_0": "2026-01-01",
                "initial-date_joined_1": "00:00:00",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    other.refresh_from_db()
    assert other.first_name == "Renamed"


def test_last_login_is_still_written_normally(make_user, fast_hasher):
    user = make_user(None, superuser=True, username="writer", password=PASSWORD)
    response = Client().post(reverse("admin:login"), {"username": "writer", "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.last_login is not None
    assert User.objects.filter(username="writer").exists()
