"""Sign-in throttling: slowed, then locked with a clear message; state in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from config.security import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "throttle-test-password-7"
LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def throttling(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.OI_LOGIN_FAILURE_DELAY_SECONDS = 0.5
    settings.OI_LOGIN_FAILURE_MAX_DELAY_SECONDS = 0.75
    User.objects.create_superuser("editor", "e@example.com", PASSWORD)
    User.objects.create_superuser("other", "o@example.com", PASSWORD)


def attempt(username: str, password: str, address: str = "198.51.100.7", client: Client | None = None) -> Any:
    with mock.patch("config.security.time.sleep") as sleep:
        response = (client or Client()).post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
        )
    response.slept = [call.args[0] for call in sleep.call_args_list]
    return response


def is_locked(response: Any) -> bool:
    return response.status_code == 429 and "Too many failed sign-in attempts" in response.content.decode()


def test_failures_are_slowed_then_locked_with_a_clear_message(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 4
    first = attempt("editor", "wrong-1")
    second = attempt("editor", "wrong-2")
    third = attempt("editor", "wrong-3")
    fourth = attempt("editor", "wrong-4")
    assert first.status_code == 200 and first.slept == []  # the form again, with Django's error
    assert second.status_code == 200 and second.slept == [0.5]
    assert third.status_code == 200 and third.slept == [0.75]  # 1.0, capped
    assert is_locked(fourth) and fourth.slept == []  # locked: answered at once
    assert "Try again in 15 minutes" in fourth.content.decode()
    # Locked: even the right password is refused, from any client.
    assert is_locked(attempt("editor", PASSWORD))


def test_lock_is_in_the_database_so_it_survives_a_restart_and_holds_on_other_instances() -> None:
    for n in range(3):
        attempt("editor", f"wrong-{n}")
    row = AccessAttempt.objects.get(username="editor")
    assert row.failures_since_start >= 3
    # A new Client is a new handler with fresh middleware: nothing in memory carries over.
    assert is_locked(attempt("editor", PASSWORD, client=Client()))


def test_one_address_trying_many_accounts_is_locked() -> None:
    for name in ("a", "b", "c"):
        attempt(name, "guess", address="203.0.113.9")
    assert is_locked(attempt("other", PASSWORD, address="203.0.113.9"))
    # The account itself is not locked for everyone else.
    assert attempt("other", PASSWORD, address="198.51.100.50").status_code == 302


def test_one_account_tried_from_many_addresses_is_locked() -> None:
    for n in range(3):
        attempt("editor", "guess", address=f"192.0.2.{n + 1}")
    assert is_locked(attempt("editor", PASSWORD, address="192.0.2.99"))


def test_lock_ends_after_the_cool_off_time() -> None:
    for n in range(3):
        attempt("editor", f"wrong-{n}")
    assert is_locked(attempt("editor", PASSWORD))
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt("editor", PASSWORD).status_code == 302


def test_success_resets_the_count() -> None:
    attempt("editor", "wrong-1")
    attempt("editor", "wrong-2")
    assert attempt("editor", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="editor").exists()
    assert attempt("editor", "wrong-3").status_code == 200


@override_settings(OI_TRUSTED_PROXY_COUNT=1)
def test_client_address_behind_one_proxy_is_the_one_it_saw() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"  # not the forgeable left-most entry


def test_client_address_without_proxies_ignores_forwarded_for() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "198.51.100.7"
