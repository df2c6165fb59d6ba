"""Request-level protections: body size limit, security headers (CSP), idle
session expiry, login slow-down and the client address used for throttling.

Everything here keeps its state in the request, the session (stored in the
database) or django-axes's tables, never in process memory, so several
instances behind one load balancer behave as one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

Middleware = Callable[[HttpRequest], HttpResponse]

# Session key holding the epoch second at which the idle timer was last pushed
# forward; see IdleSessionMiddleware.
SESSION_REFRESHED_AT_KEY = "_oi_idle_refreshed_at"


def _plain_page(*, status: int, title: str, message: str) -> HttpResponse:
    """A minimal self-contained HTML page, usable before sessions/auth/templates run."""
    body = format_html(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{}</title></head>"
        "<body><h1>{}</h1><p>{}</p></body></html>",
        title,
        title,
        message,
    )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is over the limit, before anything reads it.

    Two limits: multipart requests (file uploads: the importer) may be as large as
    OI_MAX_UPLOAD_REQUEST_BYTES; every other body (form posts, JSON) as large as
    DATA_UPLOAD_MAX_MEMORY_SIZE, because Django reads those into memory. Django's
    own DATA_UPLOAD_MAX_MEMORY_SIZE check only fires once a view touches
    request.POST and answers with a bare 400; this answers 413 with a sentence.
    A body without a Content-Length (chunked) is not readable by WSGI apps
    at all: Django sees it as empty.
    """

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain_page(
                status=400, title="Bad request", message="The Content-Length header is not a number."
            )
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/form-data"):
            limit = settings.OI_MAX_UPLOAD_REQUEST_BYTES
            what = "upload"
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            what = "request"
        if limit is not None and declared > limit:
            return _plain_page(
                status=413,
                title="Request too large",
                message=(
                    f"This {what} is {filesizeformat(declared)}; the limit is "
                    f"{filesizeformat(limit)}. Nothing was saved."
                ),
            )
        return self.get_response(request)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 handler (config.urls.handler403): the refusal in the admin's layout."""
    from django.contrib import admin

    context = {
        **(admin.site.each_context(request) if hasattr(request, "user") else {}),
        "title": "You may not do this",
        "subtitle": None,
    }
    return render(request, "admin/403.html", context, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 handler (config.urls.handler400): too-large form data gets the 413 page."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return _plain_page(
            status=413,
            title="Request too large",
            message=(
                f"The form data is larger than the {filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} "
                f"or {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields accepted. Nothing was saved."
            ),
        )
    if isinstance(exception, DisallowedModelAdminLookup):
        return _plain_page(
            status=400,
            title="Bad request",
            message="This list cannot be filtered by one of the fields in the address (it may hold a secret).",
        )
    return _plain_page(status=400, title="Bad request", message="The request could not be understood.")


def content_security_policy() -> str:
    """The policy string built from settings.CONTENT_SECURITY_POLICY (directive -> sources)."""
    return "; ".join(
        f"{directive} {' '.join(sources)}".strip()
        for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
    )


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response.

    Django 5.2 sets nosniff, Referrer-Policy, COOP and X-Frame-Options itself
    (SecurityMiddleware, XFrameOptionsMiddleware) but has no CSP. A view may
    set its own CSP header (e.g. a stricter one); it is left alone.
    """

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Built per response (a join of ten short strings) so settings overrides apply.
        policy = content_security_policy()
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class IdleSessionMiddleware:
    """Ends a signed-in session after SESSION_COOKIE_AGE seconds without a request.

    SESSION_SAVE_EVERY_REQUEST would do the same with a database write on every
    page (a Turso round trip each); instead the expiry is pushed forward at most
    once per OI_SESSION_REFRESH_SECONDS, so a session lasts between
    (idle - refresh) and idle seconds after the last request. The database
    session backend refuses expired rows itself, on every instance.

    The refresh happens after the view and only when the view loaded the
    session: this middleware never reads the database itself. A failure
    loading the session then happens inside the view, where the database
    error page handles it, and a request that needs no session (the health
    check) costs none, whatever cookies it carries.
    """

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.accessed
            and response.status_code < 500
            and session.session_key
            and settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            now = int(time.time())
            refreshed_at = session.get(SESSION_REFRESHED_AT_KEY, 0)
            if now - refreshed_at >= settings.OI_SESSION_REFRESH_SECONDS:
                # Marks the session modified: SessionMiddleware saves it with a
                # new expiry and re-sends the cookie.
                session[SESSION_REFRESHED_AT_KEY] = now
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for login throttling.

    Behind OI_TRUSTED_PROXY_COUNT reverse proxies, the address the nearest
    trusted proxy saw is the N-th entry from the right of X-Forwarded-For
    (entries further left are whatever the client chose to send). Without
    proxies, REMOTE_ADDR: a forged header must not let a client pick a fresh
    address for every attempt.
    """
    proxies = settings.OI_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """What a locked-out login attempt gets: 429 and a sentence saying how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    wait = f"Try again in {minutes} minutes" if minutes else "Ask an administrator to unlock it"
    return _plain_page(
        status=429,
        title="Sign-in locked",
        message=(
            f"Too many failed sign-in attempts for this account or from this address. "
            f"{wait}, or ask an administrator to unlock it."
        ),
    )


def failed_login_delay(failures: int) -> float:
    """Seconds to hold the answer to the `failures`-th consecutive failed sign-in."""
    if failures <= 1:
        return 0.0
    return min(settings.OI_LOGIN_FAILURE_DELAY_SECONDS * (failures - 1), settings.OI_LOGIN_FAILURE_MAX_DELAY_SECONDS)


@receiver(user_login_failed, dispatch_uid="config.security.slow_down_failed_login")
def slow_down_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Holds the answer to repeated failures a little longer each time, until axes locks.

    The count is axes's own (its AccessAttempt rows, in the database), so it is
    the same on every instance. axes connects its receiver in its AppConfig.ready,
    before this module is imported (by loading MIDDLEWARE), so the count already
    includes this failure.
    """
    if request is None or not getattr(settings, "AXES_ENABLED", False):
        return
    if getattr(request, "axes_locked_out", False):
        return  # refused outright with the lockout page; no need to hold a worker
    from axes.handlers.proxy import AxesProxyHandler

    delay = failed_login_delay(AxesProxyHandler.get_failures(request, credentials))
    if delay > 0:
        time.sleep(delay)


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes's lockout check, first in AUTHENTICATION_BACKENDS.

    axes refuses an authenticate() call without a request; calls without one
    come only from code that is not serving a sign-in form (Client.login in
    tests, scripts), where there is no client to throttle, so they pass through
    to the next backend instead of failing.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
