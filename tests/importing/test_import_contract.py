"""Imports that cannot corrupt the app's data or undo newer work.

- each JSON column takes only the shape the Node app reads (`core.shapes`),
  in the import, the admin forms and the services;
- a record whose row changed in the database since the file was made is
  held back unless the importer chooses to overwrite it;
- every fault of a record is reported at once;
- an id given twice: refuse (default), first or last;
- the web preview speaks web: counts point down, the skip choice is a button.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from core import encodings, shapes
from core.databases import content_connection as connection
from importing.services import import_files, import_records
from importing.sources import read_bytes
from interview import services as question_services
from interview.models import Question, QuestionHistory
from learning import services as learning_services
from learning.models import Certification, LearningPath, VoiceSession
from tests.support.import_records import question_record, raw_row, records, table_counts
from tests.support.shared_data import EXPORTS_DIR, require_shared

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_URL = "/admin/interview/question/import/"


def _shared_values(file: str, key: str, limit: int = 40) -> list[Any]:
    """Distinct non-null values of `key` in one of the app's real export files."""
    require_shared(EXPORTS_DIR)
    path = EXPORTS_DIR / file
    found: dict[str, Any] = {}
    for data in json.loads(path.read_text(encoding="utf-8")):
        value = data.get(key)
        if value is not None:
            found.setdefault(json.dumps(value, sort_keys=True), value)
    assert found, f"{file} holds no {key}"
    return list(found.values())[:limit]


def _question_values(key: str) -> list[Any]:
    require_shared(EXPORTS_DIR)
    found: dict[str, Any] = {}
    for path in sorted((EXPORTS_DIR / "questions").glob("*.json"))[:12]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        for data in document if isinstance(document, list) else []:
            value = data.get(key)
            if value is not None:
                found.setdefault(json.dumps(value, sort_keys=True), value)
    assert found, f"no question holds {key}"
    return list(found.values())[:60]


# The columns the Node app writes but the shared exports do not carry: the
# values its bots write (the relevance bot's scoring, the job-title scores).
BOT_VALUES = {
    "relevanceDetails": [
        {
            "interviewFrequency": 8,
            "practicalRelevance": 7,
            "conceptDepth": 6,
            "industryDemand": 9,
            "difficultyAppropriate": 8,
            "questionClarity": 9,
            "answerQuality": 7.5,
            "reasoning": "Asked often in frontend interviews.",
        }
    ],
    "jobTitleRelevance": [{"frontend-engineer": 90, "backend-engineer": 75.5, "sre": 0}],
    "experienceLevelTags": [["entry", "mid", "senior"], []],
}

# (model name, key, where the real values come from, a wrong value of the
# right container kind).
COLUMNS = [
    ("questions", "tags", lambda: _question_values("tags"), {"a": 1}),
    ("questions", "companies", lambda: _question_values("companies"), {"a": 1}),
    ("questions", "videos", lambda: _question_values("videos"), {"a": 1}),
    ("questions", "voiceKeywords", lambda: _question_values("voiceKeywords"), {"a": 1}),
    ("questions", "experienceLevelTags", lambda: BOT_VALUES["experienceLevelTags"], {"a": 1}),
    ("questions", "relevanceDetails", lambda: BOT_VALUES["relevanceDetails"], {"a": {"b": 1}}),
    ("questions", "jobTitleRelevance", lambda: BOT_VALUES["jobTitleRelevance"], {"a": "high"}),
    ("certifications", "domains", lambda: _shared_values("certifications.json", "domains"), {"a": 1}),
    ("certifications", "channelMappings", lambda: _shared_values("certifications.json", "channelMappings"), {"a": 1}),
    ("certifications", "prerequisites", lambda: _shared_values("certifications.json", "prerequisites"), {"a": 1}),
    ("certifications", "tags", lambda: [["kubernetes", "cloud"]], {"a": 1}),
    ("learning-paths", "questionIds", lambda: _shared_values("learning-paths.json", "questionIds"), {"a": 1}),
    ("learning-paths", "tags", lambda: _shared_values("learning-paths.json", "tags"), {"a": 1}),
    ("learning-paths", "channels", lambda: [["aws", "devops"]], {"a": 1}),
    ("learning-paths", "learningObjectives", lambda: [["Design VPCs", "Read a bill"]], {"a": 1}),
    ("learning-paths", "milestones", lambda: [[{"title": "Basics", "questionCount": 10}]], ["a"]),
    ("learning-paths", "metadata", lambda: [{"source": "rag", "insights": ["x"]}], ["a"]),
    ("voice-sessions", "questionIds", lambda: _shared_values("voice-sessions.json", "questionIds"), {"a": 1}),
]


