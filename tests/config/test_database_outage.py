"""A database going away while people are signed in: every page that needs
it answers 503 in words (no host, no traceback), /healthz its 503 JSON
whatever the cookies, and everything works again once the database is back,
without a restart. Without the admin database nothing works (sessions live
there); without the content database the content pages do not, but people
can still sign in."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from config.middleware import UNAVAILABLE_SENTENCE
from core.databases import ADMIN_DB, CONTENT_DB
from core.db.backends.libsql.base import DatabaseWrapper
from tests.support.question_admin import client_for, insert_question
from tests.support.site_server import (
    SUPERUSER,
    SUPERUSER_PASSWORD,
    Browser,
    prepare_database,
    site_env,
    start_site,
)
from tests.support.sqld import start_sqld

UNAVAILABLE_JSON = {"status": "error", "database": "unavailable"}
SIGNED_IN_PAGES = [
    "/admin/",
    "/admin/interview/question/",
    "/admin/interview/question/?q=closure",
    "/admin/interview/question/q-1/change/",
]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_gone(alias: str) -> Iterator[str]:
    """This thread's `alias` connection pointed at a libSQL server that is
    not there (a port nothing listens on); yields its host:port."""
    address = f"127.0.0.1:{closed_port()}"
    url = f"http://{address}"
    settings_dict = {
        **connections[alias].settings_dict,
        "NAME": url,
        "OPTIONS": {"url": url, "auth_token": "token"},
    }
    own = connections[alias]
    gone = DatabaseWrapper(settings_dict, alias)
    connections[alias] = gone
    try:
        yield address
    finally:
        gone.close()
        connections[alias] = own


def assert_unavailable_page(answer_status: int, body: str, address: str) -> None:
    assert answer_status == 503, body[:500]
    assert "Database unavailable" in body
    assert UNAVAILABLE_SENTENCE in body
    host, port = address.split(":")
    assert port not in body and "libSQL" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_signed_in_pages_and_health_answer_503_when_the_admin_database_is_gone(editor: Any) -> None:
    insert_question("q-1")
    signed_in = client_for(editor)
    signed_in.raise_request_exception = False
    anonymous = Client(raise_request_exception=False)
    with database_gone(ADMIN_DB) as address:
        for path in SIGNED_IN_PAGES:
            response = signed_in.get(path)
            assert_unavailable_page(response.status_code, response.content.decode(), address)
        health = signed_in.get("/healthz")
        assert health.status_code == 503
        assert health.json() == UNAVAILABLE_JSON
        sign_in = anonymous.post("/admin/login/", {"username": "edna", "password": "x"})
        assert_unavailable_page(sign_in.status_code, sign_in.content.decode(), address)
    assert signed_in.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_content_pages_answer_503_and_sign_in_still_works_when_the_content_database_is_gone(
    editor: Any,
) -> None:
    insert_question("q-1")
    signed_in = client_for(editor)
    signed_in.raise_request_exception = False
    User.objects.create_user("nadia", password="nadia-password-123", is_staff=True)
    anonymous = Client(raise_request_exception=False)
    with database_gone(CONTENT_DB) as address:
        for path in SIGNED_IN_PAGES[1:]:
            response = signed_in.get(path)
            assert_unavailable_page(response.status_code, response.content.decode(), address)
        health = signed_in.get("/healthz")
        assert health.status_code == 503
        assert health.json() == UNAVAILABLE_JSON
        sign_in = anonymous.post("/admin/login/", {"username": "nadia", "password": "nadia-password-123"})
        assert sign_in.status_code == 302, sign_in.content.decode()[:500]
    assert signed_in.get("/admin/interview/question/").status_code == 200


def test_sqld_killed_while_a_signed_in_editor_browses_then_back_without_a_restart(
    tmp_path: Path,
) -> None:
    """Both databases on real servers; each is killed in turn and restarted."""
    with start_sqld(tmp_path, jwt_auth=True) as content, start_sqld(tmp_path, jwt_auth=True) as admin:
        env = site_env(
            TURSO_DATABASE_URL=content.url,
            TURSO_AUTH_TOKEN=content.rw_token or "",
            ADMIN_DATABASE_URL=admin.url,
            ADMIN_AUTH_TOKEN=admin.rw_token or "",
        )
        prepare_database(env)
        with start_site(env, directory=tmp_path) as site:
            editor = Browser(site.url)
            editor.sign_in(SUPERUSER, SUPERUSER_PASSWORD)
            anonymous = Browser(site.url)
            for path in ["/admin/", "/admin/interview/question/"]:
                assert editor.get(path).status == 200, site.log_tail()

            for database, failing in (
                # (A search that the index, in the admin database, answers
                # with no match needs nothing from the content: not listed.)
                (content, ["/admin/interview/question/", "/admin/interview/question/?difficulty=advanced"]),
                (admin, ["/admin/", "/admin/interview/question/", "/admin/interview/question/?q=x"]),
            ):
                database.kill()
                address = database.url.removeprefix("http://")
                # Every thread of both workers: more requests than threads.
                for _ in range(3):
                    for path in failing:
                        answer = editor.get(path)
                        assert_unavailable_page(answer.status, answer.body, address)
                    health = editor.get("/healthz")
                    assert health.status == 503, health.body[:500]
                    assert json.loads(health.body) == UNAVAILABLE_JSON
                    assert anonymous.get("/healthz").status == 503
                if database is admin:
                    login = anonymous.get("/admin/login/")
                    page = anonymous.post(
                        "/admin/login/",
                        {
                            "csrfmiddlewaretoken": anonymous.csrf_token(login),
                            "username": SUPERUSER,
                            "password": SUPERUSER_PASSWORD,
                        },
                    )
                    assert_unavailable_page(page.status, page.body, address)

                database.restart()
                deadline = time.monotonic() + 20
                while anonymous.get("/healthz").status != 200 and time.monotonic() < deadline:
                    time.sleep(0.2)
                for _ in range(4):
                    for path in ["/admin/", "/admin/interview/question/", "/healthz"]:
                        answer = editor.get(path)
                        assert answer.status == 200, (path, answer.body[:300], site.log_tail())
            assert "Traceback" not in site.log_tail(100_000)
