"""The import engine: validation, diff, history rows, dry run, all-or-nothing."""

from __future__ import annotations

import json

import pytest

from core import encodings
from core.databases import content_connection as connection
from importing import services, write
from importing.services import import_files, import_records
from importing.sources import read_bytes
from importing.specs import SPECS
from interview.models import Question, QuestionHistory
from tests.support.import_records import question_record, raw_row, records, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.sqld
def test_new_records_are_created_with_history_and_app_timestamps() -> None:
    report = import_records(
        model="questions",
        records=records([question_record(1), question_record(2, tags=["x"], extraKey=1)]),
        user_label="alice",
        dry_run=False,
    )
    assert report.error is None and report.committed
    assert (report.models["questions"].created, report.models["questions"].unchanged) == (2, 0)
    assert report.models["questions"].ignored_keys == {"extraKey": 1}
    row = raw_row("questions", "q-1")
    # SQLite's form in the file, the app's toISOString() form in the table.
    assert row["created_at"] == "2025-12-26T12:51:06.000Z"
    assert row["last_updated"] == "2026-01-13T03:29:00.972Z"
    assert row["tags"] == '["alpha","tag-1"]'
    assert row["companies"] == '["Acme","Ünïcode GmbH"]'
    assert (row["voice_suitable"], row["is_new"]) == (1, 0)
    history = list(QuestionHistory.objects.filter(question_id="q-1"))
    assert len(history) == 1
    entry = history[0]
    assert (entry.event_source, entry.source_name, entry.event_type) == ("import", "alice", "imported")
    assert entry.after_snapshot["answer"] == "Thing 1 is a thing."
    assert entry.before_snapshot is None


@pytest.mark.sqld
def test_existing_id_updates_only_differing_fields_and_unchanged_writes_nothing() -> None:
    import_records(model="questions", records=records([question_record(1), question_record(2)]), user_label="a", dry_run=False)
    history_before = QuestionHistory.objects.count()
    q2_before = raw_row("questions", "q-2")

    changed = question_record(1, answer="A better answer.", createdAt="2025-12-26T12:51:06.000Z")
    report = import_records(
        model="questions", records=records([changed, question_record(2)]), user_label="bob", dry_run=False
    )
    questions = report.models["questions"]
    assert (questions.created, questions.updated, questions.unchanged) == (0, 1, 1)
    assert [c.field for c in questions.updates[0].changes] == ["answer", "lastUpdated"]
    # The unchanged record: same bytes, no history.
    assert raw_row("questions", "q-2") == q2_before
    assert QuestionHistory.objects.count() == history_before + 1
    entry = QuestionHistory.objects.filter(question_id="q-1", event_type="updated").get()
    assert entry.changed_fields == ["answer"]
    assert entry.before_snapshot == {"answer": "Thing 1 is a thing."}
    assert entry.after_snapshot == {"answer": "A better answer."}
    assert (entry.event_source, entry.source_name) == ("import", "bob")
    row = raw_row("questions", "q-1")
    assert row["answer"] == "A better answer."
    assert row["last_updated"] != "2026-01-13T03:29:00.972Z"  # moved on: the import changed it


@pytest.mark.sqld
def test_dry_run_writes_nothing() -> None:
    import_records(model="questions", records=records([question_record(1)]), user_label="a", dry_run=False)
    before = table_counts()
    q1 = raw_row("questions", "q-1")
    report = import_records(
        model="questions",
        records=records([question_record(1, answer="changed"), *[question_record(n) for n in range(2, 30)]]),
        user_label="a",
        dry_run=True,
    )
    assert (report.models["questions"].created, report.models["questions"].updated) == (28, 1)
    assert report.error is None and not report.committed
    assert table_counts() == before
    assert raw_row("questions", "q-1") == q1


@pytest.mark.sqld
def test_one_invalid_record_refuses_the_whole_import_listing_every_problem() -> None:
    bad = [
        question_record(3, difficulty="impossible"),
        question_record(4, voiceSuitable="maybe"),
        {k: v for k, v in question_record(5).items() if k != "id"},
    ]
    report = import_records(
        model="questions", records=records([question_record(1), *bad, question_record(2)]), user_label="a", dry_run=False
    )
    assert report.error and "refused" in report.error
    assert not report.committed
    assert table_counts()["questions"] == 0 and table_counts()["question_history"] == 0
    messages = [str(p) for p in report.problems]
    assert any("record 2 (id q-3), difficulty: 'impossible' is not one of" in m for m in messages)
    assert any("record 3 (id q-4), voiceSuitable: 'maybe' is not a boolean" in m for m in messages)
    assert any("record 4, id: has no id" in m for m in messages)
    assert report.models["questions"].invalid_records == 3


