"""What can be imported and exported, keyed the way the Node app's exports are.

Column names are the app's camelCase keys (`subChannel`, `lastUpdated`);
foreign keys get an `Id` suffix (`questionId`, `sourceQuestionId`) as the
app's Drizzle schema names them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from bots.models import BotRun, WorkItem
from core.fields import NodeTimestampField
from interview.models import (
    ChannelMapping,
    Question,
    QuestionHistory,
    QuestionRelationship,
    VoiceSession,
)
from learning.models import Certification, LearningPath


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def column_key(model_field: models.Field) -> str:
    """The export key of a concrete field: `sub_channel` -> `subChannel`, FK `question` -> `questionId`."""
    if model_field.is_relation:
        return camel_case(model_field.name) + "Id"
    return camel_case(model_field.name)


def _learning_path_defaults(record: dict[str, Any]) -> dict[str, Any]:
    # The app's learning-paths.json omits pathType and channels (NOT NULL
    # columns); the app itself derives the type from the id's prefix.
    path_id = str(record.get("id") or "")
    filled: dict[str, Any] = {}
    if record.get("pathType") is None:
        for prefix, path_type in (
            ("company-", "company"),
            ("job-title-", "job-title"),
            ("job-", "job-title"),
            ("cert-", "certification"),
            ("certification-", "certification"),
        ):
            if path_id.startswith(prefix):
                filled["pathType"] = path_type
                break
        else:
            filled["pathType"] = "skill"
    if record.get("channels") is None:
        filled["channels"] = []
    return filled


@dataclass(frozen=True)
class ModelSpec:
    """One importable/exportable table."""

    name: str  # as on the command line and in file names: "learning-paths"
    model: type[models.Model]
    importable: bool = True
    # Fields that identify a row when the record carries no primary key.
    natural_key: tuple[str, ...] = ()
    # Extra values for a record that creates a row (derived from the record).
    create_defaults: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    writes_history: bool = False
    file_stems: tuple[str, ...] = ()
    columns: dict[str, models.Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "columns", {column_key(f): f for f in self.model._meta.concrete_fields}
        )

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def pk_field(self) -> models.Field:
        return self.model._meta.pk

    @property
    def pk_is_generated(self) -> bool:
        return isinstance(self.pk_field, models.AutoField)

    @property
    def bookkeeping_fields(self) -> frozenset[str]:
        """Timestamps the system maintains: a change to them alone is not an edit."""
        return frozenset(
            f.name
            for f in self.model._meta.concrete_fields
            if isinstance(f, NodeTimestampField) and (f.set_on_change or f.set_on_create)
        )

    @property
    def change_timestamp_field(self) -> NodeTimestampField | None:
        """The timestamp every change moves on (`last_updated`), if the table has one."""
        for model_field in self.model._meta.concrete_fields:
            if isinstance(model_field, NodeTimestampField) and model_field.set_on_change:
                return model_field
        return None

    def required_columns(self) -> list[str]:
        """Keys a record must carry to create a row: NOT NULL without any default."""
        required = []
        for key, model_field in self.columns.items():
            if model_field.primary_key and self.pk_is_generated:
                continue
            if model_field.null or model_field.has_default() or model_field.has_db_default():
                continue
            if isinstance(model_field, NodeTimestampField) and model_field.set_on_create:
                continue
            required.append(key)
        return required


SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(name="questions", model=Question, writes_history=True, file_stems=("questions",)),
        ModelSpec(name="certifications", model=Certification, file_stems=("certifications",)),
        ModelSpec(
            name="learning-paths",
            model=LearningPath,
            create_defaults=_learning_path_defaults,
            file_stems=("learning-paths", "learning_paths"),
        ),
        ModelSpec(name="voice-sessions", model=VoiceSession, file_stems=("voice-sessions", "voice_sessions")),
        ModelSpec(
            name="channel-mappings",
            model=ChannelMapping,
            natural_key=("channel_id", "sub_channel", "question"),
            file_stems=("channel-mappings", "channel_mappings"),
        ),
        ModelSpec(
            name="question-relationships",
            model=QuestionRelationship,
            natural_key=("source_question", "target_question", "relationship_type"),
            file_stems=("question-relationships", "question_relationships", "relationships"),
        ),
        ModelSpec(name="work-queue", model=WorkItem, importable=False, file_stems=("work-queue",)),
        ModelSpec(name="bot-runs", model=BotRun, importable=False, file_stems=("bot-runs",)),
        ModelSpec(
            name="question-history", model=QuestionHistory, importable=False, file_stems=("question-history",)
        ),
    )
}

# Writes happen in this order, so mappings and relationships can refer to
# questions created by the same import.
IMPORT_ORDER = [name for name, spec in SPECS.items() if spec.importable]

# Files in the app's export tree that are derived data, not content to import.
DERIVED_FILES = {"channels.json": "channel counts are derived from the questions; nothing to import"}


def spec_for_model(model: type[models.Model]) -> ModelSpec:
    for spec in SPECS.values():
        if spec.model is model:
            return spec
    raise LookupError(f"{model.__name__} is not importable or exportable")


def spec_named(name: str) -> ModelSpec:
    normalized = name.strip().lower().replace("_", "-")
    for spec in SPECS.values():
        if normalized in (spec.name, spec.name.rstrip("s"), spec.model._meta.model_name):
            return spec
    raise LookupError(
        f"unknown model {name!r}; choose one of {', '.join(n for n, s in SPECS.items() if s.importable)}"
    )