def _base_record(model: str, number: int) -> dict[str, Any]:
    if model == "questions":
        return question_record(number)
    if model == "certifications":
        return {
            "id": f"cert-{number}", "name": "N", "provider": "P", "description": "D",
            "difficulty": "expert", "category": "cloud",
        }
    if model == "learning-paths":
        return {
            "id": f"skill-{number}", "title": "T", "description": "D", "difficulty": "beginner",
            "questionIds": [], "channels": [],
        }
    return {
        "id": f"vs-{number}", "topic": "T", "channel": "aws", "difficulty": "advanced",
        "questionIds": [], "totalQuestions": 0,
    }


@pytest.mark.parametrize(("model", "key", "real_values", "wrong_kind"), COLUMNS, ids=[f"{m}.{k}" for m, k, *_ in COLUMNS])
def test_each_json_column_takes_the_apps_real_values_and_refuses_other_shapes(
    model: str, key: str, real_values: Any, wrong_kind: Any
) -> None:
    good = [_base_record(model, n) | {key: value} for n, value in enumerate(real_values(), start=1)]
    report = import_records(model=model, records=records(good), user_label="t", dry_run=True)
    assert report.problems == [], [str(p) for p in report.problems]
    assert report.models[model].created == len(good)

    bad_values = ["oops", wrong_kind, 5]
    bad = [_base_record(model, 900 + n) | {key: value} for n, value in enumerate(bad_values)]
    report = import_records(model=model, records=records(bad), user_label="t", dry_run=True)
    assert [p.field for p in report.problems] == [key, key, key]
    reasons = [p.reason for p in report.problems]
    assert reasons[0].startswith("must be ") and reasons[0].endswith("not the text 'oops'")
    assert reasons[2].endswith("not the number 5")
    assert all(reason.startswith("must be ") for reason in reasons)
    assert report.models[model].created == 0


def test_wrong_types_in_json_columns_are_refused_with_the_field_and_the_shape() -> None:
    report = import_records(
        model="questions",
        records=records([question_record(1, tags="oops"), question_record(2, tags={"a": 1}), question_record(3, companies=5)]),
        user_label="t",
        dry_run=False,
    )
    assert [str(p) for p in report.problems] == [
        "test.json record 1 (id q-1), tags: must be a list of texts, not the text 'oops'",
        "test.json record 2 (id q-2), tags: must be a list of texts, not an object",
        "test.json record 3 (id q-3), companies: must be a list of texts, not the number 5",
    ]
    assert Question.objects.count() == 0


def test_the_shape_is_one_definition_on_the_model_field() -> None:
    field = Question._meta.get_field("tags")
    assert field.shape is shapes.LIST_OF_TEXT
    # Not part of the column: migrations do not see it.
    assert "shape" not in field.deconstruct()[3]
    question = Question(id="q-1", tags=["a"])
    field.validate(["a", "b"], question)
    with pytest.raises(ValidationError, match="must be a list of texts, not the text 'oops'"):
        field.validate("oops", question)

    # Stored legacy text still loads, passes as it is and saves back unchanged.
    from tests.support.question_admin import insert_question

    insert_question("q-1", tags="react, javascript, frontend", companies="")
    stored = Question.objects.get(pk="q-1")
    assert isinstance(stored.tags, encodings.InvalidJSON)
    stored.full_clean()
    stored.answer = "A new answer."
    assert question_services.save_question_changes(question=stored, source_name="t").changed
    row = raw_row("questions", "q-1")
    assert (row["tags"], row["companies"], row["answer"]) == ("react, javascript, frontend", "", "A new answer.")


