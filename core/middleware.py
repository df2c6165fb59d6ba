"""Database failures as a short page instead of a 500 traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from core.databases import CONTENT_DB
from core.db.errors import ReadOnlyDatabaseError, describe_database_error

logger = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{sentence}</p></main></body></html>
"""


class DatabaseErrorMiddleware:
    """Answers 503 with one plain sentence when the database cannot be
    reached or refuses the credentials, and 403 when a change is attempted
    with read-only credentials. Other database errors stay 500s."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError):
            return None
        sentence = describe_database_error(exception, url=settings.DATABASES[CONTENT_DB]["NAME"])
        if sentence is None:
            return None
        if _is_read_only_refusal(exception):
            logger.info("Refused a write on %s: %s", request.path, sentence)
            return _page(403, "Read-only database", sentence)
        logger.error("Database unavailable on %s: %s", request.path, sentence)
        return _page(503, "Database unavailable", sentence)


def _is_read_only_refusal(exception: BaseException) -> bool:
    current: BaseException | None = exception
    while current is not None:
        if isinstance(current, ReadOnlyDatabaseError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _page(status: int, title: str, sentence: str) -> HttpResponse:
    response = HttpResponse(
        PAGE.format(title=escape(title), sentence=escape(sentence)), status=status
    )
    if status == 503:
        response["Retry-After"] = "30"
    return response
