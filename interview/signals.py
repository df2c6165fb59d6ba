"""What the question services announce, for whoever keeps derived data.

`questions_written` is sent after a transaction that created, changed or
deleted questions has committed, with `question_ids`: the search index
listens and reindexes them at once. Keeping the announcement here lets the
services know nothing of who listens.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.dispatch import Signal

from core.databases import CONTENT_DB

questions_written = Signal()


def announce_questions_written(question_ids: Iterable[str]) -> None:
    """Send `questions_written` once the current content transaction commits (now, outside one)."""
    ids = list(dict.fromkeys(question_ids))
    if ids:
        transaction.on_commit(
            partial(questions_written.send_robust, sender=None, question_ids=ids), using=CONTENT_DB
        )