def test_the_services_refuse_a_wrong_shape_naming_the_field() -> None:
    question = Question(**{
        "id": "q-1", "question": "Q?", "answer": "A.", "explanation": "E.", "difficulty": "beginner",
        "channel": "c", "sub_channel": "s", "tags": "oops",
    })
    with pytest.raises(ValidationError) as refused:
        question_services.create_question(question=question, source_name="t")
    assert refused.value.message_dict == {"tags": ["This value must be a list of texts, not the text 'oops'."]}
    assert not Question.objects.exists()

    question.tags = ["ok"]
    question_services.create_question(question=question, source_name="t")
    stored = Question.objects.get(pk="q-1")
    stored.companies = {"a": 1}
    with pytest.raises(ValidationError, match="companies"):
        question_services.save_question_changes(question=stored, source_name="t")
    assert raw_row("questions", "q-1")["companies"] is None

    path = LearningPath(
        id="p-1", title="T", description="D", path_type="skill", difficulty="beginner",
        question_ids=["q-1"], channels="aws",
    )
    with pytest.raises(ValidationError) as refused:
        learning_services.save_collection(instance=path, adding=True)
    assert list(refused.value.message_dict) == ["channels"]
    assert not LearningPath.objects.exists()


# --- Every fault of a record at once -----------------------------------------------------

FOUR_FAULTS = {"difficulty": "impossible", "tags": "oops", "status": "weird", "voiceSuitable": "maybe"}


def _four_fault_reasons(problems: list[Any]) -> dict[str, str]:
    return {p["field"] if isinstance(p, dict) else p.field: p["reason"] if isinstance(p, dict) else p.reason for p in problems}


def test_every_fault_of_a_record_is_reported_at_once() -> None:
    report = import_records(
        model="questions", records=records([question_record(1, **FOUR_FAULTS)]), user_label="t", dry_run=True
    )
    reasons = _four_fault_reasons(report.problems)
    assert reasons == {
        "difficulty": "'impossible' is not one of beginner, intermediate, advanced",
        "tags": "must be a list of texts, not the text 'oops'",
        "status": "'weird' is not one of active, flagged, deleted",
        "voiceSuitable": "'maybe' is not a boolean (use 0/1 or true/false)",
    }
    assert all((p.file, p.record, p.record_id) == ("test.json", 1, "q-1") for p in report.problems)
    assert report.invalid_records == 1


def test_every_fault_reaches_the_command_line_and_the_report_file(tmp_path: Path) -> None:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([question_record(1, **FOUR_FAULTS)]), encoding="utf-8")
    out = io.StringIO()
    report_path = tmp_path / "report.json"
    with pytest.raises(CommandError) as refused:
        call_command("import_content", str(path), "--report", str(report_path), stdout=out)
    printed = out.getvalue()
    for field in FOUR_FAULTS:
        assert f"{path} record 1 (id q-1), {field}: " in printed
    assert str(refused.value).startswith("Import refused: 4 problems (listed above); nothing was written.")
    written = json.loads(report_path.read_text(encoding="utf-8"))
    assert {(p["file"], p["record"], p["field"]) for p in written["problems"]} == {
        (str(path), 1, field) for field in FOUR_FAULTS
    }
    assert _four_fault_reasons(written["problems"])["tags"] == "must be a list of texts, not the text 'oops'"


# --- Duplicates ----------------------------------------------------------------------------


def _twice() -> list[dict[str, Any]]:
    return [question_record(7, answer="First copy."), question_record(8), question_record(7, answer="Last copy.")]


@pytest.mark.parametrize(("choice", "kept", "left_out"), [("first", "First copy.", 3), ("last", "Last copy.", 1)])
def test_on_duplicate_first_or_last_keeps_that_copy_and_names_the_other(choice: str, kept: str, left_out: int) -> None:
    report = import_records(
        model="questions", records=records(_twice()), user_label="t", dry_run=False, on_duplicate=choice
    )
    assert report.error is None and report.problems == []
    assert Question.objects.get(pk="q-7").answer == kept
    assert [(p.record, p.record_id) for p in report.left_out] == [(left_out, "q-7")]
    assert "is kept (on duplicate: " + choice + ")" in report.left_out[0].reason


