"""Reads for the question screens, each shaped to cost one round trip.

Every query is a network round trip to Turso, so list pages read what they
show in one query: the channel lists come from a short-lived cache, and the
review queue gets each question's latest flag by correlated subqueries in
the same SELECT instead of one query per row.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import models
from django.db.models.functions import Coalesce

from core import encodings
from interview.models import HistoryEventType, Question, QuestionHistory, QuestionStatus

# Channels change when bots add content, not from one page view to the next;
# a few minutes of staleness in a filter's option list costs nothing.
CHANNEL_CACHE_SECONDS = 300
CHANNEL_CACHE_KEY = "interview:channel-pairs:v1"
REVIEW_FACETS_CACHE_KEY = "interview:review-queue-facets:v1"


class NormalizedTimestamp(models.Func):
    """A TEXT timestamp in one sortable form, whichever of the app's two it is stored in.

    Compared as stored, `2026-01-13T...` sorts after `2026-01-13 23:59:59`.
    """

    # %% survives Func's own formatting; the backend turns the rest into %.
    template = "strftime('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M:%%%%f', %(expressions)s)"
    output_field = models.TextField()


def channel_pairs(*, refresh: bool = False) -> list[tuple[str, str]]:
    """Every (channel, sub-channel) in use, sorted; read at most once per cache period."""
    pairs = None if refresh else cache.get(CHANNEL_CACHE_KEY)
    if pairs is None:
        pairs = list(
            Question.objects.order_by("channel", "sub_channel")
            .values_list("channel", "sub_channel")
            .distinct()
        )
        cache.set(CHANNEL_CACHE_KEY, pairs, CHANNEL_CACHE_SECONDS)
    return pairs


def channels() -> list[str]:
    return list(dict.fromkeys(channel for channel, _ in channel_pairs()))


def sub_channels(*, channel: str | None = None) -> list[str]:
    return sorted({sub for ch, sub in channel_pairs() if channel is None or ch == channel})


def _latest_flag(column: str) -> models.Subquery:
    latest = (
        QuestionHistory.objects.filter(
            question_id=models.OuterRef("pk"),
            question_type="question",
            event_type=HistoryEventType.FLAGGED,
        )
        .order_by(NormalizedTimestamp("created_at").desc(), "-id")
        .values(column)[:1]
    )
    return models.Subquery(latest)


def forget_review_queue_facets(**kwargs: Any) -> None:
    cache.delete(REVIEW_FACETS_CACHE_KEY)


def review_queue_facets(*, refresh: bool = False) -> list[tuple[str | None, str | None]]:
    """The (channel, difficulty) pairs flagged questions hold, in one grouped query.

    The review queue's filters offer these, not every channel of the site:
    flagged questions sit in a handful of the 96 channels. Read at most once
    per cache period, as the channel lists are: the queue's page keeps its
    budget of 2 content round trips.
    """
    pairs = None if refresh else cache.get(REVIEW_FACETS_CACHE_KEY)
    if pairs is None:
        pairs = list(
            Question.objects.filter(status=QuestionStatus.FLAGGED)
            .order_by("channel", "difficulty")
            .values_list("channel", "difficulty")
            .distinct()
        )
        cache.set(REVIEW_FACETS_CACHE_KEY, pairs, CHANNEL_CACHE_SECONDS)
    return pairs


def review_queue() -> models.QuerySet[Question]:
    """Flagged questions, each with its latest flag's reason, author and time.

    The flag comes from `question_history` (a bot's or a person's 'flagged'
    entry); questions flagged before history was kept have none and show
    blanks. One SELECT for the page, whatever its size.
    """
    return Question.objects.filter(status=QuestionStatus.FLAGGED).annotate(
        flag_reason=_latest_flag("reason"),
        flagged_by=_latest_flag("source_name"),
        flag_source=_latest_flag("event_source"),
        flagged_at=_latest_flag("created_at"),
        flagged_at_sortable=Coalesce(
            NormalizedTimestamp(_latest_flag("created_at")),
            NormalizedTimestamp("last_updated"),
        ),
    )


def question_timeline(*, question_id: str) -> list[QuestionHistory]:
    """Every history entry of a question, bots, people and imports, newest first."""
    return list(
        QuestionHistory.objects.filter(question_id=question_id, question_type="question").order_by(
            NormalizedTimestamp("created_at").desc(), "-id"
        )
    )


def history_entry(*, question_id: str, entry_id: int) -> QuestionHistory | None:
    return QuestionHistory.objects.filter(
        pk=entry_id, question_id=question_id, question_type="question"
    ).first()


def entries_since(*, question_id: str, since: Any) -> list[QuestionHistory]:
    """History entries written after `since` (a stored timestamp text or value), oldest first.

    Shows an editor whose save was refused what the other person changed.
    """
    entries = QuestionHistory.objects.filter(question_id=question_id, question_type="question")
    if since:
        since_text = since if isinstance(since, str) else encodings.write_timestamp(since)
        try:
            entries = entries.filter(created_at__gte=encodings.parse_node_timestamp(since_text))
        except ValueError:
            pass
    return list(entries.order_by(NormalizedTimestamp("created_at"), "id"))
