"""One line per log event, with secrets taken out.

Used by Django's LOGGING (config/settings.py) and by gunicorn's own loggers
(gunicorn.conf.py), so the access log, error log and application log look
alike and none of them carries a token, password or session id.

This module must stay importable before Django is configured: gunicorn's
master process builds its loggers from it before loading the application.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.views.debug import SafeExceptionReporterFilter

REDACTED = "[REDACTED]"

# Environment variables whose values are secrets wherever they turn up
# (exception messages, URLs, repr() of a settings dict).
SECRET_VARIABLE_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY", re.IGNORECASE)
# Shorter values are too likely to collide with ordinary words.
MIN_SECRET_LENGTH = 8

# `name=value`, `name: value`, `"name": "value"` for names that hold secrets,
# including the session and CSRF cookies and axes's masked POST dumps.
_SECRET_NAMES = (
    r"password\d?|passwd|pwd|new_password\d|old_password|secret(?:_key)?|"
    r"(?:auth_|access_|refresh_|api_|rw_|ro_)?token|authtoken|api_?key|"
    r"sessionid|session_?key|csrftoken|csrfmiddlewaretoken|cookie|"
    r"http_cookie|http_authorization|authorization"
)
SECRET_ASSIGNMENT = re.compile(
    r"(?P<name>[\"']?\b(?:" + _SECRET_NAMES + r")\b[\"']?\s*[:=]\s*)"
    r"(?:(?P<quote>[\"'])(?P<quoted>[^\"']*)(?P=quote)"
    r"|(?P<scheme>(?:bearer|basic)\s+)?(?P<value>\[REDACTED\]|[^\s\"',;&}\]]+))",
    re.IGNORECASE,
)
# `Bearer <token>` / `Basic <credentials>` wherever they appear.
AUTH_SCHEME = re.compile(r"\b(?P<scheme>Bearer|Basic)\s+(?P<value>[A-Za-z0-9._~+/=-]{8,})", re.IGNORECASE)
# Credentials in a URL: scheme://user:password@host.
URL_PASSWORD = re.compile(r"(?P<prefix>[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE)
# JWTs (Turso's tokens are JWTs): three base64url parts, the first a JSON header.
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def known_secret_values() -> list[str]:
    """Secret values configured for this process, longest first."""
    values: set[str] = set()
    for name, value in os.environ.items():
        if SECRET_VARIABLE_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH:
            values.add(value)
    try:
        from django.conf import settings

        if settings.configured:
            if len(settings.SECRET_KEY or "") >= MIN_SECRET_LENGTH:
                values.add(settings.SECRET_KEY)
            for database in settings.DATABASES.values():
                token = (database.get("OPTIONS") or {}).get("auth_token") or ""
                if len(token) >= MIN_SECRET_LENGTH:
                    values.add(token)
    except Exception:  # noqa: BLE001 - logging must never fail because settings did
        pass
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every recognisable secret replaced by [REDACTED]."""
    for value in known_secret_values():
        if value in text:
            text = text.replace(value, REDACTED)
    text = JWT.sub(REDACTED, text)
    text = URL_PASSWORD.sub(lambda m: f"{m['prefix']}{REDACTED}@", text)
    text = AUTH_SCHEME.sub(lambda m: f"{m['scheme']} {REDACTED}", text)
    return SECRET_ASSIGNMENT.sub(_redact_assignment, text)


def _redact_assignment(match: re.Match[str]) -> str:
    if match["quote"]:
        return f"{match['name']}{match['quote']}{REDACTED}{match['quote']}"
    return f"{match['name']}{match['scheme'] or ''}{REDACTED}"


def one_line(text: str) -> str:
    """Newlines escaped, so a traceback stays inside its event's line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class OneLineFormatter(logging.Formatter):
    """Formats the record (message, exception, stack) as one redacted line."""

    default_format = "%(asctime)s %(levelname)s %(name)s %(message)s"

    def __init__(self, fmt: str | None = None, datefmt: str | None = None, style: Any = "%", **kwargs: Any) -> None:
        super().__init__(fmt or self.default_format, datefmt, style, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.levelno < logging.ERROR:
            # Below ERROR (django.request's "Forbidden (Permission denied)" and
            # other 4xx warnings carry exc_info) the exception's name says
            # enough; a traceback per refused request would bury real errors.
            exc_type = record.exc_info[0]
            record = logging.makeLogRecord(record.__dict__)
            record.msg = f"{record.getMessage()} ({getattr(exc_type, '__name__', 'exception')})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return one_line(redact(super().format(record)))


class RefusalWithoutTracebackFilter(logging.Filter):
    """Drops the exception from django.request's log record of a refused request.

    Django logs every PermissionDenied ("Forbidden (Permission denied)") with
    the exception attached, so each 403 reaches every handler, ours or a
    server's, as a traceback. A refusal is the site working as intended; the
    line says what was refused and where.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc_type = record.exc_info[0] if record.exc_info else None
        if exc_type is not None and issubclass(exc_type, PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True


class RedactSecretsFilter(logging.Filter):
    """Redacts the message itself, for handlers that use another formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logged as it is
            return True
        record.msg = redact(message)
        record.args = None
        return True


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter for error pages and reports, also cleansing frame variables by name.

    Django hides settings, request META and cookies whose names look secret,
    but shows every local variable of every frame unless the function is
    decorated with @sensitive_variables; a local called `auth_token` or a
    `headers` dict with an Authorization key would be shown on the debug page.
    """

    # Django's list, plus session ids and cookies held in variables of any name shape.
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|COOKIE|SESSION", flags=re.IGNORECASE
    )

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> list[tuple[str, Any]]:
        return [
            (name, self.cleanse_setting(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
