"""The health endpoint: no login, one database round trip, nothing about the configuration."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.db import connection as admin_connection
from django.test import Client, override_settings

from core.databases import content_connection as connection
from tests.support.admin_sweep import captured_console_log
from tests.support.shared_data import PROJECT_DIR

pytestmark = pytest.mark.django_db

FAKE_TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJhIjoicncifQ.c2VjcmV0LXNpZ25hdHVyZS1mb3ItdGVzdHM"


@pytest.mark.sqld
def test_healthy_database_answers_ok_with_one_round_trip(
    client: Client, django_assert_num_queries: Any, on_real_server: bool
) -> None:
    trips_before = getattr(connection, "round_trips", None)
    with (
        django_assert_num_queries(1, connection=connection),
        django_assert_num_queries(1, connection=admin_connection),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "database", "round_trip_ms"}
    assert body["status"] == "ok" and body["database"] == "ok"
    assert isinstance(body["round_trip_ms"], int | float) and body["round_trip_ms"] >= 0
    if on_real_server:
        # One HTTP request to the libSQL server, the connection being open already.
        assert connection.round_trips - trips_before == 1
    # No login, no session: a load balancer's poll leaves nothing behind.
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"].startswith("max-age=0")


def test_head_request_answers_too(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_failing_database_answers_503_without_details(client: Client) -> None:
    error = OperationalError(f"could not reach libsql://secret-db.example.turso.io with Bearer {FAKE_TOKEN}")
    with (
        mock.patch.object(connection, "cursor", side_effect=error),
        captured_console_log() as log,
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    text = response.content.decode()
    assert FAKE_TOKEN not in text and "turso.io" not in text
    logged = log.getvalue()
    assert "health check: database did not answer: OperationalError" in logged
    assert FAKE_TOKEN not in logged
    # One line per event: the cause, then Django's own line for the 503.
    lines = logged.strip().splitlines()
    assert len(lines) == 2 and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line) for line in lines)


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_stays_on_plain_http_when_everything_else_redirects() -> None:
    client = Client()
    assert client.get("/healthz").status_code == 200
    redirected = client.get("/admin/login/")
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_libsql_server_gives_503_and_a_redacted_log_line(tmp_path: Any) -> None:
    """End to end with the real engine: a server that is not there, a real token in the environment."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.content.decode()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OI_ALLOW_INSECURE_SECRET_KEY="1",
        OI_HTTPS="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        TURSO_DATABASE_URL=f"http://127.0.0.1:{_closed_port()}",
        TURSO_AUTH_TOKEN=FAKE_TOKEN,
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {"status": "error", "database": "unavailable"}
    assert "127.0.0.1" not in answer["body"]
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert "health check: database did not answer" in result.stderr
