"""Field-by-field comparison of two states of a question, for people to read.

In the manner of Wagtail's `admin/compare.py`: one comparison class per
kind of field. Text gets a word diff, lists are compared item by item,
objects key by key, choices show their labels. Every value is escaped: the
content is user- and bot-written and may hold HTML.

Used for `question_history` snapshots and the bots' `bot_ledger`
before/after states (`compare_snapshots`), rendered by the template include
`admin/interview/_comparison.html` with a `comparisons` variable.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from core import encodings
from core.fields import ChoiceTextField, IntBooleanField, NodeJSONField, NodeTimestampField

_MISSING = object()
_WORDS = re.compile(r"(\s+)")


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _normalize_json(value: Any) -> Any:
    """Snapshots keep JSON columns parsed; ledger states sometimes keep the text."""
    if isinstance(value, str):
        parsed = encodings.from_node_json(value)
        return value if isinstance(parsed, encodings.InvalidJSON) else parsed
    return value


@dataclass
class FieldComparison:
    """Base: a field shown as a whole value before and after."""

    name: str
    label: str
    before: Any
    after: Any

    kind = "value"

    def has_changed(self) -> bool:
        return self.before != self.after

    @property
    def is_addition(self) -> bool:
        return self.before in (None, _MISSING) and self.after not in (None, _MISSING)

    @property
    def is_removal(self) -> bool:
        return self.after in (None, _MISSING) and self.before not in (None, _MISSING)

    def display(self, value: Any) -> str:
        if value is None or value is _MISSING:
            return "—"
        return str(value)

    def htmlvalue(self, value: Any) -> SafeString:
        return format_html("{}", self.display(value))

    def htmldiff(self) -> SafeString:
        if not self.has_changed():
            return self.htmlvalue(self.after)
        return format_html(
            '<del class="diff-value">{}</del> <span class="diff-arrow">→</span> <ins class="diff-value">{}</ins>',
            self.display(self.before),
            self.display(self.after),
        )


class TextComparison(FieldComparison):
    """A word diff: removed words in <del>, added words in <ins>.

    Text of several lines (an explanation, a diagram) is compared line by
    line and keeps its line breaks: only the changed lines are shown, with
    CONTEXT_LINES unchanged lines around each change; the other unchanged
    lines fold into a <details> that opens on demand.
    """

    kind = "text"

    def htmlvalue(self, value: Any) -> SafeString:
        if value is None or value is _MISSING:
            return format_html("{}", "—")
        text = str(value)
        if "\n" not in text:
            return format_html("{}", text)
        first, rest = text.split("\n", 1)
        return format_html(
            '<details class="diff-text diff-folded"><summary>{}</summary>{}</details>', first, rest
        )

    def htmldiff(self) -> SafeString:
        before = "" if self.before in (None, _MISSING) else str(self.before)
        after = "" if self.after in (None, _MISSING) else str(self.after)
        if before == after:
            return self.htmlvalue(after if self.after is not None else None)
        if "\n" in before or "\n" in after:
            return line_diff(before, after)
        return word_diff(before, after)


# Unchanged lines shown before and after each changed hunk of a multi-line text.
CONTEXT_LINES = 3


def _lines_html(lines: list[str], state: str) -> SafeString:
    return format_html_join("", '<div class="diff-line diff-line--{}">{}</div>', ((state, line or "\u00a0") for line in lines))


def _folded(lines: list[str]) -> SafeString:
    count = len(lines)
    return format_html(
        '<details class="diff-fold"><summary>{} unchanged line{}</summary>{}</details>',
        count,
        "" if count == 1 else "s",
        _lines_html(lines, "same"),
    )


def line_diff(before: str, after: str) -> SafeString:
    """Changed hunks of a multi-line text, each with CONTEXT_LINES lines around it."""
    old, new = before.split("\n"), after.split("\n")
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    parts: list[SafeString] = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            lines = old[a1:a2]
            head = CONTEXT_LINES if index > 0 else 0  # after a change
            tail = CONTEXT_LINES if index < len(opcodes) - 1 else 0  # before a change
            if len(lines) <= head + tail:
                parts.append(_lines_html(lines, "same"))
                continue
            parts.append(_lines_html(lines[:head], "same"))
            parts.append(_folded(lines[head : len(lines) - tail]))
            parts.append(_lines_html(lines[len(lines) - tail :], "same"))
        elif op == "replace" and a2 - a1 == b2 - b1:
            parts.extend(
                format_html('<div class="diff-line diff-line--changed">{}</div>', word_diff(o, n))
                for o, n in zip(old[a1:a2], new[b1:b2], strict=True)
            )
        else:
            parts.extend(format_html('<div class="diff-line diff-line--removed"><del>{}</del></div>', line) for line in old[a1:a2])
            parts.extend(format_html('<div class="diff-line diff-line--added"><ins>{}</ins></div>', line) for line in new[b1:b2])
    return format_html('<div class="diff-text">{}</div>', mark_safe("".join(parts)))  # every part escaped


def _word_opcodes(before: str, after: str) -> tuple[list[str], list[str], list[tuple[str, int, int, int, int]]]:
    old, new = _WORDS.split(before), _WORDS.split(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return old, new, matcher.get_opcodes()


def word_diff(before: str, after: str) -> SafeString:
    old, new, opcodes = _word_opcodes(before, after)
    parts: list[SafeString] = []
    for op, a1, a2, b1, b2 in opcodes:
        if op == "equal":
            parts.append(format_html("{}", "".join(old[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", "".join(old[a1:a2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", "".join(new[b1:b2])))
    return mark_safe("".join(parts))  # every part went through format_html


def word_diff_sides(before: str, after: str) -> tuple[SafeString, SafeString]:
    """The same word diff as two texts side by side: `before` with its removed
    words in <del>, `after` with its added words in <ins>."""
    old, new, opcodes = _word_opcodes(before, after)
    left: list[SafeString] = []
    right: list[SafeString] = []
    for op, a1, a2, b1, b2 in opcodes:
        if op == "equal":
            left.append(format_html("{}", "".join(old[a1:a2])))
            right.append(format_html("{}", "".join(new[b1:b2])))
            continue
        if a2 > a1:
            left.append(format_html("<del>{}</del>", "".join(old[a1:a2])))
        if b2 > b1:
            right.append(format_html("<ins>{}</ins>", "".join(new[b1:b2])))
    # Every part went through format_html.
    return mark_safe("".join(left)), mark_safe("".join(right))


class ChoiceComparison(FieldComparison):
    """Choice values shown by their labels; an unknown stored value as itself."""

    kind = "choice"
    choices: dict[str, str] = {}

    def display(self, value: Any) -> str:
        if value is None or value is _MISSING:
            return "—"
        label = self.choices.get(value)
        return label if label is not None else f"{value} (not a known value)"


class BooleanComparison(FieldComparison):
    kind = "boolean"

    def has_changed(self) -> bool:
        as_bool = lambda v: None if v in (None, _MISSING) else bool(v)  # noqa: E731
        return as_bool(self.before) != as_bool(self.after)

    def display(self, value: Any) -> str:
        if value is None or value is _MISSING:
            return "—"
        return "Yes" if value else "No"


class InvalidJSONComparison(TextComparison):
    """Stored text that is not JSON: compared as text, marked as invalid."""

    kind = "invalid-json"

    def htmldiff(self) -> SafeString:
        return format_html(
            '{} <span class="diff-note">(stored text is not valid JSON)</span>', super().htmldiff()
        )


class ListComparison(FieldComparison):
    """Item by item: kept items plain, removed ones in <del>, added ones in <ins>."""

    kind = "list"

    def _items(self, value: Any) -> list[Any]:
        return [] if value in (None, _MISSING) else list(value)

    def htmlvalue(self, value: Any) -> SafeString:
        if value in (None, _MISSING):
            return format_html("{}", "—")
        return format_html(
            '<ul class="diff-list">{}</ul>',
            format_html_join("", "<li>{}</li>", ((_item_text(item),) for item in value)),
        )

    def htmldiff(self) -> SafeString:
        if not self.has_changed():
            return self.htmlvalue(self.after)
        old = [_item_text(item) for item in self._items(self.before)]
        new = [_item_text(item) for item in self._items(self.after)]
        rows: list[SafeString] = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                rows.extend(format_html("<li>{}</li>", item) for item in old[a1:a2])
                continue
            if op in ("delete", "replace"):
                rows.extend(format_html('<li class="removed"><del>{}</del></li>', item) for item in old[a1:a2])
            if op in ("insert", "replace"):
                rows.extend(format_html('<li class="added"><ins>{}</ins></li>', item) for item in new[b1:b2])
        return format_html('<ul class="diff-list">{}</ul>', mark_safe("".join(rows)))  # parts escaped


def _item_text(item: Any) -> str:
    return item if isinstance(item, str) else _json_text(item)


class ObjectComparison(FieldComparison):
    """Key by key: each key's value before and after, text values word-diffed."""

    kind = "object"

    def _mapping(self, value: Any) -> dict[str, Any]:
        return {} if value in (None, _MISSING) else dict(value)

    def htmlvalue(self, value: Any) -> SafeString:
        if value in (None, _MISSING):
            return format_html("{}", "—")
        return format_html(
            '<dl class="diff-object">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, _item_text(v)) for k, v in value.items())),
        )

    def key_changes(self) -> list[tuple[str, str, SafeString]]:
        """(key, 'added'|'removed'|'changed'|'same', html) in the after-state's key order."""
        old, new = self._mapping(self.before), self._mapping(self.after)
        keys = list(new) + [k for k in old if k not in new]
        changes = []
        for key in keys:
            if key not in old:
                changes.append((key, "added", format_html("<ins>{}</ins>", _item_text(new[key]))))
            elif key not in new:
                changes.append((key, "removed", format_html("<del>{}</del>", _item_text(old[key]))))
            elif old[key] == new[key]:
                changes.append((key, "same", format_html("{}", _item_text(new[key]))))
            elif isinstance(old[key], str) and isinstance(new[key], str):
                changes.append((key, "changed", word_diff(old[key], new[key])))
            else:
                changes.append((
                    key,
                    "changed",
                    format_html("<del>{}</del> → <ins>{}</ins>", _item_text(old[key]), _item_text(new[key])),
                ))
        return changes

    def htmldiff(self) -> SafeString:
        if not self.has_changed():
            return self.htmlvalue(self.after)
        return format_html(
            '<dl class="diff-object">{}</dl>',
            format_html_join(
                "", '<dt class="{}">{}</dt><dd class="{}">{}</dd>',
                ((state, key, state, html) for key, state, html in self.key_changes()),
            ),
        )


