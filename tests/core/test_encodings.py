"""The Node value encodings: what we write must read back unchanged in the app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core import encodings


class TestJSON:
    @pytest.mark.parametrize(
        ("value", "node_text"),
        [
            (["react", "javascript"], '["react","javascript"]'),
            ({"backend-engineer": 95, "sre": 80}, '{"backend-engineer":95,"sre":80}'),
            (["Zürich", "東京", "emoji 🚀"], '["Zürich","東京","emoji 🚀"]'),
            ({"score": 1.0, "ratio": 0.25}, '{"score":1,"ratio":0.25}'),
            ([float("nan"), float("inf")], "[null,null]"),
            ("line\nbreak \"quoted\"", '"line\\nbreak \\"quoted\\""'),
            ([], "[]"),
            ({}, "{}"),
        ],
    )
    def test_writes_what_json_stringify_writes(self, value: object, node_text: str) -> None:
        assert encodings.to_node_json(value) == node_text

    def test_reads_any_valid_json_including_spaced(self) -> None:
        assert encodings.from_node_json('[ "a", "b" ]') == ["a", "b"]
        assert encodings.from_node_json('{"a": {"b": [1, 2]}}') == {"a": {"b": [1, 2]}}
        assert encodings.from_node_json("null") is None

    @pytest.mark.parametrize("stored", ["react, javascript, frontend", "", "[unclosed"])
    def test_invalid_json_is_kept_verbatim(self, stored: str) -> None:
        value = encodings.from_node_json(stored)
        assert isinstance(value, encodings.InvalidJSON)
        assert encodings.to_node_json(value) == stored

    def test_round_trip_of_the_shared_style_export_value(self) -> None:
        value = {"title": "Staff Engineer", "levels": ["senior", "staff"], "weight": 3}
        text = encodings.to_node_json(value)
        assert json.loads(text) == value
        assert encodings.to_node_json(encodings.from_node_json(text)) == text


class TestTimestamps:
    def test_writes_to_iso_string_form(self) -> None:
        value = datetime(2026, 1, 13, 3, 29, 0, 972_345, tzinfo=UTC)
        assert encodings.format_node_timestamp(value) == "2026-01-13T03:29:00.972Z"

    def test_converts_other_zones_to_utc(self) -> None:
        value = datetime(2026, 1, 13, 5, 29, 0, tzinfo=timezone(timedelta(hours=2)))
        assert encodings.format_node_timestamp(value) == "2026-01-13T03:29:00.000Z"

    @pytest.mark.parametrize(
        ("stored", "expected"),
        [
            ("2026-01-13T03:29:00.972Z", datetime(2026, 1, 13, 3, 29, 0, 972_000, tzinfo=UTC)),
            ("2026-01-13 03:29:00", datetime(2026, 1, 13, 3, 29, 0, tzinfo=UTC)),
        ],
    )
    def test_reads_both_app_formats(self, stored: str, expected: datetime) -> None:
        value = encodings.read_stored_timestamp(stored)
        assert value == expected
        # Read, then written back untouched: the same text, whatever the format.
        assert encodings.write_timestamp(value) == stored

    def test_new_values_use_the_z_form(self) -> None:
        parsed = encodings.parse_node_timestamp("2026-01-13 03:29:00")
        assert encodings.write_timestamp(parsed) == "2026-01-13T03:29:00.000Z"

    def test_text_that_is_not_a_timestamp_is_kept(self) -> None:
        value = encodings.read_stored_timestamp("last tuesday")
        assert isinstance(value, encodings.UnparsedTimestamp)
        assert encodings.write_timestamp(value) == "last tuesday"

    def test_now_has_millisecond_precision(self) -> None:
        assert encodings.node_now().microsecond % 1000 == 0


def test_booleans_are_zero_or_one() -> None:
    assert [encodings.to_node_bool(v) for v in (True, False, None, 1, 0)] == [1, 0, None, 1, 0]
