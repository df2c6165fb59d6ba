"""Export resources for the bots' tables (the work queue and bot runs); export only."""

from __future__ import annotations

from bots.models import BotRun, WorkItem
from importing.resources import NodeModelResource


class WorkItemResource(NodeModelResource):
    class Meta:
        model = WorkItem


class BotRunResource(NodeModelResource):
    class Meta:
        model = BotRun