def test_on_duplicate_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(_twice()), encoding="utf-8")
    # Refuse stays the default: every copy is refused.
    out = io.StringIO()
    call_command("import_content", str(path), "--skip-invalid", "--on-duplicate", "refuse", stdout=out)
    assert "id q-7 appears more than once" in out.getvalue()
    assert list(Question.objects.values_list("id", flat=True)) == ["q-8"]
    out = io.StringIO()
    call_command("import_content", str(path), "--on-duplicate", "last", stdout=out)
    assert Question.objects.get(pk="q-7").answer == "Last copy."
    assert "Duplicates left out (1):" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_content", str(path), "--on-duplicate", "any", stdout=io.StringIO(), stderr=io.StringIO())


# --- Rows changed in the database since the file was made ------------------------------

FILE_MADE = "2026-04-12T13:19:00.000Z"


def _exported_then_flagged() -> list[dict[str, Any]]:
    """Two questions exported at 13:19, then flagged at 13:24 (after the file was made)."""
    exported = [question_record(30194, lastUpdated=FILE_MADE), question_record(30081, lastUpdated=FILE_MADE)]
    import_records(model="questions", records=records(exported), user_label="t", dry_run=False)
    for question_id in ("q-30194", "q-30081"):
        question = Question.objects.get(pk=question_id)
        question_services.change_status(
            questions=[question], change="flag", source_name="moderator", actor=question_services.OPERATOR, reason="wrong"
        )
    return exported


@pytest.mark.sqld
def test_an_older_file_does_not_undo_newer_work() -> None:
    exported = _exported_then_flagged()
    before = {q: raw_row("questions", q) for q in ("q-30194", "q-30081")}
    history = QuestionHistory.objects.count()

    report = import_records(model="questions", records=records(exported), user_label="t", dry_run=False, actor=question_services.OPERATOR)
    assert report.error == "Import refused: 2 problems; nothing was written."
    assert report.newer_records == 2 and report.invalid_records == 0
    assert all(p.kind == "newer" and p.field == "lastUpdated" for p in report.problems)
    assert report.problems[0].reason.startswith("changed in the database since this file was made (stored ")
    assert {q: raw_row("questions", q) for q in before} == before
    assert QuestionHistory.objects.count() == history

    # Leaving them out imports nothing of theirs either.
    skipped = import_records(
        model="questions", records=records(exported), user_label="t", dry_run=False, skip_invalid=True,
        actor=question_services.OPERATOR,
    )
    assert skipped.committed and skipped.totals()["updated"] == 0
    assert {q: raw_row("questions", q) for q in before} == before

    # Only an explicit choice overwrites them.
    overwritten = import_records(
        model="questions", records=records(exported), user_label="t", dry_run=False, overwrite_newer=True,
        actor=question_services.OPERATOR,
    )
    assert overwritten.committed and overwritten.totals()["updated"] == 2
    assert raw_row("questions", "q-30194")["status"] == "active"


def test_timestamps_are_compared_as_instants_in_both_stored_formats() -> None:
    from tests.support.question_admin import insert_question

    # Stored in SQLite's form, five minutes after the file: as text it sorts
    # before the file's `T` form, as an instant it is later.
    insert_question("q-1", last_updated="2026-04-12 13:24:00")
    insert_question("q-2", last_updated="2026-04-12 13:14:00")
    insert_question("q-3", last_updated="2026-04-12 13:14:00")
    changed = [
        {"id": "q-1", "answer": "Older file.", "lastUpdated": FILE_MADE},
        {"id": "q-2", "answer": "Newer file.", "lastUpdated": FILE_MADE},
        {"id": "q-3", "answer": "No timestamp in the file."},
    ]
    report = import_records(model="questions", records=records(changed), user_label="t", dry_run=True)
    assert [(p.record_id, p.kind) for p in report.problems] == [("q-1", "newer"), ("q-3", "newer")]
    assert "in the file none" in report.problems[1].reason
    assert [u.record_id for u in report.models["questions"].updates] == ["q-2"]


def test_overwrite_newer_on_the_command_line(tmp_path: Path) -> None:
    exported = _exported_then_flagged()
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_content", str(path), stdout=out)
    assert "--overwrite-newer updates the 2 records changed in the database since the file was made" in str(refused.value)
    assert "changed in the database since this file was made" in out.getvalue()
    assert raw_row("questions", "q-30194")["status"] == "flagged"
    call_command("import_content", str(path), "--overwrite-newer", stdout=io.StringIO())
    assert raw_row("questions", "q-30194")["status"] == "active"


