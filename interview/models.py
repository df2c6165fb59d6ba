"""Questions and what hangs off them, on the Node app's existing tables.

Field order follows the columns' order in the live table (questions grew by
ALTER TABLE ADD COLUMN), so a table we create matches one the app created.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core import shapes
from core.fields import (
    ChoiceTextField,
    CurrentTimestamp,
    DatetimeNow,
    IntBooleanField,
    NodeJSONField,
    NodeTimestampField,
    TextColumnField,
)
from core.models import NodeModel


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class QuestionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FLAGGED = "flagged", "Flagged"
    DELETED = "deleted", "Deleted"


class Question(NodeModel):
    id = TextColumnField(primary_key=True, verbose_name="ID")
    question = models.TextField()
    answer = models.TextField()
    explanation = models.TextField(help_text="Markdown.")
    diagram = models.TextField(null=True, blank=True, help_text="Mermaid source.")
    difficulty = ChoiceTextField(choices=Difficulty.choices)
    tags = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    channel = TextColumnField()
    sub_channel = TextColumnField()
    source_url = models.TextField(null=True, blank=True, verbose_name="source URL")
    videos = NodeJSONField(null=True, blank=True, shape=shapes.VIDEO_LINKS)
    companies = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    eli5 = models.TextField(null=True, blank=True, verbose_name="ELI5")
    last_updated = NodeTimestampField(null=True, blank=True, set_on_change=True)
    created_at = NodeTimestampField(null=True, blank=True, set_on_create=True)
    status = ChoiceTextField(
        choices=QuestionStatus.choices, null=True, blank=True, default="active", db_default="active"
    )
    tldr = models.TextField(null=True, blank=True, verbose_name="TL;DR")
    relevance_score = models.IntegerField(null=True, blank=True)
    relevance_details = NodeJSONField(null=True, blank=True, shape=shapes.SCORES_AND_NOTES)
    voice_keywords = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    voice_suitable = IntBooleanField(null=True, blank=True)
    is_new = IntBooleanField(null=True, blank=True, default=True, db_default=True)
    job_title_relevance = NodeJSONField(null=True, blank=True, shape=shapes.SCORES_BY_NAME)
    experience_level_tags = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)

    class Meta:
        db_table = "questions"
        ordering = ["-last_updated", "id"]
        permissions = [
            ("moderate_question", "Can flag, approve, soft-delete and restore questions"),
            ("flag_question", "Can flag a question for review (a moderator decides)"),
        ]
        indexes = [
            models.Index(fields=["channel"], name="idx_questions_channel"),
            models.Index(fields=["channel", "difficulty"], name="idx_questions_channel_difficulty"),
            models.Index(fields=["channel", "sub_channel"], name="idx_questions_channel_subchannel"),
            models.Index(fields=["status"], name="idx_questions_status"),
            models.Index(fields=["status", "channel"], name="idx_questions_status_channel"),
            models.Index(fields=["difficulty"], name="idx_questions_difficulty"),
            models.Index(fields=["voice_suitable"], name="idx_questions_voice_suitable"),
            models.Index(fields=["last_updated"], name="idx_questions_last_updated"),
            models.Index(fields=["created_at"], name="idx_questions_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.id}: {self.question[:80]}"


class ChannelMapping(NodeModel):
    id = models.AutoField(primary_key=True)
    channel_id = TextColumnField()
    sub_channel = TextColumnField()
    question = models.ForeignKey(
        Question,
        on_delete=models.DO_NOTHING,
        db_column="question_id",
        db_index=False,  # the named idx_* index covers it
        related_name="channel_mappings",
    )

    class Meta:
        db_table = "channel_mappings"
        ordering = ["channel_id", "sub_channel", "id"]
        indexes = [
            models.Index(fields=["channel_id"], name="idx_channel_mappings_channel"),
            models.Index(fields=["question"], name="idx_channel_mappings_question"),
            models.Index(
                fields=["channel_id", "sub_channel"], name="idx_channel_mappings_channel_subchannel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.sub_channel} -> {self.question_id}"


class RelationshipType(models.TextChoices):
    PREREQUISITE = "prerequisite", "Prerequisite"
    FOLLOW_UP = "follow_up", "Follow-up"
    RELATED = "related", "Related"
    DEEPER_DIVE = "deeper_dive", "Deeper dive"


class QuestionRelationship(NodeModel):
    id = models.AutoField(primary_key=True)
    source_question = models.ForeignKey(
        Question,
        on_delete=models.DO_NOTHING,
        db_column="source_question_id",
        db_index=False,  # the named idx_* index covers it
        related_name="outgoing_relationships",
    )
    target_question = models.ForeignKey(
        Question,
        on_delete=models.DO_NOTHING,
        db_column="target_question_id",
        db_index=False,  # the named idx_* index covers it
        related_name="incoming_relationships",
    )
    relationship_type = ChoiceTextField(choices=RelationshipType.choices)
    strength = models.IntegerField(null=True, blank=True, default=50, db_default=50)
    created_at = NodeTimestampField(
        null=True, blank=True, db_default=CurrentTimestamp(), set_on_create=True
    )

    class Meta:
        db_table = "question_relationships"
        ordering = ["source_question_id", "id"]
        indexes = [
            models.Index(fields=["source_question"], name="idx_relationships_source"),
            models.Index(fields=["target_question"], name="idx_relationships_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_question_id} {self.relationship_type} {self.target_question_id}"


class HistoryEventType(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    IMPROVED = "improved", "Improved"
    FLAGGED = "flagged", "Flagged"
    UNFLAGGED = "unflagged", "Unflagged"
    APPROVED = "approved", "Approved"
    VERIFIED = "verified", "Verified"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"
    REVERTED = "reverted", "Reverted"
    IMPORTED = "imported", "Imported"
    HARD_DELETED = "hard_deleted", "Hard-deleted"


class HistoryEventSource(models.TextChoices):
    BOT = "bot", "Bot"
    USER = "user", "User"
    IMPORT = "import", "Import"
    SYSTEM = "system", "System"


class QuestionHistory(NodeModel):
    """One change to a question, as the bots and this site record it.

    `question_id` is plain text, not a foreign key: history outlives a
    hard-deleted question, and it also records certifications and paths
    (`question_type`).
    """

    id = models.AutoField(primary_key=True)
    question_id = TextColumnField(verbose_name="question ID")
    question_type = TextColumnField(default="question", db_default="question")
    event_type = ChoiceTextField(choices=HistoryEventType.choices)
    event_source = ChoiceTextField(choices=HistoryEventSource.choices)
    source_name = TextColumnField(null=True, blank=True)
    changes_summary = models.TextField(null=True, blank=True)
    changed_fields = NodeJSONField(null=True, blank=True)
    before_snapshot = NodeJSONField(null=True, blank=True)
    after_snapshot = NodeJSONField(null=True, blank=True)
    reason = models.TextField(null=True, blank=True)
    metadata = NodeJSONField(null=True, blank=True)
    created_at = NodeTimestampField(
        null=True, blank=True, db_default=DatetimeNow(), set_on_create=True
    )

    class Meta:
        db_table = "question_history"
        verbose_name = "history entry"
        verbose_name_plural = "history"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["question_id"], name="idx_question_history_question_id"),
            models.Index(fields=["question_type"], name="idx_question_history_type"),
            models.Index(fields=["event_type"], name="idx_question_history_event_type"),
            models.Index(fields=["-created_at"], name="idx_question_history_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} {self.event_type} by {self.source_name or self.event_source}"


class FlaggedQuestion(Question):
    """The review queue: flagged questions, as a screen of their own in the admin."""

    class Meta:
        proxy = True
        verbose_name = "flagged question"
        verbose_name_plural = "review queue"


class DataQualityCount(models.Model):
    """One counting of the content's data-quality problems, kept in the admin database.

    Counting them reads every question in full (the JSON columns and the
    explanation sit in each row's overflow pages, and the content database
    may hold no index of ours): about a second at 300,000 questions. So the
    home page shows the latest counting with its time instead of counting on
    every view; a person recounts with a button, an operator on a schedule
    (`manage.py count_data_quality`).
    """

    counted_at = models.DateTimeField(default=timezone.now, db_index=True)
    counted_by = models.CharField(max_length=150, help_text="Who asked for the count.")
    question_total = models.PositiveIntegerField(help_text="Questions read (not deleted).")
    # {"invalid_json": {"tags": 3, ...}, "missing_explanation": 1, "missing_diagram": 40}
    counts = models.JSONField()
    seconds = models.FloatField(help_text="How long the count took.")

    class Meta:
        db_table = "core_dataqualitycount"
        verbose_name = "data-quality count"
        ordering = ["-counted_at", "-id"]

    def __str__(self) -> str:
        return f"data quality counted {self.counted_at:%Y-%m-%d %H:%M} UTC by {self.counted_by}"
