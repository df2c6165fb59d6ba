"""Hostile input through every path that writes content: the admin import
(upload -> preview), the admin forms and `manage.py import_content`.

Each case is refused with a sentence naming the field or the limit, and
the database is left as it was; the cases that used to blow up memory or
time are measured against a bound.
"""

from __future__ import annotations

import io
import json
import zipfile
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections
from django.test import Client

from core.databases import CONTENT_DB
from core.db import errors as db_errors
from importing import services
from importing.readers import SourceRecord
from importing.services import import_files, import_records
from importing.sources import read_bytes
from interview.forms import QuestionForm
from interview.models import Question
from tests.support.hostile_files import measured, shared_cell, sheet_rows, xlsx
from tests.support.import_records import question_record, raw_row, records, table_counts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.support.import_records")]

IMPORT_URL = "/admin/interview/question/import/"
# What the memory and time of one hostile upload may reach: today's code
# stays far below; the code before the limits took gigabytes and minutes.
PEAK_MB_BOUND = 100
SECONDS_BOUND = 5.0

SURROGATE_SENTENCE = "contains a lone surrogate (\\ud800), which is not a character and cannot be stored as UTF-8"
NUL_SENTENCE = "contains a NUL character (\\0), which text here may not hold"
RANGE_SENTENCE = (
    "is a whole number outside the range SQLite stores (-9,223,372,036,854,775,808 to 9,223,372,036,854,775,807)"
)


def _importer() -> Client:
    user = User.objects.create_user("hostile-importer", password="pw-long-enough-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_question", "import_content"]))
    client = Client()
    client.force_login(user)
    return client


def _preview(client: Client, content: bytes, name: str) -> tuple[Any, str]:
    """Upload a file; the upload page (refused file) or the preview it redirects to."""
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content), "model": ""})
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200
    return response, response.content.decode()


def _seeded() -> dict[str, int]:
    import_records(model="questions", records=records([question_record(1)]), user_label="seed", dry_run=False)
    return table_counts()


# --- Duplicate ids: messages linear in the input --------------------------------------


def test_duplicate_id_message_names_three_others_and_counts_the_rest() -> None:
    report = import_records(
        model="questions", records=records([question_record(7)] * 6), user_label="t", dry_run=True
    )
    messages = [str(p) for p in report.problems]
    assert len(messages) == 6
    assert messages[0] == (
        "test.json record 1 (id q-7), id: id q-7 appears more than once "
        "(also test.json record 2, test.json record 3, test.json record 4 and 2 more)"
    )
    assert messages[5].endswith("(also test.json record 1, test.json record 2, test.json record 3 and 2 more)")


def test_five_thousand_rows_with_one_id_preview_in_bounded_memory_and_time() -> None:
    client = _importer()
    before = _seeded()
    csv_text = "id,question\n" + "".join(f"zz-dup,Question {n}?\n" for n in range(5000))
    run = measured(lambda: _preview(client, csv_text.encode(), "questions.csv"))
    _response, page = run.result
    assert "zz-dup appears more than once (also questions.csv record 2, questions.csv record 3, " in page
    assert "questions.csv record 4 and 4,996 more)" in page
    # Each row also lacks the five other fields a new question needs: every fault is listed.
    assert "Import refused: 30,000 problems" in page and "Confirm import" not in page
    assert run.peak_mb < PEAK_MB_BOUND, f"peak {run.peak_mb:.0f} MB"
    assert run.seconds < SECONDS_BOUND, f"{run.seconds:.1f} s"
    assert table_counts() == before


# --- XLSX limits, checked before the workbook is unpacked ------------------------------


def _one_cell_sheet() -> Any:
    return sheet_rows([(1, [shared_cell(1, 1, 0)])])


def test_xlsx_unpacking_past_the_limit_is_refused_before_it_is_unpacked() -> None:
    client = _importer()
    before = _seeded()
    # 300 MB of one shared string, 0.3 MB on the wire.
    bomb = xlsx(strings=["id"], chunk_strings=(b"a" * (1 << 20) for _ in range(300)), rows=_one_cell_sheet())
    assert len(bomb) < 1 << 20
    run = measured(lambda: _preview(client, bomb, "questions.xlsx"))
    _response, page = run.result
    assert "questions.xlsx unpacks to 300 MB; an XLSX workbook may unpack to at most 256 MB." in page
    assert run.peak_mb < PEAK_MB_BOUND, f"peak {run.peak_mb:.0f} MB"
    assert run.seconds < SECONDS_BOUND, f"{run.seconds:.1f} s"
    assert table_counts() == before


