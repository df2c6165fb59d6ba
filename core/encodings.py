"""How the Node app stores values, in one place.

The database is shared with a Node.js app and its bots, so every value we
write must read back exactly as the Node code would have written it:

- JSON is TEXT as `JSON.stringify` writes it: compact separators, non-ASCII
  kept as is, integral numbers without a fraction, no NaN/Infinity.
- Timestamps are TEXT. The app writes `Date.prototype.toISOString()`
  (`2026-01-13T03:29:00.972Z`); SQLite defaults write `2026-01-13 03:29:00`.
  We read both and write the first.
- Booleans are INTEGER 0/1 (Django's BooleanField already does this on SQLite).
- Legacy rows hold values that are not valid JSON or not timestamps at all
  (`react, javascript, frontend` in `tags`, `''` in `companies`). They are
  read into marker types that keep the exact stored text, so they display as
  invalid and survive a save of other fields byte for byte.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

JSON_SEPARATORS = (",", ":")

# SQLite stores an INTEGER as a signed 64-bit number. Beyond that Python's
# sqlite3 raises OverflowError and a libSQL server silently stores a REAL.
SQLITE_INTEGER_MIN = -(2**63)
SQLITE_INTEGER_MAX = 2**63 - 1
# Deeper than any value the Node app writes (relevance details are 2 levels);
# deep values also cost recursion in every JSON encoder and decoder.
MAX_JSON_DEPTH = 20
# NUL ends a string in C (and so in some SQLite tools and the Node driver);
# a lone surrogate is not a character and cannot be written as UTF-8.
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class InvalidJSON(str):
    """Stored text in a JSON column that does not parse as JSON.

    It is kept verbatim: writing it back writes the same bytes.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"InvalidJSON({str.__repr__(self)})"


# How an export file carries stored legacy text of a JSON column (an
# `InvalidJSON`): as `{"$legacyText": "react, javascript, frontend"}`, so the
# importer can tell it from a JSON string and put back the same bytes.
LEGACY_TEXT_KEY = "$legacyText"


def mark_legacy_text(value: InvalidJSON) -> dict[str, str]:
    """The export form of stored text that is not JSON."""
    return {LEGACY_TEXT_KEY: str(value)}


def legacy_text_of(value: Any) -> InvalidJSON | None:
    """The stored text an export marked as legacy (`mark_legacy_text`), or None."""
    if type(value) is dict and len(value) == 1 and type(value.get(LEGACY_TEXT_KEY)) is str:
        return InvalidJSON(value[LEGACY_TEXT_KEY])
    return None


class JSONText(str):
    """Text that is already exactly what `to_node_json` writes for some value.

    Bulk writers encode a value once and reuse the text (a question's JSON
    columns inside its history snapshot); `history_row` writes it as is.
    """

    __slots__ = ()


class UnparsedTimestamp(str):
    """Stored text in a timestamp column that is not a timestamp; kept verbatim."""

    __slots__ = ()


class StoredTimestamp(datetime):
    """A timestamp read from the database that remembers its stored text.

    Saving a row re-writes every column; without this, a legacy
    `2026-01-13 03:29:00` would silently become `2026-01-13T03:29:00.000Z`
    on an edit of some other field.
    """

    stored_text: str

    @classmethod
    def from_text(cls, text: str, parsed: datetime) -> StoredTimestamp:
        value = cls(
            parsed.year,
            parsed.month,
            parsed.day,
            parsed.hour,
            parsed.minute,
            parsed.second,
            parsed.microsecond,
            tzinfo=parsed.tzinfo,
        )
        value.stored_text = text
        return value


def _js_compatible(value: Any) -> Any:
    """Rewrite floats the way `JSON.stringify` prints them (1.0 -> 1, NaN -> null)."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
        return value
    if isinstance(value, dict):
        return {str(key): _js_compatible(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_js_compatible(item) for item in value]
    return value


def to_node_json(value: Any) -> str:
    """JSON text exactly as the Node app's `JSON.stringify(value)` writes it."""
    if isinstance(value, InvalidJSON):
        return str(value)
    return json.dumps(_js_compatible(value), separators=JSON_SEPARATORS, ensure_ascii=False)


