"""Reads for certifications, learning paths and voice sessions.

Ordered question lists are resolved with one query for all their ids, so a
path with 300 questions costs one round trip, not 300.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from interview.models import Question, QuestionStatus

# Well under SQLite's and libSQL's host-parameter limits; a list longer than
# this (none exists in the app's data) costs one more query per chunk.
ID_CHUNK = 5000


@dataclass(frozen=True)
class OrderedQuestion:
    """One entry of an ordered `question_ids` list, resolved or dangling."""

    position: int  # 1-based, as an editor counts
    question_id: str
    text: str | None  # None when no question has this id
    status: str | None

    @property
    def dangling(self) -> bool:
        return self.text is None


def existing_ids(*, model: type[models.Model], ids: Iterable[object]) -> set[str]:
    """Which of `ids` are primary keys of `model` rows (one query per ID_CHUNK ids)."""
    wanted = sorted({str(i) for i in ids})
    found: set[str] = set()
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        found.update(model._default_manager.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


@dataclass(frozen=True)
class OrderedQuestionPage:
    """One page of an ordered question list, after an optional search."""

    entries: list[OrderedQuestion]
    page: int  # 1-based, within range
    page_count: int
    matching: int  # entries the search kept (all of them without a search)
    total: int


def ordered_question_page(
    *, question_ids: Iterable[object], page: int, per_page: int, search: str = ""
) -> OrderedQuestionPage:
    """A page of `question_ids` resolved, keeping positions in the whole list.

    Without a search only the page's ids are looked up (one query for 50,
    not 600); a search looks in ids and question texts, so it reads the
    texts of the whole list, still in one query per ID_CHUNK ids.
    """
    ids = [str(i) for i in question_ids]
    needle = search.strip().casefold()
    if needle:
        resolved = ordered_questions(question_ids=ids)
        kept = [e for e in resolved if needle in e.question_id.casefold() or needle in (e.text or "").casefold()]
    else:
        kept = None
    matching = len(kept) if kept is not None else len(ids)
    page_count = max(1, -(-matching // per_page))
    page = min(max(page, 1), page_count)
    start = (page - 1) * per_page
    if kept is not None:
        entries = kept[start : start + per_page]
    else:
        window = ordered_questions(question_ids=ids[start : start + per_page])
        entries = [
            OrderedQuestion(position=start + e.position, question_id=e.question_id, text=e.text, status=e.status)
            for e in window
        ]
    return OrderedQuestionPage(entries=entries, page=page, page_count=page_count, matching=matching, total=len(ids))


def ordered_questions(*, question_ids: Iterable[object]) -> list[OrderedQuestion]:
    """`question_ids` in order with each question's text, dangling ids kept in place."""
    ids = [str(i) for i in question_ids]
    rows: dict[str, tuple[str, str | None]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), ID_CHUNK):
        chunk = unique[start : start + ID_CHUNK]
        for pk, text, status in Question.objects.filter(pk__in=chunk).values_list(
            "id", "question", "status"
        ):
            rows[pk] = (text, status)
    return [
        OrderedQuestion(
            position=position,
            question_id=question_id,
            text=rows[question_id][0] if question_id in rows else None,
            status=rows[question_id][1] if question_id in rows else None,
        )
        for position, question_id in enumerate(ids, start=1)
    ]


# --- Certification question counts --------------------------------------------
#
# A certification's questions are those whose channel is the certification's
# id (the app's certification pages list them so). `question_count` is the
# app's cached copy of that number; it goes stale as questions are added,
# moved or deleted, so screens show the live count beside it.


def live_question_counts(*, certification_ids: Iterable[str]) -> dict[str, int]:
    """Questions (not deleted) per certification id, in one grouped query."""
    ids = sorted({str(i) for i in certification_ids})
    if not ids:
        return {}
    counts = dict.fromkeys(ids, 0)
    rows = (
        Question.objects.filter(channel__in=ids)
        .exclude(status=QuestionStatus.DELETED)
        .order_by()
        .values_list("channel")
        .annotate(question_total=models.Count("pk"))
    )
    counts.update({channel: total for channel, total in rows})
    return counts


def live_question_count_subquery() -> models.Subquery:
    """The live count as a correlated subquery, for annotating certifications."""
    return models.Subquery(
        Question.objects.filter(channel=models.OuterRef("pk"))
        .exclude(status=QuestionStatus.DELETED)
        .order_by()
        .values("channel")
        .annotate(question_total=models.Count("pk"))
        .values("question_total")[:1],
        output_field=models.IntegerField(),
    )
