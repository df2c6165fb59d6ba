"""Tokens, passwords and session ids never reach the logs or error pages."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client, RequestFactory, override_settings
from django.views.debug import technical_500_response

from config.logging import OneLineFormatter, redact
from tests.support.admin_sweep import captured_console_log

TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJpZCI6InJlZGFjdGlvbi10ZXN0In0.c2lnbmF0dXJlLXJlZGFjdGlvbg"
PASSWORD = "Tr0ub4dor&3-redaction"
LINE_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"GET /x Authorization: Bearer {TOKEN}", TOKEN),
        ("auth header {'HTTP_AUTHORIZATION': 'Basic dXNlcjpzZWNyZXQtcGFzcw=='}", "dXNlcjpzZWNyZXQtcGFzcw=="),
        ("Cookie: csrftoken=abc; sessionid=k3y8s9d0f7g6h5j4k3l2", "k3y8s9d0f7g6h5j4k3l2"),
        (f"login failed password={PASSWORD} for admin", PASSWORD),
        (f'{{"username": "admin", "password": "{PASSWORD}"}}', PASSWORD),
        (f"'OPTIONS': {{'url': 'libsql://db.turso.io', 'auth_token': 'tok-{PASSWORD}'}}", PASSWORD),
        (f"cannot reach https://admin:{PASSWORD}@db.example.com/v2", PASSWORD),
        (f"connecting with token {TOKEN[:-3]}xyz", TOKEN[:-3]),  # any JWT, not only a known one
    ],
)
def test_redact_removes_each_kind_of_secret(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED]" in cleaned


def test_redact_removes_configured_secret_values_wherever_they_appear(monkeypatch: Any) -> None:
    monkeypatch.setenv("TURSO_AUTH_TOKEN", "plain-opaque-token-value-123")
    assert "plain-opaque-token-value-123" not in redact("error at https://x/?t=plain-opaque-token-value-123")
    assert redact("nothing to hide: 42 tokens counted") == "nothing to hide: 42 tokens counted"


def test_a_traceback_is_one_redacted_line() -> None:
    formatter = OneLineFormatter()
    try:
        raise RuntimeError(f"request failed\nheaders={{'Authorization': 'Bearer {TOKEN}'}}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    line = formatter.format(record)
    assert "\n" not in line
    assert "Traceback" in line and "RuntimeError" in line
    assert TOKEN not in line


@pytest.mark.django_db
def test_logs_of_a_real_session_carry_no_secret(settings: Any) -> None:
    """Sign in (a failure, then success), browse with Authorization and session cookies, hit an error."""
    settings.OI_LOGIN_FAILURE_DELAY_SECONDS = 0
    user = User.objects.create_superuser("redaction-admin", "a@example.com", PASSWORD)
    client = Client(raise_request_exception=False)
    with captured_console_log() as log:
        logging.getLogger("core.test").warning("token in a message: %s", TOKEN)
        client.post("/admin/login/", {"username": user.username, "password": PASSWORD + "x"})
        client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
        session_id = client.cookies["sessionid"].value
        client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        client.get("/admin/no-such-page/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        failure = RuntimeError(f"failed with {TOKEN} at libsql://admin:{PASSWORD}@db.example")
        with mock.patch.object(admin.site, "each_context", side_effect=failure):
            response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 500
    page = response.content.decode()
    text = log.getvalue()
    assert "Internal Server Error: /admin/" in text  # the error was logged, with its traceback
    for secret in (TOKEN, PASSWORD, session_id):
        assert secret not in text
        assert secret not in page
    assert all(LINE_START.match(line) for line in text.splitlines()), text


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_debug_error_page_hides_token_password_and_session() -> None:
    """Even `make run`'s technical 500 page (DEBUG) shows none of them."""
    session_id = "s3ss10nv4lu3abcdefghijklmnop"
    request = RequestFactory().post(
        "/admin/x/",
        {"username": "u", "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        HTTP_COOKIE=f"sessionid={session_id}",
    )
    request.COOKIES["sessionid"] = session_id

    def failing_call(auth_token: str, headers: dict[str, str]) -> None:
        raise RuntimeError("the server refused")

    try:
        failing_call(TOKEN, {"Authorization": f"Bearer {TOKEN}"})
    except RuntimeError:
        response = technical_500_response(request, *sys.exc_info())
    page = response.content.decode()
    assert "the server refused" in page  # it is the real debug page
    for secret in (TOKEN, PASSWORD, session_id):
        assert secret not in page
