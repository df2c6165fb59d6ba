"""Form-level checks shared by every screen that accepts JSON typed by a person.

`json.loads` recurses once per nesting level and raises RecursionError (a
500, not a form error) somewhere near 1,000 levels; a value nested that deep
is never content anyway. `parse_json_input` measures the nesting on the raw
text first, without recursion, then parses, then applies the rule every
writer shares (`encodings.value_problem`: no NUL, no lone surrogate, whole
numbers SQLite can store). `StorableValuesMixin` applies that rule to every
other value a model form cleans.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError

from core import encodings

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
        value = json.loads(text)
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


def _too_deep(max_depth: int) -> ValidationError:
    return ValidationError(
        "This JSON is nested more than %(max_depth)s levels deep; no field here holds values that deep.",
        code="json_too_deep",
        params={"max_depth": max_depth},
    )
