"""Reads for the bots' tables, shaped for the admin's lists.

The work queue's filter choices and its counts by status come from one
grouped query per page view (core.facets), instead of one `SELECT DISTINCT`
per filter plus a count: every query is a round trip to Turso.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models

from bots.models import WorkItem, WorkStatus
from core import encodings
from core.facets import Facets, facet_counts

WORK_QUEUE_FACET_FIELDS = ("status", "item_type", "created_by", "assigned_to")


def work_queue_facets() -> Facets:
    return facet_counts(model=WorkItem, fields=WORK_QUEUE_FACET_FIELDS)


def stuck_cutoff(*, now: datetime | None = None, stuck_after_minutes: int) -> datetime:
    return (now or encodings.node_now()) - timedelta(minutes=stuck_after_minutes)


def stuck_condition(*, cutoff: datetime) -> models.Q:
    """Items in `processing` whose clock (processed_at, else created_at) is before `cutoff`.

    A timestamp that is not one (legacy text) never counts as stuck.
    """
    clock_before_cutoff = models.Q(processed_at__lt=cutoff) | models.Q(
        processed_at__isnull=True, created_at__lt=cutoff
    )
    return models.Q(status=WorkStatus.PROCESSING) & clock_before_cutoff