# --- The web flow -----------------------------------------------------------------------


@pytest.fixture
def importer_moderator_client() -> Client:
    """A user who may import and moderate questions."""
    user = User.objects.create_user("importer", password="pw-long-enough-123", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_question", "import_content", "moderate_question"])
    )
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, data: list[dict[str, Any]], **options: str) -> tuple[str, str]:
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("questions.json", json.dumps(data).encode()), "model": "", **options}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"], client.get(response["Location"]).content.decode()


@pytest.mark.urls("tests.support.import_records")
def test_the_preview_speaks_web_and_offers_the_skip_itself(importer_moderator_client: Client) -> None:
    url, page = _upload(importer_moderator_client, [question_record(1), question_record(2, **FOUR_FAULTS)])
    assert "Import refused: 4 problems (listed below); nothing was written." in page
    assert "listed above" not in page and "skip-invalid" not in page and "--" not in page.split("<body")[1].replace("<!--", "").replace("-->", "")
    # Every fault of the record, each on its own row with file, record, field and reason.
    for field in FOUR_FAULTS:
        assert f"<td>questions.json</td><td>2</td><td>q-2</td><td>{field}</td>" in page
    assert "Import the 1 valid record, skip 1" in page and "Confirm import" not in page
    importer_moderator_client.post(url, {"skip_invalid": "1"})
    assert list(Question.objects.values_list("id", flat=True)) == ["q-1"]


@pytest.mark.urls("tests.support.import_records")
def test_the_preview_holds_back_newer_rows_unless_the_box_is_ticked(importer_moderator_client: Client) -> None:
    exported = _exported_then_flagged()
    url, page = _upload(importer_moderator_client, [*exported, question_record(5)])
    assert "Changed in the database since this file was made (2)" in page
    assert "Import the 1 valid record, skip 2" in page
    assert 'name="overwrite_newer"' in page
    importer_moderator_client.post(url, {"skip_invalid": "1"})
    assert raw_row("questions", "q-30194")["status"] == "flagged"
    assert Question.objects.filter(pk="q-5").exists()

    url, page = _upload(importer_moderator_client, exported)
    importer_moderator_client.post(url, {"skip_invalid": "1", "overwrite_newer": "1"})
    assert raw_row("questions", "q-30194")["status"] == "active"


@pytest.mark.urls("tests.support.import_records")
def test_on_duplicate_is_a_choice_of_the_upload(importer_moderator_client: Client) -> None:
    url, page = _upload(importer_moderator_client, _twice(), on_duplicate="first")
    assert "Duplicates left out (1)" in page and "Confirm import" in page
    importer_moderator_client.post(url)
    assert Question.objects.get(pk="q-7").answer == "First copy."


@pytest.mark.urls("tests.support.import_records")
def test_changed_words_are_marked_and_escaped_and_cells_wrap(importer_moderator_client: Client) -> None:
    import_records(model="questions", records=records([question_record(1)]), user_label="t", dry_run=False)
    long_answer = "Thing 1 is a <b>bold</b> thing. " + "word " * 800
    _url, page = _upload(importer_moderator_client, [question_record(1, answer=long_answer)])
    assert "<ins>&lt;b&gt;bold&lt;/b&gt; </ins>thing." in page and "<b>bold</b>" not in page
    assert '<div class="oi-import-value">' in page and "<pre" not in page
    stylesheet = (Path(__file__).resolve().parents[2] / "static" / "core" / "admin.css").read_text()
    rule = stylesheet[stylesheet.index(".oi-import-value {") :].split("}")[0]
    assert "white-space: pre-wrap" in rule and "overflow-wrap: anywhere" in rule
    assert "table-layout: fixed" in stylesheet


# --- Round trip ---------------------------------------------------------------------------


def _export_and_reimport(queryset: Any, file_format: str) -> Any:
    from importing.exporting import export_queryset

    exported = export_queryset(queryset=queryset, file_format=file_format)
    return import_files(
        files=[read_bytes(name=exported.filename, content=exported.content)],
        user_label="t",
        dry_run=False,
        actor=question_services.OPERATOR,
    )


