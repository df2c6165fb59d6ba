"""Writes to questions, each recorded in `question_history` the way the bots do.

Every change made through this site (edit, moderation, revert, import) goes
through here so that it leaves exactly one history row with the changed
fields and their before/after values, and an unchanged save leaves nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction

from core import encodings, shapes
from core.databases import CONTENT_DB
from core.fields import NodeJSONField, NodeTimestampField, bookkeeping_field_names
from core.roles import OPERATOR as OPERATOR  # the command-line operator, named here too
from core.roles import CommandLineOperator
from interview import quality
from interview.models import (
    ChannelMapping,
    DataQualityCount,
    HistoryEventSource,
    HistoryEventType,
    Question,
    QuestionHistory,
    QuestionRelationship,
    RelationshipType,
)
from interview.moderation import MODERATE_PERMISSION, STATUS_RULE, TRANSITIONS
from interview.signals import announce_questions_written

# --- Who may moderate --------------------------------------------------------
#
# Every path that could write a question's `status` (the moderation
# services, an edit or revert through `save_question_changes`, the
# importer) asks `may_change_status`, so no role reaches moderation through
# another door. Which moves exist and who may make each is
# `interview.moderation.TRANSITIONS`.


# A signed-in user, the command-line operator, or None: nobody in
# particular, who may not moderate.
Actor = AbstractBaseUser | AnonymousUser | CommandLineOperator | None


def may_change_status(*, actor: Actor, change: str | None = None) -> bool:
    """Whether `actor` may make the move `change` (a `moderation.TRANSITIONS`
    key), or with None any change of status (an edit, a revert, an import)."""
    if isinstance(actor, CommandLineOperator):
        return True
    if actor is None or not actor.is_active:
        return False
    if actor.has_perm(MODERATE_PERMISSION):
        return True
    transition = TRANSITIONS.get(change) if change is not None else None
    return transition is not None and actor.has_perm(transition.django_permission)


class EditConflict(Exception):
    """Someone else saved the question after it was loaded for this edit."""

    def __init__(self, *, question_id: str, current: Question | None) -> None:
        super().__init__(f"Question {question_id} was changed by someone else since you opened it.")
        self.question_id = question_id
        self.current = current


def snapshot_value(field: models.Field, value: Any) -> Any:
    """A field's value as it goes into a history snapshot (plain JSON)."""
    if value is None:
        return None
    if isinstance(field, NodeJSONField):
        return str(value) if isinstance(value, encodings.InvalidJSON) else value
    if isinstance(field, NodeTimestampField):
        return encodings.write_timestamp(value)
    return value


def question_snapshot(question: Question, field_names: list[str] | None = None) -> dict[str, Any]:
    fields = (
        [Question._meta.get_field(name) for name in field_names]
        if field_names
        else Question._meta.concrete_fields
    )
    return {field.name: snapshot_value(field, getattr(question, field.attname)) for field in fields}


# The columns `history_row` fills, in its order: every column of
# question_history but the generated `id`.
HISTORY_ROW_FIELDS: tuple[str, ...] = (
    "question_id",
    "question_type",
    "event_type",
    "event_source",
    "source_name",
    "changes_summary",
    "changed_fields",
    "before_snapshot",
    "after_snapshot",
    "reason",
    "metadata",
    "created_at",
)


def history_row(
    *,
    question_id: str,
    event_type: str,
    event_source: str,
    source_name: str | None,
    changed_fields: list[str] | encodings.JSONText,
    before: dict[str, Any] | encodings.JSONText | None,
    after: dict[str, Any] | encodings.JSONText | None,
    reason: str | None = None,
    summary: str | None = None,
    metadata: dict[str, Any] | encodings.JSONText | None = None,
    created_at: str | None = None,
) -> tuple[Any, ...]:
    """A question_history row as the values stored in its columns (JSON as
    text, the timestamp as text), in `HISTORY_ROW_FIELDS` order.

    This is the one definition of what a history row holds; `build_history_entry`
    builds its model instance from it and the importer inserts these tuples
    directly. JSON arguments may come already encoded as `encodings.JSONText`;
    `created_at` is stored text (default: now), so a bulk writer formats it once.
    """
    if not summary:
        names = json.loads(changed_fields) if isinstance(changed_fields, encodings.JSONText) else changed_fields
        summary = _summarize(event_type, names)
    return (
        str(question_id),
        "question",
        str(event_type),
        str(event_source),
        source_name,
        summary,
        _json_column(changed_fields),
        _json_column(before),
        _json_column(after),
        reason or None,
        _json_column(metadata),
        created_at or encodings.format_node_timestamp(encodings.node_now()),
    )


