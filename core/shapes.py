"""The shapes of the JSON the Node app reads from its JSON columns.

The app `JSON.parse`s these columns and uses the result as what it expects:
`tags.map(...)` on a list of texts, `videos.shortVideo` on an object of
links, `jobTitleRelevance[title]` as a score. A string or an object where a
list belongs breaks its pages, so every path that writes a JSON column (the
import, the admin forms, the services) checks the value against the one
shape declared on the model field (`NodeJSONField(shape=...)`).

A value already stored and left as it is is never checked again: legacy
rows (text that is not JSON, an unexpected shape) must not block an edit of
another field. The checks are a type test per item, cheap on an import of
30,000 questions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from core import encodings

# A value quoted in a refusal is cut to this many characters.
_SHOWN_CHARS = 60


@dataclass(frozen=True, slots=True)
class ItemKind:
    """What one item of a list (or one value of an object) must be."""

    name: str  # as a sentence names it: "text", "a number from 0 to 100"
    accepts: Callable[[Any], bool]
    # When set, exactly the items of these types are accepted: checked over
    # a whole list at C speed (an import checks ~200,000 values).
    types: frozenset[type] | None = None


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


TEXT = ItemKind("text", lambda value: type(value) is str, frozenset({str}))
TEXT_OR_NULL = ItemKind(
    "text or null", lambda value: value is None or type(value) is str, frozenset({str, type(None)})
)
SCORE = ItemKind("a number from 0 to 100", lambda value: _is_number(value) and 0 <= value <= 100)
SCALAR = ItemKind(
    "a number, text, true/false or null",
    lambda value: value is None or type(value) in (int, float, str, bool),
    frozenset({int, float, str, bool, type(None)}),
)
ANYTHING = ItemKind("any JSON value", lambda value: True)


def object_with_text(key: str) -> ItemKind:
    """An object whose `key` holds non-empty text (a certification's domain has a name)."""
    return ItemKind(
        f'an object with "{key}"',
        lambda value: type(value) is dict and type(value.get(key)) is str and value[key] != "",
    )


@dataclass(frozen=True, slots=True)
class JSONShape:
    """A list of `item`s or an object of `item` values; `alternative` is a
    second accepted shape (some rows hold video links as a plain list)."""

    container: type  # list or dict
    item: ItemKind
    description: str  # "a list of texts"
    alternative: JSONShape | None = None

    def accepts(self, value: Any) -> bool:
        if type(value) is self.container:
            items = value if self.container is list else value.values()
            types = self.item.types
            if types.issuperset(map(type, items)) if types is not None else all(map(self.item.accepts, items)):
                return True
        return self.alternative is not None and self.alternative.accepts(value)

    def validate(self, value: Any) -> None:
        """Raise the refusal (`wrong_shape`) when `value` is not of this shape."""
        problem = self.problem(value)
        if problem:
            raise wrong_shape(problem)

    def problem(self, value: Any) -> str | None:
        """Why `value` is not of this shape, as the end of a sentence naming
        the field ("must be a list of texts, not the text 'oops'"), or None.
        None (an empty column) and stored legacy text are the caller's to judge."""
        if value is None or isinstance(value, encodings.InvalidJSON) or self.accepts(value):
            return None
        expected = self.description + (f" or {self.alternative.description}" if self.alternative else "")
        if type(value) is not self.container and (
            self.alternative is None or type(value) is not self.alternative.container
        ):
            return f"must be {expected}, not {describe(value)}"
        shape = self if type(value) is self.container else self.alternative
        assert shape is not None
        if shape.container is list:
            for position, item in enumerate(value, start=1):
                if not shape.item.accepts(item):
                    return f"must be {expected}; item {position} is {describe(item)}, not {shape.item.name}"
        else:
            for key, item in value.items():
                if not shape.item.accepts(item):
                    shown_key = encodings.printable(_cut(str(key)))
                    return f"must be {expected}; {shown_key!r} holds {describe(item)}, not {shape.item.name}"
        return f"must be {expected}"  # pragma: no cover - accepts() and the loops agree


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def describe(value: Any) -> str:
    """`value` as a refusal names it: its kind, and short values themselves."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        try:
            return f"the number {_cut(encodings.to_node_json(value))}"
        except ValueError:  # more digits than Python will print
            return "a number"
    if isinstance(value, str):
        return f"the text {encodings.printable(_cut(value))!r}"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    return type(value).__name__


LIST_OF_TEXT = JSONShape(list, TEXT, "a list of texts")
VIDEO_LINKS = JSONShape(
    dict,
    TEXT_OR_NULL,
    'an object of video links ({"shortVideo": URL or null, "longVideo": URL or null})',
    alternative=LIST_OF_TEXT,
)
SCORES_BY_NAME = JSONShape(dict, SCORE, 'an object of scores ({"name": 0 to 100})')
SCORES_AND_NOTES = JSONShape(
    dict, SCALAR, 'an object of scores and notes ({"name": number, text, true/false or null})'
)
DOMAINS = JSONShape(list, object_with_text("name"), 'a list of objects, each with a "name"')
LIST_OF_OBJECTS = JSONShape(list, ItemKind("an object", lambda value: type(value) is dict), "a list of objects")
ANY_LIST = JSONShape(list, ANYTHING, "a list")
ANY_OBJECT = JSONShape(dict, ANYTHING, "an object")


def misshapen_fields(instance: Any, names: list[str] | None = None) -> dict[str, str]:
    """Field name -> why its value is not of its shape, for the JSON fields
    `names` (default: all) of a model instance whose values changed since
    they were read (every one, on a new instance)."""
    loaded = getattr(instance, "_loaded_values", None) or {}
    found = {}
    for model_field in instance._meta.concrete_fields:
        # The JSON columns (core.fields.NodeJSONField) are the fields declaring a shape.
        if getattr(model_field, "shape", None) is None:
            continue
        if names is not None and model_field.name not in names:
            continue
        value = getattr(instance, model_field.attname)
        if model_field.attname in loaded and value == loaded[model_field.attname]:
            continue
        problem = model_field.shape.problem(value)
        if problem:
            found[model_field.name] = problem
    return found


def wrong_shape(problem: str) -> ValidationError:
    """The refusal of a value whose `problem` a shape named: the same
    sentence from the model field, the form fields and the services."""
    return ValidationError("This value %(problem)s.", code="wrong_shape", params={"problem": problem})


def refuse_misshapen(instance: Any, names: list[str] | None = None) -> None:
    """Raise ValidationError, by field, for every changed JSON value of the wrong shape."""
    found = misshapen_fields(instance, names)
    if found:
        raise ValidationError({name: wrong_shape(problem) for name, problem in found.items()})
