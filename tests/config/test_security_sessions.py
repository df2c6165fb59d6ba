"""Sign-in sessions: idle expiry (in the database, so on every instance) and server-side logout."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from config.security import SESSION_REFRESHED_AT_KEY
from tests.support.admin_sweep import login_redirect

pytestmark = pytest.mark.django_db

PASSWORD = "session-test-password-9"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def signed_in() -> tuple[Client, Session]:
    User.objects.create_superuser("session-admin", "s@example.com", PASSWORD)
    client = Client()
    response = client.post("/admin/login/", {"username": "session-admin", "password": PASSWORD})
    assert response.status_code == 302
    return client, Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_session_lasts_the_configured_idle_time(settings: Any, signed_in: tuple[Client, Session]) -> None:
    _, session = signed_in
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 5 <= remaining <= settings.SESSION_COOKIE_AGE
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # refreshed by IdleSessionMiddleware instead


def test_idle_session_is_refused_on_every_instance(signed_in: tuple[Client, Session]) -> None:
    client, session = signed_in
    assert client.get("/admin/").status_code == 200
    # As if the idle time had passed: the row's expiry is what any instance checks.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert login_redirect(client.get("/admin/"))
    # A brand-new client with the same cookie (another instance) is refused too.
    other = Client()
    other.cookies["sessionid"] = session.session_key
    assert login_redirect(other.get("/admin/"))


def test_activity_pushes_the_expiry_forward_at_most_once_per_interval(
    settings: Any, signed_in: tuple[Client, Session]
) -> None:
    client, session = signed_in
    settings.OI_SESSION_REFRESH_SECONDS = 60
    # Pretend the expiry was last pushed two minutes ago, with little time left.
    data = session.get_decoded()
    data[SESSION_REFRESHED_AT_KEY] = int(time.time()) - 120
    soon = timezone.now() + timedelta(seconds=30)
    Session.objects.filter(pk=session.pk).update(
        session_data=Session.objects.encode(data), expire_date=soon
    )
    assert client.get("/admin/").status_code == 200
    refreshed = Session.objects.get(pk=session.pk).expire_date
    assert refreshed > soon + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Within the interval, a request writes nothing (no extra round trip per page).
    Session.objects.filter(pk=session.pk).update(expire_date=soon)
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date == soon


def test_logout_invalidates_the_session_server_side(signed_in: tuple[Client, Session]) -> None:
    client, session = signed_in
    stolen_cookie = session.session_key
    assert client.post("/admin/logout/").status_code == 200
    assert not Session.objects.filter(session_key=stolen_cookie).exists()
    replay = Client()
    replay.cookies["sessionid"] = stolen_cookie
    assert login_redirect(replay.get("/admin/"))