@pytest.mark.sqld
def test_skip_invalid_imports_the_valid_records() -> None:
    report = import_records(
        model="questions",
        records=records([question_record(1), question_record(2, channel=""), question_record(3)]),
        user_label="a",
        dry_run=False,
        skip_invalid=True,
    )
    assert report.committed and report.error is None
    assert sorted(Question.objects.values_list("id", flat=True)) == ["q-1", "q-3"]
    assert [str(p) for p in report.problems] == ["test.json record 2 (id q-2), channel: is required but empty"]


@pytest.mark.sqld
def test_database_failure_midway_rolls_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row the database refuses after earlier chunks were written: nothing stays."""
    monkeypatch.setattr(write, "WRITE_CHUNK", 4)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER refuse_q_boom BEFORE INSERT ON questions WHEN NEW.id = 'q-11' "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    try:
        report = import_records(
            model="questions", records=records([question_record(n) for n in range(1, 15)]), user_label="a", dry_run=False
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_q_boom")
    assert report.error and "injected failure" in report.error
    assert not report.committed
    assert table_counts()["questions"] == 0
    assert table_counts()["question_history"] == 0


def test_assign_ids_continues_the_q_numbering() -> None:
    import_records(model="questions", records=records([question_record(41)]), user_label="a", dry_run=False)
    no_id = [{k: v for k, v in question_record(n).items() if k != "id"} for n in (1, 2)]
    report = import_records(
        model="questions",
        records=records([*no_id, question_record(45)]),
        user_label="a",
        dry_run=False,
        assign_ids=True,
    )
    assert report.committed
    assert sorted(report.models["questions"].created_ids) == ["q-45", "q-46", "q-47"]


def test_duplicate_ids_refuse_every_occurrence() -> None:
    report = import_records(
        model="questions",
        records=records([question_record(1), question_record(2), question_record(1, answer="other")]),
        user_label="a",
        dry_run=True,
    )
    messages = [str(p) for p in report.problems]
    assert messages == [
        "test.json record 1 (id q-1), id: id q-1 appears more than once (also test.json record 3)",
        "test.json record 3 (id q-1), id: id q-1 appears more than once (also test.json record 1)",
    ]
    assert report.models["questions"].created == 1


def test_unknown_stored_status_survives_a_reimport() -> None:
    import_records(model="questions", records=records([question_record(1)]), user_label="a", dry_run=False)
    Question.objects.filter(pk="q-1").update(status="needs-review")
    report = import_records(
        model="questions", records=records([question_record(1, status="needs-review")]), user_label="a", dry_run=False
    )
    assert report.error is None
    assert report.models["questions"].unchanged == 1


def test_channel_mappings_nested_form_and_missing_questions() -> None:
    import_records(model="questions", records=records([question_record(1)]), user_label="a", dry_run=False)
    nested = {"algorithms": {"subChannels": {"sorting": ["q-1", "q-404"]}}}
    source = read_bytes(name="channel-mappings.json", content=json.dumps(nested).encode())
    assert source.model == "channel-mappings"
    report = import_files(files=[source], user_label="a", dry_run=False, skip_invalid=True)
    assert report.models["channel-mappings"].created == 1
    assert [str(p) for p in report.problems] == [
        "channel-mappings.json record 2, questionId: question q-404 does not exist"
    ]
    again = import_files(files=[source], user_label="a", dry_run=True, skip_invalid=True)
    assert again.models["channel-mappings"].unchanged == 1


def test_fast_encoders_match_the_model_fields() -> None:
    """The engine's per-column encoders bind exactly what the fields would."""
    spec = SPECS["questions"]
    values = {
        "tags": ["a", "ü", 1, 2.5, {"k": None}],
        "videos": {"short": "x"},
        "companies": encodings.InvalidJSON("react, js"),
        "last_updated": encodings.parse_node_timestamp("2025-12-26 12:51:06"),
        "created_at": encodings.read_stored_timestamp("2026-01-13T03:29:00.972Z"),
        "voice_suitable": True,
        "is_new": False,
        "relevance_score": 7,
        "question": "text",
        "diagram": None,
    }
    for name, value in values.items():
        model_field = Question._meta.get_field(name)
        expected = model_field.get_db_prep_save(value, connection)
        expected = int(expected) if isinstance(expected, bool) else expected
        assert services.db_encoder(model_field)(value) == expected, name
    assert spec.columns["subChannel"].name == "sub_channel"
