"""The content bots' own tables: their work queue, ledger and run log."""

from __future__ import annotations

from django.db import models

from core import encodings
from core.fields import (
    ChoiceTextField,
    CurrentTimestamp,
    NodeJSONField,
    NodeTimestampField,
    TextColumnField,
)
from core.models import NodeModel


class WorkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class WorkAction(models.TextChoices):
    IMPROVE = "improve", "Improve"
    VERIFY = "verify", "Verify"
    ENRICH = "enrich", "Enrich"
    DELETE = "delete", "Delete"
    SPLIT = "split", "Split"
    MERGE = "merge", "Merge"


class WorkItem(NodeModel):
    id = models.AutoField(primary_key=True)
    item_type = TextColumnField()
    item_id = TextColumnField(verbose_name="item ID")
    action = ChoiceTextField(choices=WorkAction.choices)
    priority = models.IntegerField(null=True, blank=True, default=5, db_default=5)
    status = ChoiceTextField(
        choices=WorkStatus.choices, null=True, blank=True, default="pending", db_default="pending"
    )
    reason = models.TextField(null=True, blank=True)
    created_by = TextColumnField(null=True, blank=True)
    assigned_to = TextColumnField(null=True, blank=True)
    created_at = NodeTimestampField(
        null=True, blank=True, db_default=CurrentTimestamp(), set_on_create=True
    )
    processed_at = NodeTimestampField(null=True, blank=True)
    # Free text or JSON, depending on the bot that wrote it.
    result = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "work_queue"
        verbose_name = "work queue item"
        verbose_name_plural = "work queue"
        ordering = ["priority", "id"]
        permissions = [("moderate_workitem", "Can approve or reject work queue proposals")]
        indexes = [
            models.Index(fields=["status"], name="idx_work_queue_status"),
            models.Index(fields=["status", "priority"], name="idx_work_queue_status_priority"),
            models.Index(fields=["assigned_to", "status"], name="idx_work_queue_assigned"),
            models.Index(fields=["created_by"], name="idx_work_queue_created_by"),
            models.Index(fields=["item_type", "item_id"], name="idx_work_queue_item"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.item_type} {self.item_id}"


class LedgerEntry(NodeModel):
    id = models.AutoField(primary_key=True)
    bot_name = TextColumnField()
    action = TextColumnField()
    item_type = TextColumnField()
    item_id = TextColumnField(verbose_name="item ID")
    before_state = NodeJSONField(null=True, blank=True)
    after_state = NodeJSONField(null=True, blank=True)
    reason = models.TextField(null=True, blank=True)
    created_at = NodeTimestampField(
        null=True, blank=True, db_default=CurrentTimestamp(), set_on_create=True
    )

    class Meta:
        db_table = "bot_ledger"
        verbose_name = "ledger entry"
        verbose_name_plural = "bot ledger"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["bot_name"], name="idx_bot_ledger_bot"),
            models.Index(fields=["item_type", "item_id"], name="idx_bot_ledger_item"),
            models.Index(fields=["action"], name="idx_bot_ledger_action"),
            models.Index(fields=["created_at"], name="idx_bot_ledger_created"),
        ]

    def __str__(self) -> str:
        return f"{self.bot_name} {self.action} {self.item_type} {self.item_id}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class BotRun(NodeModel):
    id = models.AutoField(primary_key=True)
    bot_name = TextColumnField()
    started_at = NodeTimestampField()
    completed_at = NodeTimestampField(null=True, blank=True)
    status = ChoiceTextField(
        choices=RunStatus.choices, null=True, blank=True, default="running", db_default="running"
    )
    items_processed = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    items_created = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    items_updated = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    items_deleted = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    summary = NodeJSONField(null=True, blank=True)

    class Meta:
        db_table = "bot_runs"
        verbose_name = "bot run"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["bot_name"], name="idx_bot_runs_bot"),
            models.Index(fields=["status"], name="idx_bot_runs_status"),
            models.Index(fields=["started_at"], name="idx_bot_runs_started"),
        ]

    def __str__(self) -> str:
        return f"{self.bot_name} run of {encodings.display_timestamp(self.started_at)}"
