"""Forms for certifications, learning paths and voice sessions.

JSON columns are edited as what they hold: a list of ids or words one per
line, nested structures as indented JSON. Each field remembers the value
stored in the row, so that

- a stored value this form cannot edit (text that is not JSON, or JSON of
  another shape) is shown as it is with a note, and saved back unchanged
  when the editor leaves it alone;
- an unchanged list is returned as the very stored object, so the save
  writes nothing for it.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from core import encodings
from core.fields import ChoiceTextField, NodeJSONField
from core.forms import StorableValuesMixin, parse_json_input
from interview.models import Question, VoiceSession
from learning.models import Certification, LearningPath
from learning.services import check_references

_UNSET: Any = object()


class StoredJSONField(forms.Field):
    """Base for form fields editing a NodeJSONField column."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 60})
    empty_value: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored: Any = _UNSET

    # -- what subclasses define ---------------------------------------------

    def fits(self, value: Any) -> bool:
        """Whether a stored value can be edited with this field."""
        raise NotImplementedError

    def to_text(self, value: Any) -> str:
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        """The value for `text`; raises ValidationError saying what is wrong."""
        raise NotImplementedError

    # -- shared behaviour ----------------------------------------------------

    def bind_stored(self, value: Any) -> None:
        self.stored = value
        if self.stored_is_uneditable:
            note = (
                f"The stored value is {encodings.describe_invalid_json(str(value))}, so it is not "
                "valid JSON; it is shown as stored and kept unless you replace it."
                if isinstance(value, encodings.InvalidJSON)
                else "The stored value does not have the expected shape; it is shown as "
                "stored JSON and kept unless you replace it."
            )
            self.help_text = f"{note} {self.help_text}".strip()

    @property
    def stored_is_uneditable(self) -> bool:
        return self.stored is not _UNSET and self.stored is not None and not self.fits(self.stored)

    def raw_stored_text(self) -> str:
        if isinstance(self.stored, encodings.InvalidJSON):
            return str(self.stored)
        return encodings.to_node_json(self.stored)

    def prepare_value(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, encodings.InvalidJSON):
            return str(value)
        if isinstance(value, str):
            return value  # the submitted text, redisplayed after an error
        if not self.fits(value):
            return encodings.to_node_json(value)
        return self.to_text(value)

    def clean(self, value: Any) -> Any:
        text = (value or "").strip()
        if self.stored_is_uneditable and text == self.raw_stored_text().strip():
            return self.stored
        if not text:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            if self.stored is not _UNSET and self.stored in (None, [], {}):
                return self.stored
            return self.empty_value
        parsed = self.parse(text)
        self.run_validators(parsed)
        if self.stored is not _UNSET and parsed == self.stored:
            return self.stored
        return parsed

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) is not self.stored
        except ValidationError:
            return True


class LineListField(StoredJSONField):
    """A JSON list of strings, edited one item per line."""

    empty_value: Any = []
    default_error_messages = {"required": "Enter at least one item, one per line."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "One per line; the order is kept.")
        super().__init__(*args, **kwargs)

    def fits(self, value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def to_text(self, value: list[str]) -> str:
        return "\n".join(value)

    def parse(self, text: str) -> list[str]:
        items = [line.strip() for line in text.splitlines()]
        return [item for item in items if item]


class JSONTextField(StoredJSONField):
    """Any JSON of one kind (list or object), edited as indented JSON."""

    def __init__(self, *args: Any, kind: type, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault(
            "help_text", "JSON " + ('list, e.g. [{"id": "..."}]' if kind is list else "object")
        )
        super().__init__(*args, **kwargs)

    def fits(self, value: Any) -> bool:
        return isinstance(value, self.kind)

    def to_text(self, value: Any) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False)

    def parse(self, text: str) -> Any:
        # Depth-limited: json.loads on text nested ~1,000 deep is a RecursionError.
        parsed = parse_json_input(text)
        if not isinstance(parsed, self.kind):
            expected = "a list [...]" if self.kind is list else "an object {...}"
            raise ValidationError(
                "Expected %(expected)s, got %(got)s.",
                code="wrong_kind",
                params={"expected": expected, "got": type(parsed).__name__},
            )
        return parsed


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
        adding = self.instance._state.adding
        loaded = getattr(self.instance, "_loaded_values", None) or {}
        for model_field in self.instance._meta.concrete_fields:
            form_field = self.fields.get(model_field.name)
            if form_field is None:
                continue
            stored = None if adding else getattr(self.instance, model_field.attname)
            if isinstance(model_field, NodeJSONField) and isinstance(form_field, StoredJSONField):
                form_field.bind_stored(stored)
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
            stored = form_field.stored if isinstance(form_field, StoredJSONField) else None
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
    domains = JSONTextField(
        kind=list,
        required=False,
        help_text='JSON list of exam domains, e.g. [{"id": "security", "name": "Security", "weight": 20}].',
    )
    channel_mappings = JSONTextField(kind=list, required=False)
    tags = LineListField(required=False)
    prerequisites = LineListField(
        required=False, help_text="Ids of certifications to hold first, one per line."
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
        label="Question ids", help_text="One question id per line, in the order readers take them."
    )
    channels = LineListField()
    tags = LineListField(required=False)
    prerequisites = LineListField(
        required=False, help_text="Ids of learning paths to finish first, one per line."
    )
    learning_objectives = LineListField(required=False)
    milestones = JSONTextField(kind=list, required=False)
    metadata = JSONTextField(kind=dict, required=False)

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
        label="Question ids", help_text="One question id per line, in the order they are asked."
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
