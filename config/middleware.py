"""Database failures as a short page in words instead of a 500 traceback.

The pages are public (an anonymous visitor can cause them), so they name
no host, file or credential; the log line for the operator has the full
sentence. Nothing here queries the database: it is the thing that failed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.views import defaults

from core.databases import CONTENT_DB
from core.db.errors import (
    ReadOnlyDatabaseError,
    busy_sentence,
    describe_database_error,
    is_busy_error,
)

logger = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{sentence}</p></main></body></html>
"""

UNAVAILABLE_TITLE = "Database unavailable"
UNAVAILABLE_SENTENCE = (
    "The database is not answering right now, so this page cannot be shown. "
    "Try again in a minute; if you were saving a change, reload its page then to see "
    "whether it was saved."
)
BUSY_TITLE = "Another save is in progress"
READ_ONLY_TITLE = "Read-only database"
READ_ONLY_SENTENCE = (
    "Nothing was changed: this site is connected to its database read-only, "
    "so it cannot save changes."
)
# Seconds a client is asked to wait before trying again.
UNAVAILABLE_RETRY_AFTER = 30
BUSY_RETRY_AFTER = 5


class DatabaseErrorMiddleware:
    """Answers 503 in words when the database cannot be reached, refuses
    the credentials or stayed busy with another save for longer than a
    writer waits, and 403 when a change is attempted with read-only
    credentials. Other database errors stay 500s."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return database_error_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler (config.urls.handler500). A database failure raised
    outside a view (a middleware loading or saving the session) never
    reaches DatabaseErrorMiddleware; it gets the same page here."""
    exception = sys.exception()
    response = database_error_response(request, exception) if exception is not None else None
    return response if response is not None else defaults.server_error(request)


def database_error_response(request: HttpRequest, exception: BaseException) -> HttpResponse | None:
    """The page for a database failure we can explain, or None."""
    if not isinstance(exception, DatabaseError):
        return None
    detail = describe_database_error(exception, url=settings.DATABASES[CONTENT_DB]["NAME"])
    if detail is None:
        return None
    if _is_read_only_refusal(exception):
        logger.info("Refused a write on %s: %s", request.path, detail)
        return _page(403, READ_ONLY_TITLE, READ_ONLY_SENTENCE)
    if is_busy_error(exception):
        logger.warning("Database busy on %s: %s", request.path, exception)
        return _page(503, BUSY_TITLE, busy_sentence(), retry_after=BUSY_RETRY_AFTER)
    logger.error("Database unavailable on %s: %s", request.path, detail)
    return _page(503, UNAVAILABLE_TITLE, UNAVAILABLE_SENTENCE, retry_after=UNAVAILABLE_RETRY_AFTER)


def _is_read_only_refusal(exception: BaseException) -> bool:
    current: BaseException | None = exception
    while current is not None:
        if isinstance(current, ReadOnlyDatabaseError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _page(status: int, title: str, sentence: str, *, retry_after: int | None = None) -> HttpResponse:
    response = HttpResponse(
        PAGE.format(title=escape(title), sentence=escape(sentence)), status=status
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