@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx"])
def test_legacy_values_make_the_round_trip_byte_for_byte(file_format: str) -> None:
    from tests.support.question_admin import insert_question

    insert_question("sy-151", tags="react, javascript, frontend")
    insert_question("sy-140", companies="")
    insert_question("sy-141", companies="", last_updated="2026-01-13 03:29:00", source_url="")
    before = {q: raw_row("questions", q) for q in ("sy-151", "sy-140", "sy-141")}
    counts = table_counts()
    report = _export_and_reimport(Question.objects.all(), file_format)
    assert report.error is None, [str(p) for p in report.problems]
    assert report.totals()["unchanged"] == 3 and report.totals()["updated"] == 0
    assert {q: raw_row("questions", q) for q in before} == before
    assert table_counts() == counts  # no history rows either


def test_legacy_text_is_not_written_over_another_value() -> None:
    from tests.support.question_admin import insert_question

    insert_question("q-1")
    marked = {"id": "q-1", "tags": {encodings.LEGACY_TEXT_KEY: "react, vue"}}
    report = import_records(model="questions", records=records([marked]), user_label="t", dry_run=True)
    assert [(p.field, p.reason.split(";")[0]) for p in report.problems] == [
        ("tags", "is marked as legacy text ('react, vue') that is not JSON")
    ]


@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx"])
def test_the_full_shared_exports_come_back_all_unchanged(file_format: str) -> None:
    from importing.sources import read_paths

    require_shared(EXPORTS_DIR)
    first = import_files(files=read_paths(paths=[EXPORTS_DIR]), user_label="t", dry_run=False, skip_invalid=True)
    assert first.committed
    # The legacy quirks of the app's database, on some of those rows.
    legacy = list(Question.objects.order_by("pk").values_list("pk", flat=True)[:5])
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE questions SET tags = 'react, javascript, frontend' WHERE id = %s", [[q] for q in legacy[:3]]
        )
        cursor.executemany("UPDATE questions SET companies = '' WHERE id = %s", [[q] for q in legacy[3:]])
    legacy_rows = {q: raw_row("questions", q) for q in legacy}
    counts = table_counts()
    for model in (Question, Certification, LearningPath, VoiceSession):
        report = _export_and_reimport(model.objects.all(), file_format)
        totals = report.totals()
        assert report.error is None, [str(p) for p in report.problems[:5]]
        assert (totals["created"], totals["updated"], totals["invalid_records"]) == (0, 0, 0), model
        assert totals["unchanged"] == model.objects.count()
    # A filtered list too.
    report = _export_and_reimport(Question.objects.filter(channel="algorithms"), file_format)
    assert report.totals()["unchanged"] == Question.objects.filter(channel="algorithms").count() > 0
    assert table_counts() == counts
    assert {q: raw_row("questions", q) for q in legacy} == legacy_rows


# --- The admin forms read the same shapes ---------------------------------------------


@pytest.fixture
def question_editor() -> Client:
    user = User.objects.create_user("shape-editor", password="pw-long-enough-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_question", "change_question"]))
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_forms_refuse_a_wrong_shape_on_the_field(question_editor: Client) -> None:
    from learning.forms import LearningPathForm
    from tests.support.question_admin import change_url, form_data, insert_question

    insert_question("q-1")
    data = form_data(question_editor.get(change_url("q-1")))
    data["relevance_details"] = '{"clarity": {"nested": 1}}'
    page = question_editor.post(change_url("q-1"), data).content.decode()
    assert "This value must be an object of scores and notes" in page
    assert "&#x27;clarity&#x27; holds an object, not a number, text, true/false or null" in page
    assert raw_row("questions", "q-1")["relevance_details"] is None

    form = LearningPathForm(
        data={
            "id": "p-1", "title": "T", "description": "D", "path_type": "skill", "difficulty": "beginner",
            "question_ids": "", "channels": "aws", "milestones": "[1, 2]", "metadata": '["not", "an object"]',
        }
    )
    assert not form.is_valid()
    assert form.errors["milestones"] == ["This value must be a list of objects; item 1 is the number 1, not an object."]
