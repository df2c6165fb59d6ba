"""Keeping the search index in step with the content, whoever writes it.

- Writes made here (the question services, imports) announce the ids they
  wrote once their transaction commits (`interview.signals`); those
  questions are reindexed at once, before the response.
- Writes made by others (the Node app, the bots, raw SQL) are found by
  `index.sync`, which every serving process runs in a background thread
  every OI_SEARCH_SYNC_SECONDS; a claim in the admin database lets one
  process of several do it each time. So a row written elsewhere is
  searchable at most one period (20 s) plus one sync later.
- A search page whose process has not seen a check for two periods (the
  thread is off, or failed) runs the sync itself before searching, so the
  guarantee holds without the thread too. The last check time is kept in
  the process's cache: reading it costs no query.

A failure to update the index never fails the write that caused it: it is
logged, and the next sync repairs it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_started
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from interview.signals import questions_written
from search import index

logger = logging.getLogger(__name__)
CHECKED_CACHE_KEY = "search:index-checked-at"
# A search page syncs inline at most this many rows; more are left to the thread.
INLINE_SYNC_ROWS = 5000

_thread_lock = threading.Lock()
_thread: threading.Thread | None = None


def connect() -> None:
    questions_written.connect(reindex_written, dispatch_uid="search.reindex_written")
    request_started.connect(start_background_sync, dispatch_uid="search.start_background_sync")


def reindex_written(sender: Any, question_ids: list[str], **kwargs: Any) -> None:
    try:
        index.reindex_questions(question_ids)
    except DatabaseError:
        logger.exception("search index: reindexing %d written question(s) failed; the next sync repairs it", len(question_ids))


def _note_checked(at_monotonic: float | None = None) -> None:
    cache.set(CHECKED_CACHE_KEY, time.monotonic() if at_monotonic is None else at_monotonic, None)


def ensure_fresh() -> None:
    """Sync now if this process has not seen a check for two periods."""
    checked = cache.get(CHECKED_CACHE_KEY)
    if checked is not None and time.monotonic() - checked < 2 * settings.OI_SEARCH_SYNC_SECONDS:
        return
    try:
        index.sync(max_rows=INLINE_SYNC_ROWS)
    except DatabaseError:
        logger.exception("search index: the sync before a search failed; searching the index as it is")
        return
    _note_checked()


def sync_if_due() -> index.SyncResult | None:
    """One step of the background thread: sync unless another process did within the period.

    The claim is one conditional UPDATE in the admin database, so two
    processes never both do the work.
    """
    from search.models import IndexState

    period = settings.OI_SEARCH_SYNC_SECONDS
    now = timezone.now()
    due_before = now - timedelta(seconds=period * 0.8)
    claimed = IndexState.objects.filter(pk=1).exclude(claimed_at__gt=due_before).update(claimed_at=now)
    if not claimed:
        if not IndexState.objects.filter(pk=1).exists():
            IndexState.objects.create(pk=1, claimed_at=now)
        else:
            state = IndexState.objects.filter(pk=1).values_list("checked_at", flat=True).first()
            if state is not None:
                age = (now - state).total_seconds()
                _note_checked(time.monotonic() - max(0.0, age))
            return None
    result = index.sync()
    _note_checked()
    return result


def _background_loop() -> None:
    period = settings.OI_SEARCH_SYNC_SECONDS
    while True:
        started = time.monotonic()
        try:
            close_old_connections()
            sync_if_due()
        except Exception:  # noqa: BLE001 - the thread must outlive any one failure
            logger.exception("search index: background sync failed; retrying in %s s", period)
        finally:
            close_old_connections()
        time.sleep(max(1.0, period - (time.monotonic() - started)))


def start_background_sync(**kwargs: Any) -> None:
    """Start this process's sync thread on its first request (after any fork)."""
    global _thread
    if not settings.OI_SEARCH_BACKGROUND_SYNC or (_thread is not None and _thread.is_alive()):
        return
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=_background_loop, name="search-index-sync", daemon=True)
        _thread.start()
