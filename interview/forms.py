"""The question form: each JSON column edited as what it holds.

Two promises the form keeps for values already in the database:

- a stored value that is not valid JSON (`encodings.InvalidJSON`, e.g. tags
  `react, javascript, frontend`) is shown as invalid, and if the editor does
  not touch it, it is saved back byte for byte;
- a stored value that parses to the same data as what the editor submits
  is returned as the stored object itself, so an untouched field never
  counts as a change, and legacy data outside today's validation rules
  does not block an edit of something else.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core import encodings
from core.forms import StorableValuesMixin, parse_json_input
from interview.models import Question

MAX_LIST_ITEM_LENGTH = 200
SCORE_RANGE = (0, 100)


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers, stripped."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _same_text(submitted: str, stored: str) -> bool:
    # Line ends are already LF: the admin site normalises every POST
    # (config.admin_site.with_lf_line_ends).
    return submitted.strip() == stored.strip()


class NodeJSONFormField(forms.CharField):
    """Base for the JSON columns: knows the stored value to keep it when untouched."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})
    invalid_note = (
        "The stored value is {error}, so it is not valid JSON. It is shown as stored and kept byte for "
        "byte unless you change it."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(*args, **kwargs)
        self.stored: Any = None
        self.has_stored = False

    def remember_stored(self, value: Any) -> None:
        self.stored = value
        self.has_stored = True
        if isinstance(value, encodings.InvalidJSON):
            error = encodings.describe_invalid_json(str(value))
            self.widget.attrs["class"] = "stored-invalid-json"
            self.help_text = " ".join(filter(None, [self.invalid_note.format(error=error), str(self.help_text or "")]))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, encodings.InvalidJSON):
            return str(value)
        if isinstance(value, str):
            return value  # redisplay of submitted text
        if value is None:
            return ""
        return self.to_text(value)

    def to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2)

    def clean(self, value: Any) -> Any:
        text = "" if value is None else str(value)
        if self.has_stored and _same_text(text, self.prepare_value(self.stored)):
            # Untouched: keep the stored value as it is, valid by today's rules or not.
            return self.stored
        if not text.strip():
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            # An emptied field keeps what "empty" already was in the database.
            return self.stored if self.has_stored and self.stored in (None, [], {}) else None
        parsed = self.parse(text)
        if self.has_stored and parsed == self.stored:
            return self.stored
        return parsed

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) is not self.stored or not self.has_stored
        except ValidationError:
            return True

    def parse(self, text: str) -> Any:
        raise NotImplementedError


class StringListField(NodeJSONFormField):
    """A JSON list of strings, edited one item per line (a pasted JSON array is accepted too)."""

    def __init__(self, *args: Any, item_name: str = "item", **kwargs: Any) -> None:
        kwargs.setdefault("help_text", f"One {item_name} per line.")
        super().__init__(*args, **kwargs)
        self.item_name = item_name

    def to_text(self, value: Any) -> str:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return "\n".join(value)
        return json.dumps(value, ensure_ascii=False)

    def parse(self, text: str) -> list[str]:
        if text.lstrip().startswith("["):
            items = parse_json_input(text)
            if not isinstance(items, list):
                raise ValidationError("Expected a list.", code="invalid")
            numbered = list(enumerate(items, start=1))
            where = "Item"
        else:
            numbered = _lines(text)
            where = "Line"
        errors: list[ValidationError] = []
        seen: dict[str, int] = {}
        cleaned: list[str] = []
        for number, item in numbered:
            if not isinstance(item, str):
                errors.append(ValidationError(f"{where} {number}: {item!r} is not text."))
                continue
            item = item.strip()
            if len(item) > MAX_LIST_ITEM_LENGTH:
                errors.append(
                    ValidationError(
                        f"{where} {number}: a {self.item_name} is at most {MAX_LIST_ITEM_LENGTH} "
                        f"characters; this one has {len(item)}."
                    )
                )
            elif item.casefold() in seen:
                errors.append(
                    ValidationError(
                        f"{where} {number}: {item!r} is already listed ({where.lower()} {seen[item.casefold()]})."
                    )
                )
            else:
                seen[item.casefold()] = number
                cleaned.append(item)
        if errors:
            raise ValidationError(errors)
        return cleaned


class KeyedLinesField(NodeJSONFormField):
    """A JSON object edited as `key: value` lines."""

    value_name = "value"

    def to_text(self, value: Any) -> str:
        if isinstance(value, dict):
            return "\n".join(f"{key}: {self.value_text(item)}" for key, item in value.items())
        return json.dumps(value, ensure_ascii=False)

    def value_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def parse(self, text: str) -> dict[str, Any]:
        if text.lstrip().startswith("{"):
            data = parse_json_input(text)
            if not isinstance(data, dict):
                raise ValidationError("Expected an object.", code="invalid")
            pairs = [(n, str(k), v) for n, (k, v) in enumerate(data.items(), start=1)]
        else:
            pairs = []
            for number, line in _lines(text):
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
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return "\n".join(value)
        return super().to_text(value)

    def parse(self, text: str) -> Any:
        lines = _lines(text)
        if lines and not text.lstrip().startswith("{") and all(
            line.startswith(("http://", "https://")) for _, line in lines
        ):
            # A plain list of URLs, as some rows hold.
            for number, line in lines:
                self._check_url(line, number=number)
            return [line for _, line in lines]
        return super().parse(text)

    def _check_url(self, url: str, *, number: int) -> None:
        try:
            self.validate_url(url)
        except ValidationError:
            raise ValidationError(f"Line {number}: {url!r} is not an http(s) URL.") from None

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


class JSONObjectField(NodeJSONFormField):
    """Free-form JSON (relevance details), shown indented."""

    widget = forms.Textarea(attrs={"rows": 8, "cols": 60, "class": "json-editor"})

    def parse(self, text: str) -> Any:
        data = parse_json_input(text)
        if not isinstance(data, dict):
            raise ValidationError(
                "Expected a JSON object ({\"name\": value, …}), got %(kind)s.",
                params={"kind": type(data).__name__},
                code="invalid",
            )
        return data


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

    tags = StringListField(item_name="tag")
    companies = StringListField(item_name="company")
    voice_keywords = StringListField(item_name="keyword")
    experience_level_tags = StringListField(item_name="level", label="Experience levels")
    videos = VideosField()
    job_title_relevance = ScoreMapField(label="Job-title relevance")
    relevance_details = JSONObjectField(
        help_text="A JSON object, e.g. {\"clarity\": 8, \"depth\": 7}."
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
        for name, field in self.fields.items():
            if isinstance(field, NodeJSONFormField) and not adding:
                field.remember_stored(getattr(instance, name))
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
