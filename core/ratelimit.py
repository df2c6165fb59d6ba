"""Per-user request budgets for endpoints that cost CPU on every call.

A fixed one-minute window counted in Django's cache: the first request of a
window creates the counter, each request adds one, and the key expires with
the window. With the default in-process cache each server process counts on
its own (a user may reach the limit once per process); pointing CACHES at a
shared cache makes the count global without changing this code.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache


def seconds_until_allowed(*, scope: str, user_id: int, limit: int, window_seconds: int = 60) -> int:
    """Count one `scope` request by this user; 0 if it is within `limit` per
    window, else the seconds until the window ends (the request is refused)."""
    now = time.time()
    window = int(now // window_seconds)
    key = f"ratelimit:{scope}:{user_id}:{window}"
    # add() is a no-op when the counter exists, so concurrent first requests
    # share one counter; incr() is atomic in the cache backends.
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): a fresh window
        cache.set(key, 1, timeout=window_seconds + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * window_seconds - now))
