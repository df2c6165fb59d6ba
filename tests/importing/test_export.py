"""Export in the three formats, the JSON round trip, formula neutralisation, CSV/XLSX import."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from core.databases import content_connection as connection
from importing.exporting import export_queryset
from importing.services import import_files, import_records
from importing.sources import read_bytes
from interview.models import ChannelMapping, Question, QuestionRelationship
from learning.models import Certification, LearningPath, VoiceSession
from tests.support.import_records import CONTENT_MODELS, question_record, raw_row, records

pytestmark = pytest.mark.django_db(transaction=True)

FORMULAS = {
    "question": "=HYPERLINK(\"http://evil\")",
    "answer": "+1+1",
    "explanation": "-2+3",
    "eli5": "@SUM(A1)",
}


def _seed_content() -> None:
    import_records(
        model="questions",
        records=records([question_record(n) for n in range(1, 6)] + [question_record(6, **FORMULAS)]),
        user_label="seed",
        dry_run=False,
    )
    with connection.cursor() as cursor:
        # Legacy rows as the Node app left them: text where JSON belongs,
        # SQLite-format timestamps.
        cursor.execute(
            "INSERT INTO questions (id, question, answer, explanation, difficulty, tags, channel, sub_channel,"
            " companies, last_updated, created_at, status, relevance_score, relevance_details, is_new)"
            " VALUES ('q-900', 'Q?', 'A.', 'E.', 'beginner', 'react, javascript, frontend', 'frontend', 'js',"
            " '', '2025-12-26 12:51:06', NULL, 'flagged', 77, '{\"clarity\":8}', 1)"
        )
        cursor.execute(
            "INSERT INTO certifications (id, name, provider, description, difficulty, category, domains,"
            " created_at, last_updated) VALUES ('cka', 'CKA', 'CNCF', 'Kubernetes admin', 'advanced',"
            " 'cloud', '[{\"id\":\"d1\",\"name\":\"D1\",\"weight\":20}]', '2026-01-13T03:29:00.972Z', '2026-01-13 03:29:00')"
        )
        cursor.execute(
            "INSERT INTO learning_paths (id, title, description, path_type, difficulty, question_ids, channels,"
            " metadata, created_at) VALUES ('skill-x', 'X', 'Path', 'skill', 'beginner', '[\"q-1\",\"q-2\"]',"
            " '[\"algorithms\"]', '{\"k\":[1,2]}', '2026-01-13T03:29:00.972Z')"
        )
        cursor.execute(
            "INSERT INTO voice_sessions (id, topic, channel, difficulty, question_ids, total_questions)"
            " VALUES ('vs-1', 'Topic', 'algorithms', 'beginner', '[\"q-1\"]', 1)"
        )
        cursor.execute(
            "INSERT INTO channel_mappings (channel_id, sub_channel, question_id) VALUES ('algorithms', 'sorting', 'q-1')"
        )
        cursor.execute(
            "INSERT INTO question_relationships (source_question_id, target_question_id, relationship_type, strength)"
            " VALUES ('q-1', 'q-2', 'follow_up', 70)"
        )


def _snapshot() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in CONTENT_MODELS}


@pytest.mark.sqld
def test_exported_json_imported_into_an_empty_database_gives_identical_content() -> None:
    _seed_content()
    original = _snapshot()
    exports = {model: export_queryset(queryset=model.objects.all(), file_format="json") for model in CONTENT_MODELS}
    with connection.cursor() as cursor:
        for model in (*reversed(CONTENT_MODELS), ):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute("DELETE FROM question_history")
    assert all(not model.objects.exists() for model in CONTENT_MODELS)

    files = [read_bytes(name=e.filename, content=e.content) for e in exports.values()]
    report = import_files(files=files, user_label="restore", dry_run=False)
    assert report.error is None, [str(p) for p in report.problems]
    restored = _snapshot()
    for model_name, rows in original.items():
        assert len(restored[model_name]) == len(rows), model_name
        for before, after in zip(rows, restored[model_name], strict=True):
            for column, value in before.items():
                assert after[column] == value, (model_name, before.get("id"), column, value, after[column])
    # Timestamps come back as the same instants, written in the app's form.
    assert raw_row("questions", "q-900")["last_updated"] == "2025-12-26T12:51:06.000Z"
    assert raw_row("certifications", "cka")["last_updated"] == "2026-01-13T03:29:00.000Z"
    # Legacy text where JSON belongs goes out marked as such and comes back byte for byte.
    assert raw_row("questions", "q-900")["tags"] == "react, javascript, frontend"
    assert raw_row("questions", "q-900")["companies"] == ""
    assert {m.__name__ for m in (Question, Certification, LearningPath, VoiceSession, ChannelMapping,
                                 QuestionRelationship)} == set(original)


@pytest.mark.sqld
def test_formula_cells_are_neutralised_in_csv_and_xlsx_and_read_back() -> None:
    _seed_content()
    queryset = Question.objects.filter(pk="q-6")
    csv_export = export_queryset(queryset=queryset, file_format="csv")
    text = csv_export.content.decode("utf-8-sig")
    for value in FORMULAS.values():
        assert f"'{value}" in text.replace('""', '"')
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text

    xlsx_export = export_queryset(queryset=queryset, file_format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_export.content)).active
    header = [cell.value for cell in sheet[1]]
    row = {key: cell for key, cell in zip(header, sheet[2], strict=True)}
    for key, value in FORMULAS.items():
        assert row[key].value == "'" + value
        assert row[key].data_type == "s"

    # Importing either file back changes nothing: the guard is taken off again.
    for export in (csv_export, xlsx_export):
        report = import_files(files=[read_bytes(name=export.filename, content=export.content)], user_label="a", dry_run=True)
        assert report.error is None, [str(p) for p in report.problems]
        assert report.models["questions"].unchanged == 1


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_csv_with_or_without_bom_crlf_or_lf(bom: bytes, newline: str) -> None:
    lines = [
        "id,question,answer,explanation,difficulty,channel,subChannel,tags,voiceSuitable,createdAt",
        'q-1,"Two' + newline + 'lines?",Yes.,Because.,beginner,algorithms,sorting,"[""a"",""ü""]",1,2025-12-26 12:51:06',
        "q-2,Q2,A2,E2,advanced,algorithms,sorting,,0,",
    ]
    content = bom + newline.join(lines).encode("utf-8") + newline.encode()
    source = read_bytes(name="questions.csv", content=content)
    report = import_files(files=[source], user_label="a", dry_run=False)
    assert report.error is None, [str(p) for p in report.problems]
    row = raw_row("questions", "q-1")
    assert row["question"] == "Two" + newline + "lines?"
    assert row["tags"] == '["a","ü"]'
    assert row["created_at"] == "2025-12-26T12:51:06.000Z"
    assert raw_row("questions", "q-2")["tags"] is None


def test_xlsx_import() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name", "provider", "description", "difficulty", "category", "estimatedHours", "domains"])
    sheet.append(["cka", "CKA", "CNCF", "Admin", "advanced", "cloud", 40, '[{"id":"d1","name":"D1"}]'])
    sheet.append(["ckad", "CKAD", "CNCF", "Dev", "expert", "cloud", 30.0, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_files(files=[read_bytes(name="certs.xlsx", content=buffer.getvalue())], user_label="a", dry_run=False)
    assert report.error is None, [str(p) for p in report.problems]
    assert report.models["certifications"].created == 2
    assert raw_row("certifications", "cka")["domains"] == '[{"id":"d1","name":"D1"}]'
    assert raw_row("certifications", "ckad")["estimated_hours"] == 30


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("q.json", b"\xff\xfe{", "is not UTF-8 text (byte 0xff at position 0)"),
        ("q.txt", b"id\n", "unsupported file type '.txt'"),
        ("q.xlsx", b"id,question\n", "is not an XLSX workbook"),
        ("q.json", b'[{"id": "q-1",}]', "is not valid JSON: Expecting property name enclosed in double quotes: line 1"),
    ],
)
def test_unreadable_files_get_a_clear_message(name: str, content: bytes, message: str) -> None:
    assert message in (read_bytes(name=name, content=content).problem or "")


def test_json_export_is_the_apps_format() -> None:
    _seed_content()
    exported = json.loads(export_queryset(queryset=Question.objects.filter(pk="q-1"), file_format="json").content)
    assert exported[0]["subChannel"] == "sorting"
    assert exported[0]["tags"] == ["alpha", "tag-1"]
    assert exported[0]["voiceSuitable"] == 1
    assert exported[0]["createdAt"] == "2025-12-26T12:51:06.000Z"
