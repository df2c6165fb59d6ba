"""The question form: each JSON column edited as what it holds.

Lists of texts are edited one per line, job-title scores and video links as
`name: value` lines, relevance details as indented JSON. What every JSON
field promises about the value already stored (kept byte for byte when
untouched, never blocking an edit of another field) and about what is typed
(nesting, repeated keys, shape, storage) is `core.forms.StoredJSONFormField`;
this module adds only the question's own line formats.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core import encodings
from core.forms import (
    StorableValuesMixin,
    StoredJSONFormField,
    StringListField,
    bind_stored_json_fields,
    looks_like_json,
    numbered_lines,
    parse_json_input,
)
from interview.models import Question

SCORE_RANGE = (0, 100)


class KeyedLinesField(StoredJSONFormField):
    """A JSON object edited as `key: value` lines (pasted JSON is read as JSON)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})
    value_name = "value"

    def to_text(self, value: Any) -> str:
        if isinstance(value, dict) and all("\n" not in str(key) for key in value):
            return "\n".join(f"{key}: {self.value_text(item)}" for key, item in value.items())
        return super().to_text(value)

    def value_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def parse(self, text: str) -> dict[str, Any]:
        if looks_like_json(text):
            data = parse_json_input(text)
            if not isinstance(data, dict):
                return self.parse_other_json(data)
            pairs = [(n, str(k), v) for n, (k, v) in enumerate(data.items(), start=1)]
        else:
            pairs = []
            for number, line in numbered_lines(text):
                key, sep, raw = line.partition(": ") if ": " in line else line.rpartition(":")
                if not sep or not key.strip():
                    raise ValidationError(
                        f"Line {number}: write it as 'name: {self.value_name}' ({line!r} has no 'name:').",
                        code="invalid",
                    )
                pairs.append((number, key.strip(), raw.strip()))
        errors: list[ValidationError] = []
        result: dict[str, Any] = {}
        for number, key, raw in pairs:
            if key in result:
                errors.append(ValidationError(f"Line {number}: {key!r} is given twice."))
                continue
            try:
                result[key] = self.parse_value(raw, key=key)
            except ValidationError as exc:
                errors.append(ValidationError(f"Line {number} ({key}): {exc.messages[0]}"))
        if errors:
            raise ValidationError(errors)
        return result

    def parse_value(self, raw: Any, *, key: str) -> Any:
        return raw

    def parse_other_json(self, data: Any) -> Any:
        """JSON that is not an object: the shape check says what it must be."""
        return data


class ScoreMapField(KeyedLinesField):
    """Job title -> relevance score (a number from 0 to 100)."""

    value_name = "score"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "One job title per line: 'title: score', scores 0 to 100.")
        super().__init__(*args, **kwargs)

    def parse_value(self, raw: Any, *, key: str) -> Any:
        if isinstance(raw, bool):
            raise ValidationError(f"{raw!r} is not a number.")
        if isinstance(raw, int | float):
            number = raw
        else:
            try:
                number = float(str(raw))
            except ValueError:
                raise ValidationError(f"{raw!r} is not a number.") from None
        if number.is_integer():
            number = int(number)
        low, high = SCORE_RANGE
        if not low <= number <= high:
            raise ValidationError(f"{number} is outside {low} to {high}.")
        return number


