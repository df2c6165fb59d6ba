"""The admin's operations on the bots' work queue: retry, cancel, reprioritise, release.

Each is one UPDATE guarded by the statuses it applies to, so an item a bot
moved on meanwhile is skipped rather than overwritten, and the caller learns
how many were changed and how many skipped. (Approving or rejecting a
proposal is bots/services.py.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bots.models import WorkItem, WorkStatus
from bots.selectors import stuck_condition, stuck_cutoff
from core import encodings

# Lower runs first, as the bots read the queue (ORDER BY priority).
PRIORITY_MIN, PRIORITY_MAX = 1, 10
CANCELLABLE = (WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED)
REPRIORITISABLE = (WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED)


class QueueError(ValueError):
    """Bad input for a queue operation; nothing was changed."""


@dataclass(frozen=True)
class QueueChange:
    changed: int
    skipped: int


def _ids(item_ids: Iterable[object]) -> list[int]:
    try:
        ids = sorted({int(i) for i in item_ids})
    except (TypeError, ValueError) as exc:
        raise QueueError("Work item ids must be whole numbers.") from exc
    if not ids:
        raise QueueError("No work items were selected.")
    return ids


def retry_work_items(*, item_ids: Iterable[object]) -> QueueChange:
    """Failed items back to pending, unassigned, for the bots to pick up again."""
    ids = _ids(item_ids)
    changed = WorkItem.objects.filter(pk__in=ids, status=WorkStatus.FAILED).update(
        status=WorkStatus.PENDING, assigned_to=None, processed_at=None
    )
    return QueueChange(changed=changed, skipped=len(ids) - changed)


def cancel_work_items(*, item_ids: Iterable[object]) -> QueueChange:
    """Open items (pending, processing, failed) to cancelled; completed ones stay."""
    ids = _ids(item_ids)
    changed = WorkItem.objects.filter(pk__in=ids, status__in=CANCELLABLE).update(
        status=WorkStatus.CANCELLED, processed_at=encodings.node_now()
    )
    return QueueChange(changed=changed, skipped=len(ids) - changed)


def parse_priority(value: object) -> int:
    try:
        priority = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise QueueError(
            f"Priority must be a whole number from {PRIORITY_MIN} (first) to {PRIORITY_MAX} (last)."
        ) from exc
    if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise QueueError(
            f"Priority must be from {PRIORITY_MIN} (first) to {PRIORITY_MAX} (last); got {priority}."
        )
    return priority


def reprioritise_work_items(*, item_ids: Iterable[object], priority: object) -> QueueChange:
    """Set the priority of the open items among `item_ids`; closed ones are skipped."""
    new_priority = parse_priority(priority)
    ids = _ids(item_ids)
    changed = WorkItem.objects.filter(pk__in=ids, status__in=REPRIORITISABLE).update(
        priority=new_priority
    )
    return QueueChange(changed=changed, skipped=len(ids) - changed)


def release_stuck_work_items(
    *, item_ids: Iterable[object], stuck_after_minutes: int, now: datetime | None = None
) -> QueueChange:
    """Items in `processing` for longer than the limit go back to pending, unassigned.

    A bot that died mid-item leaves it `processing` forever; releasing it
    lets another bot take it. Items not stuck are skipped.
    """
    ids = _ids(item_ids)
    cutoff = stuck_cutoff(now=now, stuck_after_minutes=stuck_after_minutes)
    changed = (
        WorkItem.objects.filter(pk__in=ids)
        .filter(stuck_condition(cutoff=cutoff))
        .update(status=WorkStatus.PENDING, assigned_to=None, processed_at=None)
    )
    return QueueChange(changed=changed, skipped=len(ids) - changed)
