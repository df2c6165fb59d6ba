"""Exports stream: the same files django-import-export writes, in memory
that does not grow with the number of rows."""

from __future__ import annotations

import io
import json
import tempfile
import tracemalloc

import openpyxl
import pytest
from import_export.formats import base_formats

from core.databases import content_connection as connection
from importing import exporting
from importing.exporting import ExportError, resource_for, write_export
from importing.services import import_records
from importing.specs import spec_for_model
from interview.models import Question
from learning.models import Certification
from tests.support.import_records import question_record, records

pytestmark = pytest.mark.django_db(transaction=True)


def _seed(first: int, last: int) -> None:
    import_records(
        model="questions",
        records=records([question_record(n) for n in range(first, last + 1)]),
        user_label="seed",
        dry_run=False,
    )


def _tablib_export(queryset, file_format: str) -> bytes:  # noqa: ANN001
    """What the export wrote through django-import-export and tablib, whole in memory."""
    resource = resource_for(spec_for_model(queryset.model))
    dataset = resource.export(queryset.order_by(*queryset.query.order_by or ["pk"]), tabular=file_format != "json")
    if file_format == "json":
        return json.dumps(dataset.dict, ensure_ascii=False, indent=2).encode("utf-8")
    if file_format == "csv":
        return base_formats.CSV().export_data(dataset).encode("utf-8-sig")
    return base_formats.XLSX().export_data(dataset)


def _streamed(queryset, file_format: str) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    write_export(queryset=queryset, file_format=file_format, stream=buffer)
    return buffer.getvalue()


def _seed_awkward_rows() -> None:
    _seed(1, 12)
    import_records(
        model="questions",
        records=records(
            [
                question_record(
                    13,
                    question="=HYPERLINK(\"http://evil\")",
                    answer="Line one\nline two, with \"quotes\" and, commas",
                    explanation="Ünïcode ✓ — and a tab\there",
                    tags=[],
                    companies=None,
                    sourceUrl=None,
                )
            ]
        ),
        user_label="seed",
        dry_run=False,
    )
    with connection.cursor() as cursor:
        # Legacy text where JSON belongs, as the Node app left it.
        cursor.execute(
            "INSERT INTO questions (id, question, answer, explanation, difficulty, tags, channel, sub_channel,"
            " companies, last_updated, created_at, status, relevance_score, is_new)"
            " VALUES ('q-900', 'Q?', 'A.', 'E.', 'beginner', 'react, javascript, frontend', 'frontend', 'js',"
            " '', '2025-12-26 12:51:06', NULL, 'flagged', 77, 1)"
        )
        cursor.execute(
            "INSERT INTO certifications (id, name, provider, description, difficulty, category, domains,"
            " created_at, last_updated) VALUES ('cka', 'CKA', 'CNCF', 'Kubernetes admin', 'advanced',"
            " 'cloud', '[{\"id\":\"d1\",\"weight\":20}]', '2026-01-13T03:29:00.972Z', '2026-01-13 03:29:00')"
        )


@pytest.mark.parametrize("file_format", ["json", "csv"])
def test_streamed_json_and_csv_are_byte_for_byte_what_tablib_wrote(file_format: str) -> None:
    _seed_awkward_rows()
    for queryset in (
        Question.objects.all(),
        Question.objects.order_by("-last_updated", "pk"),
        Question.objects.filter(pk="nothing"),
        Certification.objects.all(),
    ):
        assert _streamed(queryset, file_format) == _tablib_export(queryset, file_format), queryset.query


def test_streamed_xlsx_holds_the_cells_tablib_wrote() -> None:
    _seed_awkward_rows()
    for queryset in (Question.objects.all(), Question.objects.filter(pk="nothing"), Certification.objects.all()):
        streamed = openpyxl.load_workbook(io.BytesIO(_streamed(queryset, "xlsx")))
        expected = openpyxl.load_workbook(io.BytesIO(_tablib_export(queryset, "xlsx")))
        sheet, reference = streamed.active, expected.active
        assert list(sheet.iter_rows(values_only=True)) == list(reference.iter_rows(values_only=True))
        assert (sheet.title, sheet.freeze_panes) == (reference.title, reference.freeze_panes) == ("Tablib Dataset", "A2")
        assert all(cell.font.bold for cell in sheet[1])
        assert [c.data_type for row in sheet.iter_rows() for c in row] == [
            c.data_type for row in reference.iter_rows() for c in row
        ]
        wrapped = [c.coordinate for row in sheet.iter_rows(min_row=2) for c in row if c.alignment.wrap_text]
        assert wrapped == [c.coordinate for row in reference.iter_rows(min_row=2) for c in row if c.alignment.wrap_text]


def _peak_bytes(file_format: str) -> int:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            rows = write_export(queryset=Question.objects.all(), file_format=file_format, stream=out)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert rows == Question.objects.count()
    return peak


def test_export_memory_does_not_grow_with_the_row_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 100 rows keep the test quick under tracemalloc: 500 and
    # 2,000 rows are 5 and 20 chunks (`make bench` measures 30,000 and
    # 120,000 questions with the real chunk size).
    monkeypatch.setattr(exporting, "EXPORT_CHUNK_ROWS", 100)
    _seed(1, 500)
    small = {file_format: _peak_bytes(file_format) for file_format in ("json", "csv", "xlsx")}
    _seed(501, 2000)
    large = {file_format: _peak_bytes(file_format) for file_format in ("json", "csv", "xlsx")}
    # Four times the rows: a whole-file export's peak grows about fourfold.
    for file_format in small:
        assert large[file_format] < 1.5 * small[file_format], (file_format, small, large)


def test_a_control_character_refuses_the_xlsx_export_with_a_sentence() -> None:
    _seed(1, 2)
    Question.objects.filter(pk="q-1").update(answer="bell \x07 here")
    with pytest.raises(ExportError) as refused:
        _streamed(Question.objects.all(), "xlsx")
    assert str(refused.value) == (
        "the rows hold control characters a spreadsheet cannot store; export CSV or JSON instead"
    )
    assert b"bell \\u0007 here" in _streamed(Question.objects.all(), "json")
