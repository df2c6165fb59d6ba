"""The import engine's fast paths write exactly what the slow, obvious code
would: history rows as `create_question` records them, the same column values
on SQLite and on a libSQL server, and few round trips."""

from __future__ import annotations

import gc
import json

import pytest

from core import encodings
from core.databases import content_connection as connection
from importing import write
from importing.readers import cyclic_gc_paused
from importing.services import import_files, import_records
from importing.sources import read_bytes
from interview import services as question_services
from interview.models import HistoryEventSource, HistoryEventType, Question, QuestionHistory
from tests.support.import_records import question_record, raw_row, records

pytestmark = pytest.mark.django_db(transaction=True)

# Values that exercise every escaping and encoding rule on the way to the
# question row and into the history snapshot.
AWKWARD = {
    "question": 'Quotes " and \\ backslash, tab\t, newline\n, NUL-free controls \x01\x1f, DEL \x7f?',
    "answer": "Ünïcödé, emoji 🚀, CJK 漢字, RTL עברית, line separator \u2028 and \u2029.",
    "explanation": "x" * 5000,
    "diagram": None,
    "tags": ["a", "ü", "", "\u2028"],
    "videos": {"short": None, "long": "https://youtu.be/x?a=1&b=<2>"},
    "companies": [],
    "relevanceScore": 0,
    "relevanceDetails": {"score": 10.75, "why": "“smart quotes”", "n": 1, "half": 2.5, "zero": -0.0, "big": 1e21, "yes": True, "none": None},
    "voiceSuitable": True,
    "isNew": False,
    "jobTitleRelevance": {},
}


def _expected_history_columns(question_id: str) -> tuple[str, str]:
    """(after_snapshot, changed_fields) as `create_question` would store them
    for the row now in the table."""
    question = Question.objects.get(pk=question_id)
    snapshot = question_services.question_snapshot(question)
    row = question_services.history_row(
        question_id=question_id,
        event_type=HistoryEventType.IMPORTED,
        event_source=HistoryEventSource.IMPORT,
        source_name="x",
        changed_fields=[name for name, value in snapshot.items() if value is not None],
        before=None,
        after=snapshot,
    )
    fields = question_services.HISTORY_ROW_FIELDS
    return row[fields.index("after_snapshot")], row[fields.index("changed_fields")]


@pytest.mark.sqld
def test_new_rows_and_their_history_match_the_model_path() -> None:
    """Awkward values, absent keys filled with defaults and explicit nulls:
    the columns the engine writes (executemany locally, json_each on the
    server) and the snapshot it assembles agree with the model's own."""
    sparse = {k: v for k, v in question_record(2).items() if k not in ("status", "isNew", "createdAt", "tags")}
    # Through the reader, as files arrive: numbers as JSON.stringify keeps them.
    source = read_bytes(
        name="test.json",
        content=json.dumps([question_record(1, **AWKWARD), sparse, question_record(3, eli5=None, tldr="")]).encode(),
    )
    report = import_files(files=[source], user_label="alice", dry_run=False)
    assert report.committed and report.error is None
    stored = raw_row("questions", "q-1")
    assert stored["question"] == AWKWARD["question"] and stored["answer"] == AWKWARD["answer"]
    assert stored["tags"] == '["a","ü","","\u2028"]'
    assert stored["relevance_details"] == (
        '{"score":10.75,"why":"“smart quotes”","n":1,"half":2.5,"zero":0,"big":1e+21,"yes":true,"none":null}'
    )
    assert (stored["relevance_score"], stored["voice_suitable"], stored["is_new"]) == (0, 1, 0)
    assert stored["job_title_relevance"] == "{}" and stored["companies"] == "[]"
    defaults = raw_row("questions", "q-2")
    assert (defaults["status"], defaults["is_new"], defaults["tags"]) == ("active", 1, None)
    assert defaults["created_at"].endswith("Z")  # filled with the import's time
    for question_id in ("q-1", "q-2", "q-3"):
        history = raw_row("question_history", QuestionHistory.objects.get(question_id=question_id).pk)
        assert (history["after_snapshot"], history["changed_fields"]) == _expected_history_columns(question_id)
        assert json.loads(history["metadata"])["file"] == "test.json"
        assert (history["event_type"], history["event_source"], history["source_name"]) == (
            "imported",
            "import",
            "alice",
        )
        assert history["before_snapshot"] is None and history["changes_summary"] == "Imported"


