"""The question tables as the import engine sees them (importing/specs.py).

Questions bring what the engine leaves to them: a `question_history` row
for every question an import creates or updates (event source `import`),
the rule that only moderators change a stored question's status, the
`q-<n>` numbering of questions given without an id, the announcement of
written questions to whoever keeps derived data (the search index), and
the word diff the preview marks changes with.
"""

from __future__ import annotations

from typing import Any

from importing.specs import (
    ChangeGuard,
    IdSequence,
    ImportHistory,
    ModelSpec,
    register,
)
from interview import services
from interview.compare import word_diff_sides
from interview.models import (
    ChannelMapping,
    HistoryEventSource,
    HistoryEventType,
    Question,
    QuestionHistory,
    QuestionRelationship,
)
from interview.resources import (
    ChannelMappingResource,
    QuestionHistoryResource,
    QuestionRelationshipResource,
    QuestionResource,
)
from interview.signals import announce_questions_written

_IMPORTED_SUMMARY = str(HistoryEventType.IMPORTED.label)
_UPDATED_LABEL = str(HistoryEventType.UPDATED.label)


def _import_row(*, record_id: str, event_type: str, summary: str, **row: Any) -> tuple[Any, ...]:
    """A history row of an import: source `import`, the importer's label as source name."""
    return services.history_row(
        question_id=record_id, event_type=event_type, event_source=HistoryEventSource.IMPORT, summary=summary, **row
    )


def _created_row(**row: Any) -> tuple[Any, ...]:
    return _import_row(event_type=HistoryEventType.IMPORTED, summary=_IMPORTED_SUMMARY, before=None, **row)


def _updated_row(*, changed_fields: list[str], **row: Any) -> tuple[Any, ...]:
    return _import_row(
        event_type=HistoryEventType.UPDATED,
        summary=f"{_UPDATED_LABEL}: {', '.join(changed_fields)}",
        changed_fields=changed_fields,
        **row,
    )


def _may_change_status(actor: Any) -> bool:
    return services.may_change_status(actor=actor)


def _announce(question_ids: list[Any]) -> None:
    announce_questions_written(question_ids)


QUESTION_HISTORY = ImportHistory(
    table=QuestionHistory._meta.db_table,
    columns=tuple(QuestionHistory._meta.get_field(name).column for name in services.HISTORY_ROW_FIELDS),
    created_row=_created_row,
    updated_row=_updated_row,
    snapshot_value=services.snapshot_value,
)


register(
    ModelSpec(
        name="questions",
        model=Question,
        resource=QuestionResource,
        history=QUESTION_HISTORY,
        guard=ChangeGuard(field="status", may_change=_may_change_status, rule=services.STATUS_RULE),
        id_sequence=IdSequence(prefix="q-", highest_stored=services.max_question_number),
        on_written=_announce,
        mark_change=word_diff_sides,
        file_stems=("questions",),
        file_folders=("questions",),
        recognized_by=(frozenset({"question", "answer"}), frozenset({"subChannel", "explanation"})),
    )
)
register(
    ModelSpec(
        name="channel-mappings",
        model=ChannelMapping,
        resource=ChannelMappingResource,
        natural_key=("channel_id", "sub_channel", "question"),
        mark_change=word_diff_sides,
        file_stems=("channel-mappings", "channel_mappings"),
        recognized_by=(frozenset({"channelId", "questionId"}),),
    )
)
register(
    ModelSpec(
        name="question-relationships",
        model=QuestionRelationship,
        resource=QuestionRelationshipResource,
        natural_key=("source_question", "target_question", "relationship_type"),
        mark_change=word_diff_sides,
        file_stems=("question-relationships", "question_relationships", "relationships"),
        recognized_by=(frozenset({"sourceQuestionId", "targetQuestionId"}),),
    )
)
register(
    ModelSpec(
        name="question-history",
        model=QuestionHistory,
        resource=QuestionHistoryResource,
        importable=False,
        file_stems=("question-history",),
    )
)
