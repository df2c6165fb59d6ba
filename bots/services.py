"""Moderators acting on the bots' work queue proposals.

A bot that thinks a question should be deleted or is fine as it is files a
`work_queue` item (`action` 'delete' or 'verify'). A moderator approves it
(the change is made to the question and the item completed with a result)
or rejects it (the item fails with the moderator's reason). Either way the
item and the question change together or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bots.models import WorkAction, WorkItem, WorkStatus
from core import encodings
from core.databases import CONTENT_DB
from interview import services as question_services
from interview.models import HistoryEventSource, HistoryEventType, Question, QuestionStatus

# Proposals a moderator can decide on, and the items still open for a decision.
DECIDABLE_ACTIONS = frozenset({WorkAction.DELETE, WorkAction.VERIFY})
OPEN_STATUSES = frozenset({WorkStatus.PENDING, WorkStatus.PROCESSING, None})


class WorkItemError(ValueError):
    """The item cannot be decided on; the message says why."""


def can_decide(item: WorkItem) -> bool:
    return item.item_type == "question" and item.action in DECIDABLE_ACTIONS and item.status in OPEN_STATUSES


def _check_decidable(item: WorkItem) -> None:
    if item.item_type != "question" or item.action not in DECIDABLE_ACTIONS:
        raise WorkItemError(
            f"Work item #{item.pk} proposes {item.action!r} on a {item.item_type!r}; "
            "only proposals to delete or verify a question are decided here."
        )
    if item.status not in OPEN_STATUSES:
        raise WorkItemError(f"Work item #{item.pk} is already {item.status}.")


def _close_item(*, item: WorkItem, status: str, result: dict[str, Any]) -> None:
    """Write the item's outcome, only if nobody decided on it meanwhile."""
    loaded_status = (getattr(item, "_loaded_values", None) or {}).get("status", item.status)
    processed_at = encodings.node_now()
    result_text = encodings.to_node_json(result)
    current = WorkItem.objects.filter(pk=item.pk)
    current = current.filter(status__isnull=True) if loaded_status is None else current.filter(status=loaded_status)
    if current.update(status=status, processed_at=processed_at, result=result_text) != 1:
        raise WorkItemError(f"Work item #{item.pk} was changed by someone else meanwhile; reload it.")
    item.status = status
    item.processed_at = processed_at
    item.result = result_text


def approve_work_item(*, item: WorkItem, user: Any) -> WorkItem:
    """Carry out a delete/verify proposal on its question and complete the item.

    'delete' soft-deletes the question (status 'deleted'); 'verify' records a
    'verified' history row and, if the question was flagged, makes it active
    again. The item's result says what was done and by whom.
    """
    _check_decidable(item)
    username = user.get_username()
    question = Question.objects.filter(pk=item.item_id).first()
    if question is None:
        raise WorkItemError(f"Work item #{item.pk} points at question {item.item_id}, which does not exist.")
    if not question_services.may_change_status(actor=user):
        raise WorkItemError(f"Work item #{item.pk}: {question_services.STATUS_RULE}.")
    metadata = {"work_item_id": item.pk, "proposed_by": item.created_by}
    reason = item.reason or f"Work item #{item.pk}"
    with transaction.atomic(using=CONTENT_DB):
        if item.action == WorkAction.DELETE:
            outcome = question_services.change_status(
                questions=[question],
                change="delete",
                source_name=username,
                actor=user,
                reason=reason,
                metadata=metadata,
            )
            history_ids = [entry.pk for entry in outcome.history]
            done = "deleted" if outcome.changed else "already deleted"
        else:
            if question.status == QuestionStatus.FLAGGED:
                outcome = question_services.change_status(
                    questions=[question],
                    change="approve",
                    source_name=username,
                    actor=user,
                    reason=reason,
                    metadata=metadata,
                    event_type=HistoryEventType.VERIFIED,
                )
                history_ids = [entry.pk for entry in outcome.history]
            else:
                entry = question_services.build_history_entry(
                    question_id=question.pk,
                    event_type=HistoryEventType.VERIFIED,
                    event_source=HistoryEventSource.USER,
                    source_name=username,
                    changed_fields=[],
                    before=None,
                    after=None,
                    reason=reason,
                    metadata=metadata,
                )
                entry.save()
                history_ids = [entry.pk]
            done = "verified"
        _close_item(
            item=item,
            status=WorkStatus.COMPLETED,
            result={
                "decision": "approved",
                "outcome": done,
                "question_id": question.pk,
                "question_status": question.status,
                "moderator": username,
                "history_ids": history_ids,
            },
        )
    return item


def reject_work_item(*, item: WorkItem, user: Any, reason: str) -> WorkItem:
    """Turn a proposal down: the item fails with the moderator's reason; the question is untouched."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkItemError("A reason is required to reject a proposal.")
    _check_decidable(item)
    with transaction.atomic(using=CONTENT_DB):
        _close_item(
            item=item,
            status=WorkStatus.FAILED,
            result={"decision": "rejected", "reason": reason, "moderator": user.get_username()},
        )
    return item