def test_xlsx_shared_string_longer_than_a_cell_may_hold_is_refused() -> None:
    content = xlsx(strings=["id"], chunk_strings=[b"a" * (2 << 20)], rows=_one_cell_sheet())
    run = measured(lambda: read_bytes(name="q.xlsx", content=content, model="questions"))
    assert run.result.problem == (
        "holds a text longer than 1 MB in xl/sharedStrings.xml; a cell may hold at most 1 MB"
    )
    # Refused while streaming: the 2 MB string was never built.
    assert run.peak_mb < 8, f"peak {run.peak_mb:.1f} MB"


def test_xlsx_with_a_million_identical_ids_is_refused_in_bounded_memory_and_time() -> None:
    client = _importer()
    before = _seeded()
    rows = sheet_rows((n, [shared_cell(n, 1, 0 if n == 1 else 1)]) for n in range(1, 1_000_002))
    content = xlsx(strings=["id", "zz-same"], rows=rows)
    run = measured(lambda: _preview(client, content, "questions.xlsx"))
    _response, page = run.result
    assert "questions.xlsx has more than 100,000 rows; split it into files of at most that many." in page
    assert run.peak_mb < PEAK_MB_BOUND, f"peak {run.peak_mb:.0f} MB"
    assert run.seconds < SECONDS_BOUND, f"{run.seconds:.1f} s"
    assert table_counts() == before


def test_xlsx_row_numbered_past_the_limit_is_refused_without_producing_every_row() -> None:
    # Two rows on the wire; the reader would produce the million empty rows between them.
    rows = sheet_rows([(1, [shared_cell(1, 1, 0)]), (1_000_000, [shared_cell(1_000_000, 1, 1)])])
    content = xlsx(strings=["id", "q-1"], rows=rows)
    run = measured(lambda: read_bytes(name="q.xlsx", content=content, model="questions"))
    assert run.result.problem == "has more than 100,000 rows; split it into files of at most that many"
    assert run.seconds < SECONDS_BOUND, f"{run.seconds:.1f} s"


def test_xlsx_with_too_many_cells_is_refused() -> None:
    # 30 rows, each with a cell in the last of 16,384 columns: the reader
    # fills in every cell before it.
    rows = sheet_rows((n, [shared_cell(n, 16_384, 0)]) for n in range(1, 200))
    content = xlsx(strings=["x"], rows=rows)
    run = measured(lambda: read_bytes(name="q.xlsx", content=content, model="questions"))
    assert run.result.problem == "has more than 2,000,000 cells; split it into smaller files"
    assert run.seconds < SECONDS_BOUND, f"{run.seconds:.1f} s"


def test_zip_of_too_many_parts_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1001):
            archive.writestr(f"part{number}.xml", "")
    source = read_bytes(name="q.xlsx", content=buffer.getvalue(), model="questions")
    assert source.problem == "is a zip of 1,001 parts; an XLSX workbook may have at most 1,000"


# --- JSON nested deeper than a parser can go --------------------------------------------

DEEP_JSON = ("[" * 100_000 + "]" * 100_000).encode()
DEEP_SENTENCE = "nests lists or objects too deeply to read; a record may nest them at most 20 levels deep"


def test_json_nested_100000_deep_is_refused_in_the_preview() -> None:
    client = _importer()
    before = _seeded()
    _response, page = _preview(client, DEEP_JSON, "questions.json")
    assert f"questions.json {DEEP_SENTENCE}." in page
    assert table_counts() == before


