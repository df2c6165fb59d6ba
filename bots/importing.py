"""The bots' tables as the import engine sees them (importing/specs.py): export only."""

from __future__ import annotations

from bots.models import BotRun, WorkItem
from bots.resources import BotRunResource, WorkItemResource
from importing.specs import EXPORT_PERMISSION, IMPORT_PERMISSION, ModelSpec, register

# Gated by the importer's bulk-content permissions, as every table is;
# nothing here is importable.
_PERMISSIONS = {"import_permission": IMPORT_PERMISSION, "export_permission": EXPORT_PERMISSION}

register(
    ModelSpec(
        name="work-queue",
        model=WorkItem,
        resource=WorkItemResource,
        importable=False,
        file_stems=("work-queue",),
        **_PERMISSIONS,
    )
)
register(
    ModelSpec(
        name="bot-runs",
        model=BotRun,
        resource=BotRunResource,
        importable=False,
        file_stems=("bot-runs",),
        **_PERMISSIONS,
    )
)