def from_node_json(text: str | None) -> Any:
    """Parse stored JSON text; text that is not JSON comes back as `InvalidJSON`."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")
    try:
        return json.loads(text)
    except ValueError:
        return InvalidJSON(text)


def describe_invalid_json(text: str) -> str:
    """What a stored value that is not JSON looks like, in plain words.

    The parser's own message ("Expecting value: line 1 column 1 (char 0)")
    tells an editor nothing; what they need is what the text is and why the
    field cannot use it.
    """
    stripped = text.strip()
    if text == "":
        return "an empty text, where a JSON value (such as [] for an empty list) belongs"
    if not stripped:
        return "only spaces, where a JSON value belongs"
    if stripped[0] in "[{\"":
        return "JSON that is cut off or mistyped (a quote, comma or bracket is missing or extra)"
    if "," in stripped:
        return "a plain comma-separated text, not a JSON list of quoted items"
    return "a plain text, not JSON (text in JSON is written in double quotes)"


def display_timestamp(value: datetime | str | None) -> str:
    """A timestamp for people: `2026-01-12 02:15 UTC`; text that is not one, as stored."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_node_timestamp(value: datetime) -> str:
    """`value` as JS `toISOString()` writes it: UTC, milliseconds, `Z`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_node_timestamp(text: str) -> datetime:
    """Parse either of the app's formats (and other ISO 8601 forms) to aware UTC.

    Naive values are UTC: SQLite's CURRENT_TIMESTAMP and datetime('now') are UTC.
    Raises ValueError for anything else.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty timestamp")
    parsed = datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def read_stored_timestamp(text: str | None) -> datetime | UnparsedTimestamp | None:
    """A stored timestamp as a `StoredTimestamp`, or `UnparsedTimestamp` if it is not one."""
    if text is None:
        return None
    try:
        return StoredTimestamp.from_text(text, parse_node_timestamp(text))
    except (ValueError, TypeError):
        return UnparsedTimestamp(text)


def write_timestamp(value: datetime | str | None) -> str | None:
    """The TEXT to store for a timestamp value.

    A value read from the database goes back as it was stored; a new value is
    written in the app's `toISOString()` form.
    """
    if value is None:
        return None
    if isinstance(value, StoredTimestamp):
        return value.stored_text
    if isinstance(value, UnparsedTimestamp):
        return str(value)
    if isinstance(value, datetime):
        return format_node_timestamp(value)
    if isinstance(value, str):
        return format_node_timestamp(parse_node_timestamp(value))
    raise TypeError(f"not a timestamp: {value!r}")


def node_now() -> datetime:
    """Now, truncated to the millisecond precision the app stores."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_node_bool(value: Any) -> int | None:
    """Booleans are stored as INTEGER 0/1."""
    if value is None:
        return None
    return 1 if value else 0


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as text, or None.

    Cheap on the common case: ASCII text without NUL is one scan in C.
    """
    if text.isascii() and "\x00" not in text:
        return None
    found = _UNSTORABLE_CHARACTER.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\0), which text here may not hold"
    return (
        f"contains a lone surrogate ({printable(found.group())}), which is not a character "
        "and cannot be stored as UTF-8"
    )


def integer_problem(number: int) -> str | None:
    """Why the whole number cannot be stored in an INTEGER column, or None."""
    if SQLITE_INTEGER_MIN <= number <= SQLITE_INTEGER_MAX:
        return None
    return (
        f"is a whole number outside the range SQLite stores "
        f"({SQLITE_INTEGER_MIN:,} to {SQLITE_INTEGER_MAX:,})"
    )


def value_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why `value` (text, a number, or a JSON value of lists and objects) cannot
    be stored as the Node app would read it back, or None.

    The one rule every path that writes content applies (forms, the import
    preview, the command line): NUL characters, lone surrogates, whole
    numbers outside SQLite's 64-bit range, and lists/objects nested deeper
    than `max_depth`. Iterative, so safe on a value of any depth; an import
    checks ~750,000 values, so the common shapes take the short paths.
    """
    kind = type(value)
    if kind is str:
        return text_problem(value)
    if kind is int:
        return integer_problem(value)
    if isinstance(value, str):
        return text_problem(value)
    if not isinstance(value, list | tuple | dict) or isinstance(value, bool):
        return None  # None, booleans, floats, timestamps: nothing to refuse
    if kind is list or kind is dict:
        # Most JSON columns are one level deep (a list of words, an object of
        # links or scores): checked in one pass, deeper ones walked below.
        problem = _flat_problem(value.values() if kind is dict else value)
        if problem is None and kind is dict:
            problem = _flat_problem(value.keys())
        if problem is not _NESTED:
            return problem
    return _nested_problem(value, max_depth)


_NESTED = "nested"


def _flat_problem(items: Any) -> str | None:
    """The problem among plain items, None, or `_NESTED` when one needs a walk."""
    for item in items:
        kind = type(item)
        if kind is str:
            if not item.isascii() or "\x00" in item:
                problem = text_problem(item)
                if problem:
                    return problem
        elif kind is int:
            if not SQLITE_INTEGER_MIN <= item <= SQLITE_INTEGER_MAX:
                return integer_problem(item)
        elif item is not None and kind is not bool and kind is not float:
            return _NESTED
    return None


def _nested_problem(value: Any, max_depth: int) -> str | None:
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            problem = text_problem(item)
        elif type(item) is int:
            problem = integer_problem(item)
        elif isinstance(item, list | tuple | dict):
            if depth >= max_depth:
                return f"nests lists or objects more than {max_depth} levels deep"
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                item = item.values()
            pending.extend((child, depth + 1) for child in item)
            continue
        else:
            continue
        if problem:
            return problem
    return None


def printable(text: str) -> str:
    """`text` with NUL and lone surrogates written as escapes, for messages and reports."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE_CHARACTER.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)
