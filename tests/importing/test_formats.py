"""One registry of file formats (importing/formats.py): a format registered
there is read, offered, exported and named by every path."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from importing import formats
from importing.admin import ImportUploadForm
from importing.exporting import write_export
from importing.management.commands.import_content import Command
from importing.readers import SourceRecord
from importing.services import import_files
from importing.sources import read_bytes
from importing.uploads import store_upload
from interview.models import Question
from tests.support.import_records import question_record

pytestmark = pytest.mark.django_db(transaction=True)


def _read_tsv(name: str, chunks: Callable[[], Iterator[bytes]]) -> list[SourceRecord]:
    header, *lines = b"".join(chunks()).decode("utf-8").splitlines()
    keys = header.split("\t")
    return [
        SourceRecord(file=name, number=n, data=dict(zip(keys, line.split("\t"), strict=True)), tabular=True)
        for n, line in enumerate(lines, start=1)
    ]


def _write_tsv(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
    stream.write(("\t".join(headers) + "\n").encode("utf-8"))
    count = 0
    for row in rows:
        stream.write(("\t".join("" if v is None else str(v) for v in row) + "\n").encode("utf-8"))
        count += 1
    return count


TSV = formats.FileFormat(
    name="tsv",
    label="Tab-separated (TSV)",
    extension="tsv",
    content_type="text/tab-separated-values",
    read=_read_tsv,
    write=_write_tsv,
)
KEYS = ("id", "question", "answer", "explanation", "channel", "subChannel", "difficulty")


@pytest.fixture
def tsv() -> Iterator[formats.FileFormat]:
    formats.register_format(TSV)
    try:
        yield TSV
    finally:
        formats.unregister_format(TSV.name)


def _tsv_file(*numbers: int) -> bytes:
    lines = ["\t".join(KEYS)]
    for number in numbers:
        record = question_record(number)
        lines.append("\t".join(str(record[key]).replace("\n", " ") for key in KEYS))
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_a_format_is_read_once_registered_and_refused_with_the_registered_ones_named_before() -> None:
    assert read_bytes(name="questions.tsv", content=_tsv_file(1)).problem == (
        "unsupported file type '.tsv'; use .json, .csv or .xlsx"
    )
    formats.register_format(TSV)
    try:
        source = read_bytes(name="questions.tsv", content=_tsv_file(1, 2))
        assert source.problem is None and source.model == "questions"
        report = import_files(files=[source], user_label="t", dry_run=False)
    finally:
        formats.unregister_format(TSV.name)
    assert report.committed and report.models["questions"].created == 2
    assert Question.objects.get(pk="q-2").question == "What is thing 2?"
    assert read_bytes(name="questions.tsv", content=_tsv_file(1)).problem is not None


def test_a_registered_format_is_exported_through_its_writer(tsv: formats.FileFormat) -> None:
    import_files(files=[read_bytes(name="questions.tsv", content=_tsv_file(1))], user_label="t", dry_run=False)
    stream = io.BytesIO()
    assert write_export(queryset=Question.objects.all(), file_format="tsv", stream=stream) == 1
    header, row = stream.getvalue().decode("utf-8").splitlines()
    assert header.split("\t")[:2] == ["id", "question"]
    assert row.split("\t")[:2] == ["q-1", "What is thing 1?"]


def test_a_registered_format_is_offered_by_the_upload_form_the_command_and_stored_with_the_upload(
    tsv: formats.FileFormat,
) -> None:
    form = ImportUploadForm(data={"model": ""}, files={"file": SimpleUploadedFile("q.tsv", _tsv_file(1))})
    assert form.is_valid(), form.errors
    assert "Tab-separated (TSV)" in str(form.fields["file"].help_text)
    command_help = " ".join(Command().create_parser("manage.py", "import_content").format_help().split())
    assert "(JSON, CSV, XLSX or TSV)" in command_help
    user = User.objects.create_user("uploader", password="pw-long-enough-123")
    upload = store_upload(
        user=user, filename="q.tsv", content=_tsv_file(1), model=None, skip_invalid=False, assign_ids=False, report={}
    )
    assert upload.file_format == "tsv"