class VideosField(KeyedLinesField):
    """The video links: `name: URL` per line (a blank URL keeps the slot empty)."""

    value_name = "URL"
    validate_url = URLValidator(schemes=["http", "https"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", "One video per line: 'shortVideo: https://…', 'longVideo: https://…'. Leave the URL empty for none."
        )
        super().__init__(*args, **kwargs)

    def to_text(self, value: Any) -> str:
        if isinstance(value, list) and all(isinstance(item, str) and "\n" not in item for item in value):
            return "\n".join(value)
        return super().to_text(value)

    def parse(self, text: str) -> Any:
        lines = numbered_lines(text)
        if lines and not looks_like_json(text) and all(
            line.startswith(("http://", "https://")) for _, line in lines
        ):
            # A plain list of URLs, as some rows hold.
            for number, line in lines:
                self._check_url(line, number=number)
            return [line for _, line in lines]
        return super().parse(text)

    def parse_other_json(self, data: Any) -> Any:
        if isinstance(data, list):
            # A pasted JSON list of URLs, the other shape some rows hold.
            for number, url in enumerate(data, start=1):
                self._check_url(url, number=number, where="Item")
        return data

    def _check_url(self, url: Any, *, number: int, where: str = "Line") -> None:
        try:
            if not isinstance(url, str):
                raise ValidationError("not text")
            self.validate_url(url)
        except ValidationError:
            raise ValidationError(f"{where} {number}: {url!r} is not an http(s) URL.") from None

    def parse_value(self, raw: Any, *, key: str) -> Any:
        if raw in ("", None):
            return None
        if not isinstance(raw, str):
            raise ValidationError(f"{raw!r} is not a URL.")
        try:
            self.validate_url(raw)
        except ValidationError:
            raise ValidationError(f"{raw!r} is not an http(s) URL.") from None
        return raw


def choices_with_stored(choices: list[tuple[str, str]], stored: Any, *, blank: bool) -> list[tuple[Any, str]]:
    """The field's choices, plus the stored value when it is not one of them."""
    options: list[tuple[Any, str]] = [("", "—")] if blank else []
    options += list(choices)
    if stored not in (None, "") and stored not in {value for value, _ in choices}:
        options.append((stored, f"{stored} (stored value, not a known choice)"))
    return options


class QuestionForm(StorableValuesMixin, forms.ModelForm):
    """The change form. `loaded_last_updated` carries the version the editor opened."""

    loaded_last_updated = forms.CharField(required=False, widget=forms.HiddenInput)

    tags = StringListField(item_name="tag", required=False)
    companies = StringListField(item_name="company", required=False)
    voice_keywords = StringListField(item_name="keyword", required=False)
    experience_level_tags = StringListField(item_name="level", label="Experience levels", required=False)
    videos = VideosField(required=False)
    job_title_relevance = ScoreMapField(label="Job-title relevance", required=False)
    relevance_details = StoredJSONFormField(
        help_text="A JSON object, e.g. {\"clarity\": 8, \"depth\": 7}.", required=False
    )

    class Meta:
        model = Question
        fields = [
            "id",
            "question",
            "channel",
            "sub_channel",
            "difficulty",
            "answer",
            "tldr",
            "eli5",
            "explanation",
            "diagram",
            "tags",
            "companies",
            "experience_level_tags",
            "job_title_relevance",
            "voice_suitable",
            "voice_keywords",
            "videos",
            "source_url",
            "relevance_score",
            "relevance_details",
            "is_new",
        ]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "answer": forms.Textarea(attrs={"rows": 6, "cols": 80}),
            "tldr": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "eli5": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "explanation": forms.Textarea(
                attrs={"rows": 14, "cols": 80, "data-preview": "markdown", "class": "vLargeTextField"}
            ),
            "diagram": forms.Textarea(
                attrs={"rows": 10, "cols": 80, "data-preview": "mermaid", "class": "vLargeTextField"}
            ),
            "source_url": forms.URLInput(attrs={"size": 80}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        adding = instance._state.adding
        if "id" in self.fields:
            self.fields["id"].required = False
            self.fields["id"].help_text = "Leave empty for the next q-<n> id."
        bind_stored_json_fields(self)
        stored_difficulty = None if adding else instance.difficulty
        if "difficulty" in self.fields:
            self.fields["difficulty"] = forms.ChoiceField(
                choices=choices_with_stored(
                    list(Question._meta.get_field("difficulty").choices), stored_difficulty, blank=False
                ),
                initial=self.fields["difficulty"].initial,
            )
        if not adding and not self.is_bound:
            self.initial["loaded_last_updated"] = encodings.write_timestamp(instance.last_updated) or ""

    def clean_id(self) -> str:
        value = (self.cleaned_data.get("id") or "").strip()
        if value and Question.objects.filter(pk=value).exists():
            raise ValidationError(f"A question with id {value!r} already exists.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        instance = self.instance
        loaded = getattr(instance, "_loaded_values", None) or {}
        for name, value in cleaned.items():
            # An empty text box means "nothing", stored as NULL or '' — keep
            # whichever the row already had so an untouched field is no change.
            if value in ("", None) and name in loaded and loaded[name] in ("", None):
                cleaned[name] = loaded[name]
            elif value == "" and name in loaded and _is_nullable_text(name):
                cleaned[name] = None
        if not instance._state.adding:
            seen = self.cleaned_data.get("loaded_last_updated") or ""
            current = encodings.write_timestamp(instance._loaded_values.get("last_updated")) or ""
            if seen != current:
                self.conflicting_entries = _conflict_entries(instance, seen)
                raise ValidationError(
                    "Someone else saved this question after you opened it; your changes were not "
                    "saved. Their changes are shown below. Reload the page to edit the current version.",
                    code="edit_conflict",
                )
        return cleaned


def _is_nullable_text(name: str) -> bool:
    try:
        field = Question._meta.get_field(name)
    except Exception:  # a form-only field
        return False
    return field.null and field.get_internal_type() in {"TextField", "CharField"}


def _conflict_entries(instance: Question, seen: str) -> list[Any]:
    from interview import selectors

    return selectors.entries_since(question_id=instance.pk, since=seen or None)