def _label(field: models.Field | None, name: str) -> str:
    if field is None:
        return name.replace("_", " ")
    return str(field.verbose_name)


def field_labels(names: list[str], *, model: type[models.Model] | None = None) -> list[str]:
    """What people call the fields a history entry lists (`sub_channel` is "sub channel",
    `eli5` is "ELI5"): each model field's label; a name the model lacks, spaced out."""
    if model is None:
        from interview.models import Question

        model = Question
    fields = {f.name: f for f in model._meta.concrete_fields}
    return [_label(fields.get(str(name)), str(name)) for name in names]


def comparison_for(*, name: str, field: models.Field | None, before: Any, after: Any) -> FieldComparison:
    """The comparison class that fits this field (or, for an unknown key, the values)."""
    label = _label(field, name)
    if isinstance(field, ChoiceTextField) and field.choices:
        comparison = ChoiceComparison(name, label, before, after)
        comparison.choices = {str(k): str(v) for k, v in field.flatchoices}
        return comparison
    if isinstance(field, IntBooleanField | models.BooleanField):
        return BooleanComparison(name, label, before, after)
    if isinstance(field, NodeTimestampField):
        return FieldComparison(name, label, before, after)
    if isinstance(field, models.IntegerField | models.FloatField):
        return FieldComparison(name, label, before, after)
    if isinstance(field, NodeJSONField) or field is None:
        before_v = _normalize_json(before) if field is not None else before
        after_v = _normalize_json(after) if field is not None else after
        present = [v for v in (before_v, after_v) if v not in (None, _MISSING)]
        if field is not None and any(isinstance(v, str) for v in present):
            return InvalidJSONComparison(name, label, _as_text(before_v), _as_text(after_v))
        if present and all(isinstance(v, list) for v in present):
            return ListComparison(name, label, before_v, after_v)
        if present and all(isinstance(v, dict) for v in present):
            return ObjectComparison(name, label, before_v, after_v)
        if present and all(isinstance(v, str) for v in present):
            return TextComparison(name, label, before_v, after_v)
        return FieldComparison(name, label, _as_text(before_v), _as_text(after_v))
    return TextComparison(name, label, before, after)


