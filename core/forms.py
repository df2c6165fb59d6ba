"""Form-level checks shared by every screen that accepts JSON typed by a person.

`json.loads` recurses once per nesting level and raises RecursionError (a
500, not a form error) somewhere near 1,000 levels; a value nested that deep
is never content anyway. `parse_json_input` measures the nesting on the raw
text first, without recursion, then parses, then applies the rule every
writer shares (`encodings.value_problem`: no NUL, no lone surrogate, whole
numbers SQLite can store). `StorableValuesMixin` applies that rule to every
other value a model form cleans.

`StoredJSONFormField` is the one form field family for a JSON column (TEXT)
typed by a person; every admin form edits its JSON columns with it or a
subclass (`StringListField` for lists of texts edited one per line), so a
rule about such input (duplicates, item length, nesting, shape, what counts
as a change) is written here once.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html

from core import encodings, shapes

MAX_JSON_DEPTH = encodings.MAX_JSON_DEPTH


def text_nesting_depth(text: str) -> int:
    """Deepest [ / { nesting in JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def validate_json_depth(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise ValidationError if a parsed JSON value nests lists/objects deeper than max_depth.

    Iterative, so it is safe on any value whatever its depth.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > max_depth:
            raise _too_deep(max_depth)
        pending.extend((child, depth + 1) for child in children)


def parse_json_input(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The value of JSON `text`, or a ValidationError saying what is wrong with it."""
    if text_nesting_depth(text) > max_depth:
        raise _too_deep(max_depth)
    try:
        value = json.loads(text, object_pairs_hook=_object_without_repeated_keys)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "This is not valid JSON: %(error)s at line %(line)s, column %(column)s.",
            code="invalid_json",
            params={"error": exc.msg, "line": exc.lineno, "column": exc.colno},
        ) from exc
    validate_storable(value)
    return value


def validate_storable(value: Any) -> None:
    """Raise ValidationError when `value` breaks the storage rule (see module docstring)."""
    problem = encodings.value_problem(value)
    if problem:
        raise ValidationError("This value %(problem)s.", code="unstorable", params={"problem": problem})


class StorableValuesMixin:
    """For model forms: every cleaned value must be storable (`encodings.value_problem`).

    Django's own form fields refuse NUL in plain text inputs but not in the
    values our JSON fields build, and nothing of theirs knows about lone
    surrogates (which only JSON escapes can carry in). The error sits on the
    field it names.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        # Only what the editor changed: a stored value kept as it is stays
        # saveable, whatever today's rules say of it.
        for name in self.changed_data:  # type: ignore[attr-defined]
            value = cleaned.get(name)
            problem = encodings.value_problem(value) if isinstance(value, str | int | list | dict) else None
            if problem:
                self.add_error(  # type: ignore[attr-defined]
                    name, ValidationError("This value %(problem)s.", code="unstorable", params={"problem": problem})
                )
        return cleaned


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys: the first value typed
    # would be lost without a word.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValidationError(
                "The key %(key)s is given twice in one object.",
                code="repeated_key",
                params={"key": repr(encodings.printable(key))},
            )
        result[key] = value
    return result


def _too_deep(max_depth: int) -> ValidationError:
    return ValidationError(
        "This JSON is nested more than %(max_depth)s levels deep; no field here holds values that deep.",
        code="json_too_deep",
        params={"max_depth": max_depth},
    )


# --- The JSON form field family -----------------------------------------------------

MAX_LIST_ITEM_LENGTH = 200


def looks_like_json(text: str) -> bool:
    """Whether typed text is meant as JSON (an array or an object) rather
    than one of the line formats (one item, or one `name: value`, per line)."""
    return text.lstrip()[:1] in ("[", "{")


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers, stripped."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


class StoredJSONFormField(forms.Field):
    """A JSON column (TEXT) typed by a person, shown as indented JSON.

    The field knows the value stored in the row (`bind_stored`) and the
    shape its column declares (`NodeJSONField(shape=...)`):

    - text that displays the stored value (give or take surrounding
      whitespace) returns the stored object itself, so an untouched field is
      no change and a legacy value outside today's rules (text that is not
      JSON, another shape, duplicates) does not block an edit of another
      field; so does text that parses to data equal to the stored value
      (other spacing, other key order);
    - anything else is parsed (depth-limited, repeated keys refused),
      checked against the shape with the sentence the model gives, and
      against the storage rule.
    """

    widget = forms.Textarea(attrs={"rows": 8, "cols": 60, "class": "json-editor"})
    # What an emptied, optional field saves when the row held something.
    empty_value: Any = None
    invalid_note = (
        "The stored value is {error}, so it is not valid JSON. It is shown as stored and kept byte for "
        "byte unless you change it."
    )
    misshapen_note = (
        "The stored value does not have the shape the app reads (it {problem}). It is shown as stored "
        "and kept unless you change it."
    )

    def __init__(self, *args: Any, shape: shapes.JSONShape | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shape = shape
        self.stored: Any = None

    def bind_stored(self, value: Any, *, shape: shapes.JSONShape | None = None) -> None:
        """Remember the row's value (None on a new row) and, when given, the column's shape."""
        self.stored = value
        if shape is not None:
            self.shape = shape
        if not self.help_text:
            self.help_text = self.default_help_text()
        note = None
        if isinstance(value, encodings.InvalidJSON):
            note = self.invalid_note.format(error=encodings.describe_invalid_json(str(value)))
            self.widget.attrs["class"] = "stored-invalid-json"
        elif self.shape is not None and (problem := self.shape.problem(value)):
            note = self.misshapen_note.format(problem=problem)
        if note:
            # The admin renders help text as HTML, and the note quotes stored content.
            self.help_text = format_html("{} {}", note, self.help_text) if self.help_text else escape(note)

    def default_help_text(self) -> str:
        return f"JSON: {self.shape.description}." if self.shape is not None else "JSON."

    def prepare_value(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value  # InvalidJSON as stored, or the submitted text redisplayed
        return self.to_text(value)

    def to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2)

    def parse(self, text: str) -> Any:
        """The value typed in `text`; raises ValidationError saying what is wrong."""
        return parse_json_input(text)

    def clean(self, value: Any) -> Any:
        text = ("" if value is None else str(value)).strip()
        # Line ends are already LF: the admin site normalises every POST
        # (config.admin_site.with_lf_line_ends).
        untouched = self.stored is not None and text == self.prepare_value(self.stored).strip()
        if not text:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            # An emptied field keeps what "empty" already was in the row.
            return self.stored if untouched or self.stored in (None, [], {}) else copy.copy(self.empty_value)
        if untouched:
            return self.stored
        parsed = self.parse(text)
        if parsed == self.stored:
            return self.stored
        if self.shape is not None:
            self.shape.validate(parsed)
        validate_storable(parsed)
        self.run_validators(parsed)
        return parsed

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) is not self.stored
        except ValidationError:
            return True


class StringListField(StoredJSONFormField):
    """A JSON list of texts, edited one item per line (a pasted JSON array is read as JSON).

    Items are stripped; an item longer than MAX_LIST_ITEM_LENGTH, or one
    already listed (ignoring case), is refused with the line it is on.
    """

    widget = forms.Textarea(attrs={"rows": 6, "cols": 60})

    def __init__(self, *args: Any, item_name: str = "item", **kwargs: Any) -> None:
        self.item_name = item_name
        kwargs.setdefault("help_text", f"One {item_name} per line; the order is kept.")
        kwargs.setdefault("shape", shapes.LIST_OF_TEXT)
        super().__init__(*args, **kwargs)
        if "required" not in (kwargs.get("error_messages") or {}):
            self.error_messages["required"] = f"Enter at least one {item_name}, one per line."

    def to_text(self, value: Any) -> str:
        # One per line only when the lines give the same list back.
        if isinstance(value, list) and all(isinstance(item, str) and "\n" not in item for item in value):
            return "\n".join(value)
        return super().to_text(value)

    def parse(self, text: str) -> Any:
        if looks_like_json(text):
            items = parse_json_input(text)
            if not isinstance(items, list):
                return items  # the shape check says what it must be
            numbered: list[tuple[int, Any]] = list(enumerate(items, start=1))
            where = "Item"
        else:
            numbered = list(numbered_lines(text))
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


def bind_stored_json_fields(form: Any) -> None:
    """Give each JSON form field of a model form the value stored in the row
    (None on a new row) and the shape its column declares."""
    instance = form.instance
    adding = instance._state.adding
    for model_field in instance._meta.concrete_fields:
        form_field = form.fields.get(model_field.name)
        # A JSON column (core.fields.NodeJSONField) is the field that declares a shape.
        if isinstance(form_field, StoredJSONFormField) and hasattr(model_field, "shape"):
            stored = None if adding else getattr(instance, model_field.attname)
            form_field.bind_stored(stored, shape=model_field.shape)
