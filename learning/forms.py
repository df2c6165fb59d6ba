"""Forms for certifications, learning paths and voice sessions.

JSON columns are edited as what they hold: a list of ids or words one per
line, nested structures as indented JSON. The rules for stored and typed
JSON are those of every admin form (`core.forms.StoredJSONFormField`): a
stored value this form cannot edit (text that is not JSON, JSON of another
shape) is shown as it is with a note and kept when the editor leaves it
alone, and an unchanged list is the very stored object, so the save writes
nothing for it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from core.fields import ChoiceTextField
from core.forms import (
    StorableValuesMixin,
    StoredJSONFormField,
    StringListField,
    bind_stored_json_fields,
)
from interview.models import Question
from learning.models import Certification, LearningPath, VoiceSession
from learning.services import check_references


class LineListField(StringListField):
    """A list of ids or words, one per line; emptied, it is saved as [] (as
    the app writes these columns), not NULL."""

    empty_value: Any = []


class CollectionForm(StorableValuesMixin, forms.ModelForm):
    """Shared behaviour: stored values bound to JSON fields, id references checked.

    `reference_fields` maps a list field to the model its ids must exist in.
    After validation, `dangling` maps such a field to the ids that match no
    row but were already stored (kept, reported as a warning).
    """

    reference_fields: dict[str, type[models.Model]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dangling: dict[str, list[Any]] = {}
        loaded = getattr(self.instance, "_loaded_values", None) or {}
        bind_stored_json_fields(self)
        for model_field in self.instance._meta.concrete_fields:
            form_field = self.fields.get(model_field.name)
            if isinstance(model_field, ChoiceTextField) and isinstance(
                form_field, forms.ChoiceField
            ):
                stored_choice = loaded.get(model_field.attname)
                known = {str(value) for value, _ in form_field.choices}
                if stored_choice not in (None, "") and stored_choice not in known:
                    form_field.choices = [
                        *form_field.choices,
                        (stored_choice, f"{stored_choice} (stored value, not a known choice)"),
                    ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, model in self.reference_fields.items():
            value = cleaned.get(name)
            if not isinstance(value, list) or name not in self.fields:
                continue
            form_field = self.fields[name]
            stored = form_field.stored if isinstance(form_field, StoredJSONFormField) else None
            check = check_references(ids=[str(v) for v in value], stored=stored, model=model)
            if check.refused:
                self.add_error(
                    name,
                    ValidationError(
                        "No %(model)s has the id %(ids)s. Remove or correct %(them)s.",
                        code="unknown_id",
                        params={
                            "model": model._meta.verbose_name,
                            "ids": ", ".join(m.describe() for m in check.refused),
                            "them": "it" if len(check.refused) == 1 else "them",
                        },
                    ),
                )
            if check.dangling:
                self.dangling[name] = check.dangling
        return cleaned

    def dangling_warnings(self) -> list[str]:
        return [
            f"{self.fields[name].label or name}: kept ids that match nothing: "
            + ", ".join(m.describe() for m in missing)
            for name, missing in self.dangling.items()
        ]


class CertificationForm(CollectionForm):
    reference_fields = {"prerequisites": Certification}

    # Each domain's "name" is checked by the column's shape (core.shapes.DOMAINS).
    domains = StoredJSONFormField(
        required=False,
        help_text='JSON list of exam domains, e.g. [{"id": "security", "name": "Security", "weight": 20}].',
    )
    channel_mappings = StoredJSONFormField(required=False)
    tags = LineListField(item_name="tag", required=False)
    prerequisites = LineListField(
        item_name="id", required=False, help_text="Ids of certifications to hold first, one per line."
    )

    class Meta:
        model = Certification
        fields = [
            "id",
            "name",
            "provider",
            "description",
            "icon",
            "color",
            "difficulty",
            "category",
            "estimated_hours",
            "exam_code",
            "official_url",
            "domains",
            "channel_mappings",
            "tags",
            "prerequisites",
            "status",
            "question_count",
            "passing_score",
            "exam_duration",
        ]


class LearningPathForm(CollectionForm):
    reference_fields = {"question_ids": Question, "prerequisites": LearningPath}

    question_ids = LineListField(
        item_name="question id",
        label="Question ids",
        help_text="One question id per line, in the order readers take them.",
    )
    channels = LineListField(item_name="channel")
    tags = LineListField(item_name="tag", required=False)
    prerequisites = LineListField(
        item_name="id", required=False, help_text="Ids of learning paths to finish first, one per line."
    )
    learning_objectives = LineListField(item_name="objective", required=False)
    milestones = StoredJSONFormField(required=False)
    metadata = StoredJSONFormField(required=False)

    class Meta:
        model = LearningPath
        fields = [
            "id",
            "title",
            "description",
            "path_type",
            "target_company",
            "target_job_title",
            "difficulty",
            "estimated_hours",
            "question_ids",
            "channels",
            "tags",
            "prerequisites",
            "learning_objectives",
            "milestones",
            "popularity",
            "completion_rate",
            "average_rating",
            "metadata",
            "status",
        ]


class VoiceSessionForm(CollectionForm):
    reference_fields = {"question_ids": Question}

    question_ids = LineListField(
        item_name="question id", label="Question ids", help_text="One question id per line, in the order they are asked."
    )

    class Meta:
        model = VoiceSession
        # Not total_questions: it follows question_ids and is set on save.
        fields = [
            "id",
            "topic",
            "description",
            "channel",
            "difficulty",
            "question_ids",
            "estimated_minutes",
        ]