def _as_text(value: Any) -> Any:
    if value in (None, _MISSING) or isinstance(value, str):
        return value
    return _json_text(value)


def compare_snapshots(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    model: type[models.Model] | None = None,
    only_changed: bool = False,
) -> list[FieldComparison]:
    """One comparison per key of either state, in the model's field order.

    `before`/`after` are history snapshots or ledger states: dicts of field
    name -> value as JSON holds it (either may be None for a creation or a
    deletion; a non-dict state is compared as a single value). Keys the
    model does not have are compared by their values' shape, after the
    model's fields.
    """
    if model is None:
        from interview.models import Question

        model = Question
    if before is not None and not isinstance(before, dict) or after is not None and not isinstance(after, dict):
        return [comparison_for(name="state", field=None, before=before, after=after)]
    before, after = before or {}, after or {}
    fields = {f.name: f for f in model._meta.concrete_fields}
    ordered = [name for name in fields if name in before or name in after]
    extra = [k for k in [*before, *after] if k not in fields]
    names = ordered + list(dict.fromkeys(extra))
    comparisons = [
        comparison_for(name=name, field=fields.get(name), before=before.get(name), after=after.get(name))
        for name in names
    ]
    if only_changed:
        comparisons = [c for c in comparisons if c.has_changed()]
    return comparisons
