"""Certifications, learning paths, voice sessions and the app's user sessions."""

from __future__ import annotations

from django.db import models

from core import shapes
from core.fields import (
    ChoiceTextField,
    CurrentTimestamp,
    NodeJSONField,
    NodeTimestampField,
    TextColumnField,
)
from core.models import NodeModel, new_uuid
from interview.models import Difficulty


class ContentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DRAFT = "draft", "Draft"
    ARCHIVED = "archived", "Archived"


class CertificationDifficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"
    EXPERT = "expert", "Expert"


class Certification(NodeModel):
    id = TextColumnField(primary_key=True, verbose_name="ID")
    name = TextColumnField()
    provider = TextColumnField()
    description = models.TextField()
    icon = TextColumnField(null=True, blank=True, default="award", db_default="award")
    color = TextColumnField(null=True, blank=True, default="text-primary", db_default="text-primary")
    difficulty = ChoiceTextField(choices=CertificationDifficulty.choices)
    category = TextColumnField()
    estimated_hours = models.IntegerField(null=True, blank=True, default=40, db_default=40)
    exam_code = TextColumnField(null=True, blank=True)
    official_url = models.TextField(null=True, blank=True, verbose_name="official URL")
    domains = NodeJSONField(null=True, blank=True, shape=shapes.DOMAINS)
    channel_mappings = NodeJSONField(null=True, blank=True, shape=shapes.ANY_LIST)
    tags = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    prerequisites = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    status = ChoiceTextField(
        choices=ContentStatus.choices, null=True, blank=True, default="active", db_default="active"
    )
    question_count = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    passing_score = models.IntegerField(null=True, blank=True, default=70, db_default=70)
    exam_duration = models.IntegerField(null=True, blank=True, default=90, db_default=90)
    created_at = NodeTimestampField(null=True, blank=True, set_on_create=True)
    last_updated = NodeTimestampField(null=True, blank=True, set_on_change=True)

    class Meta:
        db_table = "certifications"
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class PathType(models.TextChoices):
    COMPANY = "company", "Company"
    JOB_TITLE = "job-title", "Job title"
    SKILL = "skill", "Skill"
    CERTIFICATION = "certification", "Certification"


class LearningPath(NodeModel):
    id = TextColumnField(primary_key=True, verbose_name="ID")
    title = TextColumnField()
    description = models.TextField()
    path_type = ChoiceTextField(choices=PathType.choices)
    target_company = TextColumnField(null=True, blank=True)
    target_job_title = TextColumnField(null=True, blank=True)
    difficulty = ChoiceTextField(choices=CertificationDifficulty.choices)
    estimated_hours = models.IntegerField(null=True, blank=True, default=40, db_default=40)
    question_ids = NodeJSONField(shape=shapes.LIST_OF_TEXT)
    channels = NodeJSONField(shape=shapes.LIST_OF_TEXT)
    tags = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    prerequisites = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    learning_objectives = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_TEXT)
    milestones = NodeJSONField(null=True, blank=True, shape=shapes.LIST_OF_OBJECTS)
    popularity = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    completion_rate = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    average_rating = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    metadata = NodeJSONField(null=True, blank=True, shape=shapes.ANY_OBJECT)
    status = ChoiceTextField(
        choices=ContentStatus.choices, null=True, blank=True, default="active", db_default="active"
    )
    # NOT NULL in the live table although the app's ORM declares it nullable:
    # the table is the contract (see tests/dbops/test_schema.py ACCEPTED_DRIFT).
    created_at = NodeTimestampField(set_on_create=True)
    last_updated = NodeTimestampField(null=True, blank=True, set_on_change=True)
    last_generated = NodeTimestampField(null=True, blank=True)

    class Meta:
        db_table = "learning_paths"
        ordering = ["-popularity", "title"]
        indexes = [
            models.Index(fields=["path_type"], name="idx_learning_paths_type"),
            models.Index(fields=["difficulty"], name="idx_learning_paths_difficulty"),
            models.Index(fields=["target_company"], name="idx_learning_paths_company"),
            models.Index(fields=["target_job_title"], name="idx_learning_paths_job_title"),
            models.Index(fields=["status"], name="idx_learning_paths_status"),
            models.Index(fields=["popularity"], name="idx_learning_paths_popularity"),
        ]

    def __str__(self) -> str:
        return self.title


class VoiceSession(NodeModel):
    """A voice interview over a list of questions, on the app's `voice_sessions` table."""

    id = TextColumnField(primary_key=True, verbose_name="ID")
    topic = TextColumnField()
    description = models.TextField(null=True, blank=True)
    channel = TextColumnField()
    difficulty = ChoiceTextField(choices=Difficulty.choices)
    question_ids = NodeJSONField(shape=shapes.LIST_OF_TEXT)
    total_questions = models.IntegerField()
    estimated_minutes = models.IntegerField(null=True, blank=True, default=5, db_default=5)
    created_at = NodeTimestampField(
        null=True, blank=True, db_default=CurrentTimestamp(), set_on_create=True
    )
    last_updated = NodeTimestampField(null=True, blank=True, set_on_change=True)

    class Meta:
        db_table = "voice_sessions"
        ordering = ["channel", "id"]
        indexes = [models.Index(fields=["channel"], name="idx_voice_sessions_channel")]

    def __str__(self) -> str:
        return f"{self.id}: {self.topic}"


class SessionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"


class UserSession(NodeModel):
    """A reader's progress through a test, voice interview or certification."""

    id = TextColumnField(primary_key=True, default=new_uuid, editable=False, verbose_name="ID")
    user_id = TextColumnField(null=True, blank=True, verbose_name="user ID")
    session_type = TextColumnField()
    session_key = TextColumnField()
    title = TextColumnField()
    subtitle = TextColumnField(null=True, blank=True)
    channel_id = TextColumnField(null=True, blank=True, verbose_name="channel ID")
    certification_id = TextColumnField(null=True, blank=True, verbose_name="certification ID")
    progress = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    total_items = models.IntegerField()
    completed_items = models.IntegerField(null=True, blank=True, default=0, db_default=0)
    session_data = NodeJSONField(null=True, blank=True)
    # NOT NULL in the live table, nullable in the app's ORM (ACCEPTED_DRIFT).
    started_at = NodeTimestampField(set_on_create=True)
    last_accessed_at = NodeTimestampField(set_on_create=True)
    completed_at = NodeTimestampField(null=True, blank=True)
    status = ChoiceTextField(
        choices=SessionStatus.choices, null=True, blank=True, default="active", db_default="active"
    )

    class Meta:
        db_table = "user_sessions"
        ordering = ["-last_accessed_at"]
        indexes = [
            models.Index(fields=["status"], name="idx_user_sessions_status"),
            models.Index(fields=["last_accessed_at"], name="idx_user_sessions_last_accessed"),
            models.Index(fields=["session_key"], name="idx_user_sessions_session_key"),
            models.Index(fields=["user_id"], name="idx_user_sessions_user_id"),
        ]

    def __str__(self) -> str:
        return self.title