def test_history_row_is_what_build_history_entry_saves() -> None:
    """One definition of a history row: the tuple the importer inserts and
    the model instance every other writer saves hold the same columns."""
    arguments = {
        "question_id": "q-9",
        "event_type": HistoryEventType.UPDATED,
        "event_source": HistoryEventSource.USER,
        "source_name": "bob",
        "changed_fields": ["answer", "tags"],
        "before": {"answer": "old", "tags": encodings.InvalidJSON("react, js")},
        "after": {"answer": "new ✓", "tags": ["react", 1.0]},
        "reason": "",
        "metadata": {"file": "x.json", "record": 3},
    }
    entry = question_services.build_history_entry(**arguments)
    entry.save()
    saved = raw_row("question_history", entry.pk)
    row = question_services.history_row(**arguments, created_at=saved["created_at"])
    assert tuple(saved[name] for name in question_services.HISTORY_ROW_FIELDS) == row
    assert saved["changes_summary"] == "Updated: answer, tags" and saved["reason"] is None
    assert saved["after_snapshot"] == '{"answer":"new ✓","tags":["react",1]}'
    # Pre-encoded JSON is written as given, and the summary still names the fields.
    encoded = question_services.history_row(
        **{**arguments, "changed_fields": encodings.JSONText('["answer"]'), "after": encodings.JSONText('{"a":1}')}
    )
    fields = question_services.HISTORY_ROW_FIELDS
    assert encoded[fields.index("after_snapshot")] == '{"a":1}'
    assert encoded[fields.index("changes_summary")] == "Updated: answer"


def test_remote_insert_statements_stay_within_the_server_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are grouped into JSON arrays of at most 200 rows and about 1 MB
    (a libSQL server refuses single values of a few MB); none is lost."""
    small = [(f"q-{n}", n, None) for n in range(450)]
    arrays = list(write.json_row_arrays(small))
    assert [len(json.loads(a)) for a in arrays] == [200, 200, 50]
    assert [tuple(row) for a in arrays for row in json.loads(a)] == small
    big = [(f"q-{n}", "é" * 300_000) for n in range(7)] + [("huge", "x" * 2_000_000)]
    arrays = list(write.json_row_arrays(big))
    # Three rows of 300,000 characters per statement; a row over the limit goes alone.
    assert [len(json.loads(a)) for a in arrays] == [3, 3, 1, 1]
    assert all(len(a) <= write.REMOTE_STATEMENT_BYTES for a in arrays[:-1])
    assert [row[0] for a in arrays for row in json.loads(a)] == [r[0] for r in big]
    assert json.loads(arrays[0])[0][1] == "é" * 300_000


@pytest.mark.sqld
def test_a_thousand_new_questions_cost_at_most_one_round_trip_per_50(on_real_server: bool) -> None:
    if not on_real_server:
        pytest.skip("round trips are counted on the libSQL server (the sqld pass)")
    trips_before = connection.round_trips
    report = import_records(
        model="questions", records=records([question_record(n) for n in range(1, 1001)]), user_label="a", dry_run=False
    )
    trips = connection.round_trips - trips_before
    assert report.committed and report.models["questions"].history_rows == 1000
    assert trips <= 1000 / 50, trips
    assert QuestionHistory.objects.count() == Question.objects.count() == 1000


def test_the_cycle_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    try:
        with cyclic_gc_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
