"""Writes to questions, each recorded in `question_history` the way the bots do.

Every change made through this site (edit, moderation, revert, import) goes
through here so that it leaves exactly one history row with the changed
fields and their before/after values, and an unchanged save leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from core import encodings
from core.fields import NodeJSONField, NodeTimestampField
from interview.models import HistoryEventSource, HistoryEventType, Question, QuestionHistory

# Columns maintained by the system; a change to them alone is not an edit.
BOOKKEEPING_FIELDS = frozenset({"last_updated", "created_at"})


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
    if isinstance(value, bool):
        return value
    return value


def question_snapshot(question: Question, field_names: list[str] | None = None) -> dict[str, Any]:
    names = field_names or [f.name for f in Question._meta.concrete_fields]
    return {
        name: snapshot_value(Question._meta.get_field(name), getattr(question, Question._meta.get_field(name).attname))
        for name in names
    }


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
    """An unsaved history row; importers create many at once with bulk_create."""
    return QuestionHistory(
        question_id=question_id,
        question_type="question",
        event_type=event_type,
        event_source=event_source,
        source_name=source_name,
        changes_summary=summary or _summarize(event_type, changed_fields),
        changed_fields=changed_fields,
        before_snapshot=before,
        after_snapshot=after,
        reason=reason or None,
        metadata=metadata,
        created_at=encodings.node_now(),
    )


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
) -> SaveResult:
    """Save the fields of a loaded question that differ from what was read.

    The UPDATE only applies if the row still holds the `last_updated` it was
    read with: a second editor working from a stale copy gets EditConflict
    instead of silently overwriting the first. No changed field, no write.
    """
    changed = [name for name in question.changed_fields() if name not in BOOKKEEPING_FIELDS]
    if not changed:
        return SaveResult(question=question, history=None)
    loaded = question._loaded_values
    before = {
        name: snapshot_value(field, loaded[field.attname])
        for name in changed
        for field in [Question._meta.get_field(name)]
    }
    after = question_snapshot(question, changed)
    question.last_updated = encodings.node_now()
    update_fields = [*changed, "last_updated"]
    values = {
        Question._meta.get_field(name).attname: getattr(question, Question._meta.get_field(name).attname)
        for name in update_fields
    }
    stale_guard = models.Q(last_updated__isnull=True) if loaded.get("last_updated") is None else models.Q(
        last_updated=loaded["last_updated"]
    )
    with transaction.atomic():
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
    _mark_saved(question)
    return SaveResult(question=question, history=history)


def create_question(
    *,
    question: Question,
    source_name: str,
    event_source: str = HistoryEventSource.USER,
    reason: str | None = None,
) -> SaveResult:
    """Insert a new question (next `q-<n>` id when none is given) with its history row."""
    with transaction.atomic():
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