def _json_column(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, encodings.JSONText):
        return str(value)
    return encodings.to_node_json(value)


def build_history_entry(
    *,
    question_id: str,
    event_type: str,
    event_source: str,
    source_name: str | None,
    changed_fields: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
    summary: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> QuestionHistory:
    """An unsaved history row (`history_row`'s values, read back as the model
    would read them from the table); bulk writers save many with bulk_create."""
    row = history_row(
        question_id=question_id,
        event_type=event_type,
        event_source=event_source,
        source_name=source_name,
        changed_fields=changed_fields,
        before=before,
        after=after,
        reason=reason,
        summary=summary,
        metadata=metadata,
    )
    return QuestionHistory(
        **{name: _read_column(name, value) for name, value in zip(HISTORY_ROW_FIELDS, row, strict=True)}
    )


def _read_column(name: str, value: Any) -> Any:
    field = QuestionHistory._meta.get_field(name)
    if isinstance(field, NodeJSONField):
        return encodings.from_node_json(value)
    if isinstance(field, NodeTimestampField):
        return encodings.read_stored_timestamp(value)
    return value


def _summarize(event_type: str, changed_fields: list[str]) -> str:
    label = HistoryEventType(event_type).label if event_type in HistoryEventType.values else event_type
    return f"{label}: {', '.join(changed_fields)}" if changed_fields else label


@dataclass(frozen=True)
class SaveResult:
    question: Question
    history: QuestionHistory | None

    @property
    def changed(self) -> bool:
        return self.history is not None


def save_question_changes(
    *,
    question: Question,
    source_name: str,
    event_source: str = HistoryEventSource.USER,
    event_type: str = HistoryEventType.UPDATED,
    reason: str | None = None,
    metadata: dict[str, Any] | None = None,
    actor: Actor = None,
) -> SaveResult:
    """Save the fields of a loaded question that differ from what was read.

    The UPDATE only applies if the row still holds the `last_updated` it was
    read with: a second editor working from a stale copy gets EditConflict
    instead of silently overwriting the first. No changed field, no write.
    A changed `status` is refused (ModerationError) unless `actor` may
    moderate; a changed JSON value of another shape than the app reads
    (`core.shapes`) raises ValidationError naming the field.
    """
    bookkeeping = bookkeeping_field_names(Question)
    changed = [name for name in question.changed_fields() if name not in bookkeeping]
    if not changed:
        return SaveResult(question=question, history=None)
    shapes.refuse_misshapen(question, changed)
    if "status" in changed and not may_change_status(actor=actor):
        raise ModerationError(f"Question {question.pk}: {STATUS_RULE}; nothing was saved.")
    loaded = question._loaded_values
    changed_columns = [Question._meta.get_field(name) for name in changed]
    before = {field.name: snapshot_value(field, loaded[field.attname]) for field in changed_columns}
    after = question_snapshot(question, changed)
    question.last_updated = encodings.node_now()
    values = {
        field.attname: getattr(question, field.attname)
        for field in [*changed_columns, Question._meta.get_field("last_updated")]
    }
    stale_guard = models.Q(last_updated__isnull=True) if loaded.get("last_updated") is None else models.Q(
        last_updated=loaded["last_updated"]
    )
    with transaction.atomic(using=CONTENT_DB):
        updated = Question.objects.filter(stale_guard, pk=question.pk).update(**values)
        if updated != 1:
            raise EditConflict(
                question_id=question.pk, current=Question.objects.filter(pk=question.pk).first()
            )
        history = build_history_entry(
            question_id=question.pk,
            event_type=event_type,
            event_source=event_source,
            source_name=source_name,
            changed_fields=changed,
            before=before,
            after=after,
            reason=reason,
            metadata=metadata,
        )
        history.save()
        announce_questions_written([question.pk])
    _mark_saved(question)
    return SaveResult(question=question, history=history)


def create_question(
    *,
    question: Question,
    source_name: str,
    event_source: str = HistoryEventSource.USER,
    reason: str | None = None,
) -> SaveResult:
    """Insert a new question (next `q-<n>` id when none is given) with its history row.

    A JSON value of another shape than the app reads (`core.shapes`) raises
    ValidationError naming the field; nothing is written.
    """
    shapes.refuse_misshapen(question)
    with transaction.atomic(using=CONTENT_DB):
        if not question.id:
            question.id = next_question_id()
        question.save(force_insert=True)
        snapshot = question_snapshot(question)
        history = build_history_entry(
            question_id=question.pk,
            event_type=HistoryEventType.CREATED,
            event_source=event_source,
            source_name=source_name,
            changed_fields=[name for name, value in snapshot.items() if value is not None],
            before=None,
            after=snapshot,
            reason=reason,
        )
        history.save()
        announce_questions_written([question.pk])
    _mark_saved(question)
    return SaveResult(question=question, history=history)


def next_question_id() -> str:
    """The next free `q-<n>` id, continuing the app's numbering."""
    return f"q-{max_question_number() + 1}"


def max_question_number() -> int:
    """Highest n among `q-<n>` ids, computed in SQL in one round trip."""
    numeric_suffix = models.Func(
        models.Func(models.F("id"), models.Value(3), function="substr"),
        function="CAST",
        template="CAST(%(expressions)s AS INTEGER)",
        output_field=models.IntegerField(),
    )
    result = Question.objects.filter(id__startswith="q-").aggregate(
        highest=models.Max(numeric_suffix)
    )
    return result["highest"] or 0


def _mark_saved(question: Question) -> None:
    """After a write, the in-memory row is what the database holds."""
    question._loaded_values = {
        field.attname: getattr(question, field.attname) for field in Question._meta.concrete_fields
    }


# --- Moderation, revert and hard delete ------------------------------------
#
# Status changes go through `change_status`, which handles one question or a
# page of them with one UPDATE per prior status and one INSERT of history
# rows, inside one transaction: a bulk action on 100 rows costs a handful of
# round trips, not 200, and either every row changes or none does.


class ModerationError(ValueError):
    """A moderation request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class StatusChangeResult:
    changed: list[str]
    skipped: list[str]
    history: list[QuestionHistory]


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _refusal(*, actor: Actor, change: str) -> str:
    """Why `actor` may not make the move `change`, naming the moves they may make instead."""
    allowed = [t for t in TRANSITIONS.values() if may_change_status(actor=actor, change=t.name)]
    refused = [t.verb for t in TRANSITIONS.values() if t not in allowed]
    if not refused:  # every move is theirs: `change` is none of them
        return f"Unknown moderation action {change!r}."
    if not allowed:
        return f"Only moderators may {_or_list(refused)} questions: {STATUS_RULE}. Nothing was changed."
    offers = [t.invitation or f"{t.verb} a question" for t in allowed]
    return f"Only moderators may {_or_list(refused)} questions; you may {_or_list(offers)}. Nothing was changed."


def change_status(
    *,
    questions: list[Question],
    change: str,
    source_name: str,
    actor: Actor,
    reason: str | None = None,
    event_source: str = HistoryEventSource.USER,
    metadata: dict[str, Any] | None = None,
    event_type: str | None = None,
) -> StatusChangeResult:
    """Flag, approve, soft-delete or restore loaded questions, each with a history row.

    Questions the change does not apply to (approving an active question,
    restoring one that is not deleted) are skipped and reported. If any
    question changed in the database since it was loaded, nothing is written
    and EditConflict is raised.
    """
    if not may_change_status(actor=actor, change=change):
        raise ModerationError(_refusal(actor=actor, change=change))
    transition = TRANSITIONS.get(change)
    if transition is None:
        raise ModerationError(f"Unknown moderation action {change!r}.")
    reason = (reason or "").strip() or None
    if transition.reason_required and not reason:
        raise ModerationError(f"A reason is required to {transition.verb} a question.")
    to_change = [q for q in questions if transition.applies_to(q.status)]
    skipped = [q.pk for q in questions if q not in to_change]
    if not to_change:
        return StatusChangeResult(changed=[], skipped=skipped, history=[])
    now = encodings.node_now()
    entries = [
        build_history_entry(
            question_id=q.pk,
            event_type=event_type or transition.event_type,
            event_source=event_source,
            source_name=source_name,
            changed_fields=["status"],
            before={"status": q.status},
            after={"status": transition.to_status},
            reason=reason,
            metadata=metadata,
        )
        for q in to_change
    ]
    by_loaded_status: dict[Any, list[str]] = {}
    for q in to_change:
        loaded = getattr(q, "_loaded_values", None) or {}
        by_loaded_status.setdefault(loaded.get("status", q.status), []).append(q.pk)
    with transaction.atomic(using=CONTENT_DB):
        for loaded_status, ids in by_loaded_status.items():
            # Only rows still in the status they were shown with: a row
            # someone changed meanwhile makes the whole change roll back.
            guard = models.Q(status__isnull=True) if loaded_status is None else models.Q(status=loaded_status)
            updated = Question.objects.filter(guard, pk__in=ids).update(
                status=transition.to_status, last_updated=now
            )
            if updated != len(ids):
                raise EditConflict(question_id=", ".join(ids), current=None)
        QuestionHistory.objects.bulk_create(entries)
        announce_questions_written(q.pk for q in to_change)
    for q in to_change:
        q.status = transition.to_status
        q.last_updated = now
        _mark_saved(q)
    return StatusChangeResult(changed=[q.pk for q in to_change], skipped=skipped, history=entries)


def value_from_snapshot(field: models.Field, value: Any) -> Any:
    """The model value for a snapshot value: the inverse of `snapshot_value`."""
    if value is None:
        return None
    if isinstance(field, NodeJSONField) and isinstance(value, str):
        # Snapshots keep text that was not JSON as a string; restore its bytes.
        return encodings.from_node_json(value)
    if isinstance(field, NodeTimestampField) and isinstance(value, str):
        return encodings.read_stored_timestamp(value)
    return value


@dataclass(frozen=True)
class RevertResult(SaveResult):
    # The status the question keeps because the entry's earlier status was
    # not put back (the actor may not moderate); None when nothing was held back.
    status_kept: str | None = None


def revert_question(
    *,
    question: Question,
    entry: QuestionHistory,
    source_name: str,
    actor: Actor,
    reason: str | None = None,
) -> RevertResult:
    """Put back the values the fields of `entry` had before it; itself a history row.

    The status is put back only when `actor` may moderate; otherwise the
    other fields are and the result's `status_kept` names the status left
    as it is. Raises ModerationError when the entry records no earlier
    state (a creation, a hard delete, or a snapshot that is not an object),
    belongs to another question, or changed only a status the actor may not
    change; EditConflict as `save_question_changes`.
    """
    if entry.question_id != question.pk:
        raise ModerationError(f"History entry #{entry.pk} belongs to {entry.question_id}, not {question.pk}.")
    before = entry.before_snapshot
    if not isinstance(before, dict) or not before:
        raise ModerationError(
            f"History entry #{entry.pk} ({entry.event_type}) records no earlier state to go back to."
        )
    known = {f.name: f for f in Question._meta.concrete_fields}
    restorable = [name for name in before if name in known and name not in {"id", *bookkeeping_field_names(Question)}]
    if not restorable:
        raise ModerationError(f"History entry #{entry.pk} holds no field this question has.")
    status_kept = None
    status_field = known["status"]
    if (
        "status" in restorable
        and value_from_snapshot(status_field, before["status"]) != question.status
        and not may_change_status(actor=actor)
    ):
        restorable.remove("status")
        status_kept = question.status
        if not restorable:
            raise ModerationError(
                f"History entry #{entry.pk} changed only the status, and {STATUS_RULE}; nothing was reverted."
            )
    for name in restorable:
        field = known[name]
        setattr(question, field.attname, value_from_snapshot(field, before[name]))
    when = encodings.write_timestamp(entry.created_at) if entry.created_at else "?"
    metadata: dict[str, Any] = {"reverted_entry_id": entry.pk}
    if status_kept is not None:
        metadata["status_kept"] = status_kept
    misshapen = shapes.misshapen_fields(question, restorable)
    if misshapen:
        # An earlier value of a shape the app cannot read is not put back.
        raise ModerationError(
            f"History entry #{entry.pk} holds values the app cannot read ("
            + "; ".join(f"{name} {problem}" for name, problem in misshapen.items())
            + "); nothing was reverted."
        )
    saved = save_question_changes(
        question=question,
        source_name=source_name,
        event_type=HistoryEventType.REVERTED,
        reason=reason or f"Reverted entry #{entry.pk} ({entry.event_type} by {entry.source_name or entry.event_source}, {when})",
        metadata=metadata,
        actor=actor,
    )
    return RevertResult(question=saved.question, history=saved.history, status_kept=status_kept)


@dataclass
class RelationshipResult:
    relationship: QuestionRelationship
    created: bool


def record_relationship(
    *,
    source: Question,
    target_id: str,
    relationship_type: str,
    source_name: str,
    actor: Actor,
) -> RelationshipResult:
    """Record in the app's `question_relationships` that `source` relates to
    `target_id`, with a history row on `source`. Only moderators decide how
    questions relate (it changes what readers are led to next); recording
    the same relationship twice writes nothing the second time."""
    if not may_change_status(actor=actor):
        raise ModerationError("Only moderators may record how questions relate. Nothing was changed.")
    if relationship_type not in RelationshipType.values:
        raise ModerationError(
            f"{relationship_type!r} is not a relationship type; use one of "
            f"{', '.join(RelationshipType.values)}. Nothing was changed."
        )
    target_id = (target_id or "").strip()
    if target_id == source.pk:
        raise ModerationError("A question cannot be related to itself. Nothing was changed.")
    if not Question.objects.filter(pk=target_id).exists():
        raise ModerationError(f"There is no question {target_id!r}. Nothing was changed.")
    existing = QuestionRelationship.objects.filter(
        source_question_id=source.pk, target_question_id=target_id, relationship_type=relationship_type
    ).first()
    if existing is not None:
        return RelationshipResult(relationship=existing, created=False)
    label = RelationshipType(relationship_type).label.lower()
    with transaction.atomic(using=CONTENT_DB):
        relationship = QuestionRelationship.objects.create(
            source_question_id=source.pk, target_question_id=target_id, relationship_type=relationship_type
        )
        build_history_entry(
            question_id=source.pk,
            event_type=HistoryEventType.UPDATED,
            event_source=HistoryEventSource.USER,
            source_name=source_name,
            changed_fields=[],
            before=None,
            after=None,
            summary=f"Recorded {target_id} as {label} ({relationship_type})",
            metadata={
                "relationship": {"id": relationship.pk, "target": target_id, "type": relationship_type}
            },
        ).save()
    return RelationshipResult(relationship=relationship, created=True)


def hard_delete_question(*, question: Question, source_name: str, reason: str | None = None) -> QuestionHistory:
    """Remove the row for good; its last state stays in history ('hard_deleted').

    Channel mappings and relationships pointing at it would break the
    foreign keys, so they go too, listed in the history row's metadata.
    """
    with transaction.atomic(using=CONTENT_DB):
        current = Question.objects.select_for_update().filter(pk=question.pk).first()
        if current is None:
            raise ModerationError(f"Question {question.pk} no longer exists.")
        mappings = list(
            ChannelMapping.objects.filter(question_id=question.pk).values("channel_id", "sub_channel")
        )
        relationships = list(
            QuestionRelationship.objects.filter(
                models.Q(source_question_id=question.pk) | models.Q(target_question_id=question.pk)
            ).values("source_question_id", "target_question_id", "relationship_type", "strength")
        )
        snapshot = question_snapshot(current)
        entry = build_history_entry(
            question_id=current.pk,
            event_type=HistoryEventType.HARD_DELETED,
            event_source=HistoryEventSource.USER,
            source_name=source_name,
            changed_fields=list(snapshot),
            before=snapshot,
            after=None,
            reason=reason,
            metadata={"channel_mappings": mappings, "relationships": relationships},
        )
        entry.save()
        if mappings:
            ChannelMapping.objects.filter(question_id=question.pk).delete()
        if relationships:
            QuestionRelationship.objects.filter(
                models.Q(source_question_id=question.pk) | models.Q(target_question_id=question.pk)
            ).delete()
        Question.objects.filter(pk=question.pk).delete()
        announce_questions_written([question.pk])
    return entry


# --- Data quality -----------------------------------------------------------------


def record_data_quality_count(*, counted_by: str) -> DataQualityCount:
    """Count the questions' data-quality problems now and keep the result.

    The count reads the content database (one query over every question);
    the result goes to the admin database, where the home page reads it.
    """
    problems = quality.count_problems()
    return DataQualityCount.objects.create(
        counted_by=counted_by[:150],
        question_total=problems.question_total,
        counts=problems.as_json(),
        seconds=round(problems.seconds, 3),
    )
