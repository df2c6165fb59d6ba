"""Writes to certifications, learning paths and voice sessions.

These rows hold ordered lists of ids (`question_ids`, `prerequisites`) that
the Node app resolves at read time. The rules for them live here:

- an id that does not exist and was NOT in the stored list is refused (a
  typo must not reach the app);
- an id that does not exist but WAS already stored (a question deleted
  since) is a warning: it is shown with its position and saved back as it
  was, so an editor fixing a typo in the description is not blocked;
- `total_questions` always equals the length of `question_ids`.

Saves write only the columns that changed (plus `last_updated`), so a
stored value this admin cannot parse (InvalidJSON) is never rewritten by an
edit of some other field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models, transaction

from core import encodings, shapes
from core.databases import CONTENT_DB
from core.fields import bookkeeping_field_names, change_timestamp_field
from core.models import NodeModel
from learning.models import Certification
from learning.selectors import existing_ids, live_question_counts


@dataclass(frozen=True)
class MissingReference:
    position: int  # 1-based
    value: str

    def describe(self) -> str:
        return f"{self.value} (position {self.position})"


@dataclass(frozen=True)
class ReferenceCheck:
    """Ids of a list that match no row, split by whether they were already stored."""

    refused: list[MissingReference] = field(default_factory=list)
    dangling: list[MissingReference] = field(default_factory=list)


def check_references(
    *, ids: list[str], stored: object, model: type[models.Model]
) -> ReferenceCheck:
    """Find ids in `ids` with no `model` row (one query).

    `stored` is the list as it was read from the database (anything else,
    e.g. None or unparsable text, counts as an empty list).
    """
    if not ids:
        return ReferenceCheck()
    found = existing_ids(model=model, ids=ids)
    previously_stored = {str(value) for value in stored} if isinstance(stored, list) else set()
    refused, dangling = [], []
    for position, value in enumerate(ids, start=1):
        if value in found:
            continue
        missing = MissingReference(position=position, value=value)
        (dangling if value in previously_stored else refused).append(missing)
    return ReferenceCheck(refused=refused, dangling=dangling)


def sync_total_questions(*, instance: NodeModel) -> None:
    """Keep `total_questions` equal to the number of `question_ids` (when both exist)."""
    question_ids = getattr(instance, "question_ids", None)
    if hasattr(instance, "total_questions") and isinstance(question_ids, list):
        instance.total_questions = len(question_ids)


def save_collection(*, instance: NodeModel, adding: bool) -> list[str]:
    """Insert `instance`, or write the fields that changed since it was read.

    Returns the names of the fields written (empty when nothing changed, in
    which case nothing is written at all).
    """
    sync_total_questions(instance=instance)
    # JSON values of another shape than the app reads: ValidationError by field.
    shapes.refuse_misshapen(instance)
    if adding:
        with transaction.atomic(using=CONTENT_DB):
            instance.save(force_insert=True)
        return [f.name for f in instance._meta.concrete_fields]
    model = type(instance)
    bookkeeping = bookkeeping_field_names(model)
    changed = [name for name in instance.changed_fields() if name not in bookkeeping]
    if not changed:
        return []
    update_fields = list(changed)
    if (moved_on_change := change_timestamp_field(model)) is not None:
        update_fields.append(moved_on_change.name)
    instance.save(update_fields=update_fields)
    instance._loaded_values = {
        f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields
    }
    return changed


@dataclass(frozen=True)
class Recount:
    certification_id: str
    stored: int | None
    live: int


def recount_certification_questions(*, certification_ids: list[str]) -> list[Recount]:
    """Write each certification's live question count into `question_count`.

    One grouped count, then one UPDATE per certification whose stored value
    differs (with `last_updated`), all in one transaction: either every
    stale count is corrected or none is. Returns what changed.
    """
    live = live_question_counts(certification_ids=certification_ids)
    with transaction.atomic(using=CONTENT_DB):
        stored = dict(
            Certification.objects.filter(pk__in=list(live)).values_list("pk", "question_count")
        )
        changed = [
            Recount(certification_id=pk, stored=stored[pk], live=live[pk])
            for pk in sorted(stored)
            if stored[pk] != live[pk]
        ]
        now = encodings.node_now()
        for recount in changed:
            Certification.objects.filter(pk=recount.certification_id).update(
                question_count=recount.live, last_updated=now
            )
    return changed
