"""The health endpoint a load balancer or uptime check polls: no login, no configuration shown."""

from __future__ import annotations

import logging

from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.databases import ADMIN_DB, CONTENT_DB, round_trip_seconds

logger = logging.getLogger(__name__)


def database_round_trip_ms(*, alias: str = CONTENT_DB) -> float:
    """Milliseconds for one `SELECT 1` on the database (opening the connection if needed)."""
    return round_trip_seconds(connections[alias]) * 1000


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 `{"status": "ok", ...}` when both databases answer one round trip
    each (`round_trip_ms` is the content database's), 503 otherwise.

    The answer names no host, engine or error: it is public. The cause goes to
    the log (redacted, one line) for the operator.
    """
    try:
        elapsed_ms = database_round_trip_ms(alias=CONTENT_DB)
        database_round_trip_ms(alias=ADMIN_DB)
    except Exception as exc:  # noqa: BLE001 - any failure to answer means unhealthy
        logger.error("health check: database did not answer: %s: %s", type(exc).__name__, exc)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "round_trip_ms": round(elapsed_ms, 1)})