def test_values_nested_deeper_than_20_levels_are_refused_with_the_field_named() -> None:
    deep = [[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]  # 21 levels
    csv_record = SourceRecord(
        file="t.csv", number=1, data={"id": "q-2", "tags": "[" * 100_000 + "]" * 100_000}, tabular=True
    )
    report = import_records(
        model="questions",
        records=[*records([question_record(1, relevanceDetails={"a": deep})]), csv_record],
        user_label="t",
        dry_run=True,
    )
    messages = [str(p) for p in report.problems]
    assert "test.json record 1 (id q-1), relevanceDetails: nests lists or objects more than 20 levels deep" in messages
    assert "t.csv record 1 (id q-2), tags: nests lists or objects more than 20 levels deep" in messages
    assert table_counts()["questions"] == 0


# --- One storage rule: surrogates, NUL, integers SQLite cannot hold ---------------------


@pytest.mark.sqld
@pytest.mark.parametrize(
    ("record", "record_id", "field", "reason"),
    [
        (question_record(1, question="Why \ud800?"), "q-1", "question", SURROGATE_SENTENCE),
        (question_record(1, tags=["ok", "bad\ud800"]), "q-1", "tags", SURROGATE_SENTENCE),
        (question_record(1, id="zz-s\ud800"), "zz-s\\ud800", "id", SURROGATE_SENTENCE),
        (question_record(1, relevanceScore=10**30), "q-1", "relevanceScore", RANGE_SENTENCE),
        (question_record(1, relevanceScore=1e30), "q-1", "relevanceScore", RANGE_SENTENCE),
        (question_record(1, answer="a\x00b"), "q-1", "answer", NUL_SENTENCE),
        (question_record(1, id="zz-n3\x00x"), "zz-n3\\x00x", "id", NUL_SENTENCE),
        (question_record(1, companies=["Ac\x00me"]), "q-1", "companies", NUL_SENTENCE),
    ],
    ids=["surrogate-text", "surrogate-in-list", "surrogate-id", "int-1e30", "float-1e30", "nul-text", "nul-id", "nul-in-list"],
)
def test_unstorable_values_are_refused_in_the_preview_with_the_field_named(
    record: dict[str, Any], record_id: str, field: str, reason: str
) -> None:
    client = _importer()
    before = _seeded()
    content = json.dumps([record], ensure_ascii=True).encode()
    _response, page = _preview(client, content, "questions.json")
    assert f"<td>questions.json</td><td>1</td><td>{record_id}</td><td>{field}</td><td>{reason}</td>" in page
    assert "Import refused: 1 problem" in page and "Confirm import" not in page
    assert table_counts() == before


def test_the_storage_rule_reaches_keys_items_and_every_level() -> None:
    from core.encodings import value_problem

    assert value_problem({"k\ud800": 1}) == SURROGATE_SENTENCE
    assert value_problem({"a": [{"b": "x\x00"}]}) == NUL_SENTENCE
    assert value_problem([1, 2**63]) == RANGE_SENTENCE
    assert value_problem({"score": -(2**63) - 1}) == RANGE_SENTENCE
    assert value_problem([2**63 - 1, -(2**63), "é", None, True, 1.5, {"a": ["b"]}]) is None
    twenty: Any = "x"
    for _level in range(20):
        twenty = [twenty]
    assert value_problem(twenty) is None
    assert value_problem([twenty]) == "nests lists or objects more than 20 levels deep"


def test_unstorable_values_in_csv_cells_are_refused() -> None:
    content = 'id,question,relevanceScore,tags\nq-1,"Why?",1000000000000000000000000000000,"[""\\ud800""]"\n'
    source = read_bytes(name="q.csv", content=content.encode(), model="questions")
    report = import_files(files=[source], user_label="t", dry_run=True)
    messages = {p.field: p.reason for p in report.problems}
    assert messages.pop("relevanceScore") == RANGE_SENTENCE
    assert messages.pop("tags") == SURROGATE_SENTENCE
    # The record's other faults are listed with them.
    assert set(messages.values()) == {"is missing (required for a new record)"}


# --- The same rule in the admin form --------------------------------------------------


def _question_form(question: Question, **changes: str) -> QuestionForm:
    initial = QuestionForm(instance=question)
    data = {name: initial[name].value() for name in initial.fields}
    data = {name: initial.fields[name].prepare_value(value) for name, value in data.items()}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["id"] = ""  # the change form's id box is for new questions
    data.update(changes)
    return QuestionForm(data=data, instance=Question.objects.get(pk=question.pk))


@pytest.mark.sqld
@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("relevance_details", '{"clarity": "\\ud800"}', SURROGATE_SENTENCE),
        ("tags", '["ok", "\\ud800"]', SURROGATE_SENTENCE),
        ("tags", "fine\nbad\x00tag", NUL_SENTENCE),
        ("relevance_details", '{"clarity": "a\\u0000b"}', NUL_SENTENCE),
        ("relevance_score", str(10**30), RANGE_SENTENCE),
    ],
    ids=["surrogate-json", "surrogate-list", "nul-line", "nul-json", "int-1e30"],
)
def test_question_form_refuses_unstorable_values_on_the_field(field: str, typed: str, expected: str) -> None:
    before = _seeded()
    row_before = raw_row("questions", "q-1")
    form = _question_form(Question.objects.get(pk="q-1"), **{field: typed})
    assert not form.is_valid()
    assert form.errors[field] == [f"This value {expected}."]
    assert raw_row("questions", "q-1") == row_before and table_counts() == before
    # The edges of the rule stay open: SQLite's largest integer, ordinary text.
    ordinary = {"relevance_details": '{"clarity": "é"}', "tags": "one\ntwo", "relevance_score": str(2**63 - 1)}
    assert _question_form(Question.objects.get(pk="q-1"), **{field: ordinary[field]}).is_valid()


