"""The bots' tables as the import engine sees them (importing/specs.py): export only."""

from __future__ import annotations

from bots.models import BotRun, WorkItem
from bots.resources import BotRunResource, WorkItemResource
from importing.specs import ModelSpec, register

register(
    ModelSpec(
        name="work-queue",
        model=WorkItem,
        resource=WorkItemResource,
        importable=False,
        file_stems=("work-queue",),
    )
)
register(
    ModelSpec(
        name="bot-runs",
        model=BotRun,
        resource=BotRunResource,
        importable=False,
        file_stems=("bot-runs",),
    )
)
