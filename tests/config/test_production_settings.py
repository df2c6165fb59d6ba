"""Production settings from the environment: each case runs a fresh Python
process with a controlled environment, as gunicorn or manage.py would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import parse_dotenv
from tests.support.shared_data import PROJECT_DIR

EXAMPLE_ENV = PROJECT_DIR / "deploy" / "production.env.example"
FAKE_TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJhIjoicncifQ.cHJvZHVjdGlvbi1zZXR0aW5ncy10ZXN0"

PRINT_SETTINGS = """
import django, json; django.setup()
from django.conf import settings
from django.urls import reverse
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "AXES_HANDLER": settings.AXES_HANDLER,
    "admin_index": reverse("admin:index"),
    "dev_key": settings.SECRET_KEY.startswith("django-insecure"),
}))
"""


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The process environment without any of our configuration, plus `overrides`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OI_", "TURSO_", "GUNICORN_")) and k != "SECRET_KEY"
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["OI_DATA_DIR"] = str(tmp_path)
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)


def settings_under(tmp_path: Path, **env: str) -> dict[str, object]:
    result = run([sys.executable, "-c", PRINT_SETTINGS], clean_env(tmp_path, **env))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env(tmp_path: Path) -> dict[str, str]:
    values = parse_dotenv(EXAMPLE_ENV.read_text(encoding="utf-8"))
    # The example's database is a placeholder; `check --deploy` opens no connection.
    values["TURSO_AUTH_TOKEN"] = FAKE_TOKEN
    return clean_env(tmp_path, **values)


@pytest.mark.parametrize(
    "command",
    [["manage.py", "check"], ["-c", "import config.wsgi"]],
    ids=["manage.py", "wsgi"],
)
def test_refuses_to_start_without_secret_key(tmp_path: Path, command: list[str]) -> None:
    result = run([sys.executable, *command], clean_env(tmp_path, DJANGO_ALLOWED_HOSTS="admin.example.com"))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # One clear line, no traceback.
    assert lines == [
        "DJANGO_SECRET_KEY is not set: production needs a long random secret key "
        "(see deploy/production.env.example); for local development use `make run`."
    ]


def test_development_key_only_with_debug_or_explicit_permission(tmp_path: Path) -> None:
    assert settings_under(tmp_path, DJANGO_DEBUG="1")["dev_key"] is True
    assert settings_under(tmp_path, OI_ALLOW_INSECURE_SECRET_KEY="1")["dev_key"] is True
    assert settings_under(tmp_path, DJANGO_SECRET_KEY="x" * 60)["dev_key"] is False


def test_production_defaults_and_variables(tmp_path: Path) -> None:
    values = settings_under(
        tmp_path,
        DJANGO_SECRET_KEY="s" * 60,
        DJANGO_ALLOWED_HOSTS="admin.example.com, ops.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://admin.example.com",
        OI_BEHIND_TLS_PROXY="1",
        OI_ADMIN_URL="/manage-7f3a/",
        OI_SESSION_IDLE_MINUTES="20",
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["admin.example.com", "ops.example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://admin.example.com"]
    # HTTPS protections are on by default outside DEBUG.
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["admin_index"] == "/manage-7f3a/"
    assert values["SESSION_COOKIE_AGE"] == 20 * 60
    # Everything shared lives in the database, for several instances.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert values["AXES_HANDLER"] == "axes.handlers.database.AxesDatabaseHandler"


def test_make_run_style_debug_serves_plain_http(tmp_path: Path) -> None:
    values = settings_under(tmp_path, DJANGO_DEBUG="1")
    assert values["DEBUG"] is True
    assert not values["SECURE_SSL_REDIRECT"] and not values["SESSION_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["admin_index"] == "/admin/"


def test_check_deploy_reports_nothing_under_the_documented_environment(tmp_path: Path) -> None:
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert FAKE_TOKEN not in result.stdout + result.stderr


def test_check_deploy_does_report_a_weakened_environment(tmp_path: Path) -> None:
    """The check above can fail: without HTTPS, Django names the missing protections."""
    env = production_env(tmp_path)
    env["OI_HTTPS"] = "0"
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


def test_diffsettings_does_not_print_secrets(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    result = run([sys.executable, "manage.py", "diffsettings", "--all"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "SECRET_KEY" in output and "DATABASES" in output
    assert FAKE_TOKEN not in output
    assert env["DJANGO_SECRET_KEY"] not in output
