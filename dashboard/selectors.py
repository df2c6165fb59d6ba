"""Reads for the admin's home page: what an editorial lead looks at first.

The page is built from three queries, whatever the number of questions:

1. one UNION ALL of grouped counts over the content database, each part
   answered from an index the Node app's schema already has (questions by
   status and channel from `idx_questions_status_channel`, by difficulty
   from `idx_questions_difficulty`, runs from `idx_bot_runs_started`, ...),
   so none of them reads a question's row;
2. the latest history entries, from `idx_question_history_created_at`;
3. the latest data-quality count, from the admin database. Those problems
   need every question read in full, about a second at 300,000 questions,
   so they are counted on request (interview/quality.py), not per view.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.databases import content_connection
from interview.models import DataQualityCount

TOP_CHANNELS = 15
BOT_RUN_DAYS = 14
RECENT_CHANGES = 12
# History timestamps are stored in two text forms that do not sort together
# within a day (`T` after a space); read this many by the index's order and
# sort them as times, so the newest few are right.
RECENT_CHANGES_READ = RECENT_CHANGES * 3

# The grouped counts. Each part names its kind in the first column; `?` is
# the cut-off day for bot runs and history, compared as text: both stored
# forms start with the day, so `>= '2026-01-01'` keeps that whole day.
COUNTS_SQL = """
SELECT 'status_channel', status, channel, COUNT(*) FROM questions GROUP BY status, channel
UNION ALL
SELECT 'difficulty', difficulty, NULL, COUNT(*) FROM questions GROUP BY difficulty
UNION ALL
SELECT 'deleted_difficulty', difficulty, NULL, COUNT(*) FROM questions WHERE status = 'deleted' GROUP BY difficulty
UNION ALL
SELECT 'pending_work', NULL, NULL, COUNT(*) FROM work_queue WHERE status = 'pending'
UNION ALL
SELECT 'bot_run', bot_name, status, COUNT(*) FROM bot_runs WHERE started_at >= %s GROUP BY bot_name, status
UNION ALL
SELECT 'history_source', event_source, NULL, COUNT(*) FROM question_history WHERE created_at >= %s GROUP BY event_source
UNION ALL
SELECT 'certification', id, NULL, question_count FROM certifications
"""


@dataclass(frozen=True)
class BotRunTally:
    bot_name: str
    completed: int = 0
    failed: int = 0
    running: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.failed + self.running + self.other


@dataclass(frozen=True)
class RecentChange:
    entry_id: int
    question_id: str
    question_type: str
    event_type: str
    event_source: str
    source_name: str | None
    changed_fields: list[str]
    created_at: Any


@dataclass
class DashboardCounts:
    """Every count the home page shows, from COUNTS_SQL."""

    since: str  # the first day of the bot-run and history window, YYYY-MM-DD
    channels: Counter = field(default_factory=Counter)  # channel -> questions not deleted
    statuses: Counter = field(default_factory=Counter)  # status -> questions (all)
    difficulties: Counter = field(default_factory=Counter)  # difficulty -> questions not deleted
    pending_work: int = 0
    bot_runs: list[BotRunTally] = field(default_factory=list)
    changes_by_source: Counter = field(default_factory=Counter)  # event_source -> entries since `since`
    stale_certifications: list[tuple[str, int | None, int]] = field(default_factory=list)  # (id, stored, live)

    @property
    def question_total(self) -> int:
        return sum(self.statuses.values())

    @property
    def flagged(self) -> int:
        return self.statuses.get("flagged", 0)


def window_start(*, now: datetime | None = None, days: int = BOT_RUN_DAYS) -> str:
    """The first day (UTC) of a window of `days` days that ends today."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return (today - timedelta(days=days - 1)).isoformat()


def dashboard_counts(*, now: datetime | None = None) -> DashboardCounts:
    """The grouped counts, in one query (see COUNTS_SQL)."""
    since = window_start(now=now)
    with content_connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, [since, since])
        rows = cursor.fetchall()
    counts = DashboardCounts(since=since)
    deleted_by_difficulty: Counter = Counter()
    runs: dict[str, Counter] = defaultdict(Counter)
    certifications: list[tuple[str, int | None]] = []
    for kind, first, second, total in rows:
        if kind == "status_channel":
            counts.statuses[first] += total
            if first != "deleted":
                counts.channels[second] += total
        elif kind == "difficulty":
            counts.difficulties[first] += total
        elif kind == "deleted_difficulty":
            deleted_by_difficulty[first] += total
        elif kind == "pending_work":
            counts.pending_work = total
        elif kind == "bot_run":
            runs[first][second] += total
        elif kind == "history_source":
            counts.changes_by_source[first] += total
        elif kind == "certification":
            certifications.append((first, total))
    counts.difficulties.subtract(deleted_by_difficulty)
    counts.difficulties = +counts.difficulties  # drops the zeros
    counts.bot_runs = [
        BotRunTally(
            bot_name=name,
            completed=by_status.get("completed", 0),
            failed=by_status.get("failed", 0),
            running=by_status.get("running", 0),
            other=sum(n for status, n in by_status.items() if status not in {"completed", "failed", "running"}),
        )
        for name, by_status in sorted(runs.items(), key=lambda item: str(item[0]))
    ]
    # A certification's live count is its questions not deleted whose channel
    # is its id, the rule learning.selectors.live_question_counts applies.
    counts.stale_certifications = [
        (cert_id, stored, counts.channels.get(cert_id, 0))
        for cert_id, stored in certifications
        if stored != counts.channels.get(cert_id, 0)
    ]
    return counts


def recent_changes(*, limit: int = RECENT_CHANGES) -> list[RecentChange]:
    """The newest history entries, by bots, people and imports alike."""
    from interview.models import QuestionHistory

    entries = list(
        QuestionHistory.objects.order_by("-created_at").only(
            "id", "question_id", "question_type", "event_type", "event_source", "source_name",
            "changed_fields", "created_at",
        )[:RECENT_CHANGES_READ]
    )
    oldest = datetime.min.replace(tzinfo=UTC)
    entries.sort(
        key=lambda e: (e.created_at if isinstance(e.created_at, datetime) else oldest, e.pk), reverse=True
    )
    return [
        RecentChange(
            entry_id=entry.pk,
            question_id=entry.question_id,
            question_type=entry.question_type,
            event_type=entry.event_type,
            event_source=entry.event_source,
            source_name=entry.source_name,
            changed_fields=[str(f) for f in entry.changed_fields] if isinstance(entry.changed_fields, list) else [],
            created_at=entry.created_at,
        )
        for entry in entries[:limit]
    ]


def latest_quality_count() -> DataQualityCount | None:
    return DataQualityCount.objects.order_by("-counted_at", "-id").first()