@pytest.mark.sqld
@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("tags", "python\nbad\x00tag", NUL_SENTENCE),
        ("domains", '[{"id": "basics", "name": "\\ud800", "weight": 100}]', SURROGATE_SENTENCE),
    ],
    ids=["nul-line", "surrogate-json"],
)
def test_certification_form_refuses_unstorable_values_on_the_field(field: str, typed: str, expected: str) -> None:
    from learning.forms import CertificationForm
    from learning.models import Certification
    from tests.support.content_factories import make_certification

    make_certification()
    before = table_counts()
    stored = Certification.objects.get(pk="cert-1")
    initial = CertificationForm(instance=stored)
    data = {name: initial.fields[name].prepare_value(initial[name].value()) for name in initial.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data[field] = typed
    form = CertificationForm(data=data, instance=Certification.objects.get(pk="cert-1"))
    assert not form.is_valid()
    assert form.errors[field] == [f"This value {expected}."]
    assert table_counts() == before


# --- The command line: a sentence and exit code 2, never a traceback -----------------


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (DEEP_JSON, "questions.json", f"questions.json: {DEEP_SENTENCE}"),
        (json.dumps([question_record(1, question="\ud800")]).encode(), "questions.json", SURROGATE_SENTENCE),
        (json.dumps([question_record(1, relevanceScore=10**30)]).encode(), "questions.json", RANGE_SENTENCE),
        (json.dumps([question_record(1, id="zz-n3\x00x")]).encode(), "questions.json", NUL_SENTENCE),
    ],
    ids=["deep", "surrogate", "big-int", "nul-id"],
)
def test_cli_refuses_hostile_files_with_a_sentence_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, name: str, expected: str
) -> None:
    before = _seeded()
    path = tmp_path / name
    path.write_bytes(content)
    from importing.management.commands.import_content import Command

    stderr = io.StringIO()
    with redirect_stderr(stderr), pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "import_content", str(path)])
    output = capsys.readouterr().out + stderr.getvalue()
    assert exit_info.value.code == 2
    assert expected in output
    assert "nothing was written" in output and "Traceback" not in output
    assert table_counts() == before


def test_refused_import_raises_with_return_code_2(tmp_path: Path) -> None:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([question_record(1, channel="")]))
    with pytest.raises(CommandError) as error:
        call_command("import_content", str(path), stdout=io.StringIO())
    assert error.value.returncode == 2
    assert str(error.value).startswith("Import refused: 1 problem")


# --- A database that goes away: one true sentence -------------------------------------

LOST = db_errors.connection_lost_sentence("127.0.0.1:8080")


def test_failure_before_the_commit_says_nothing_was_written_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _seeded()

    def lose_connection(*args: Any, **kwargs: Any) -> None:
        raise OperationalError(LOST)

    monkeypatch.setattr(services, "write_plan", lose_connection)
    report = import_records(model="questions", records=records([question_record(2)]), user_label="t", dry_run=False)
    assert report.error == (
        "The database failed before the import was committed, so nothing was written: The connection to "
        "the libSQL server at 127.0.0.1:8080 was lost while waiting for its answer."
    )
    assert "may or may not" not in report.error and not report.committed
    assert table_counts() == before


def test_failure_during_the_commit_says_the_outcome_is_unknown_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    _seeded()
    wrapper = connections[CONTENT_DB]
    real_commit = type(wrapper).commit

    def lose_connection_on_commit(self: Any) -> None:
        monkeypatch.setattr(type(wrapper), "commit", real_commit)
        raise OperationalError(LOST)

    monkeypatch.setattr(type(wrapper), "commit", lose_connection_on_commit)
    report = import_records(model="questions", records=records([question_record(2)]), user_label="t", dry_run=False)
    assert report.error is not None and not report.committed
    assert report.error.startswith(
        "The database failed while committing the import, so it may or may not have been saved: The connection "
        "to the libSQL server at 127.0.0.1:8080 was lost while waiting for its answer. Import the same file again"
    )
    assert "nothing was written" not in report.error
