"""Querysets to the app's export format (JSON), CSV and XLSX, streamed.

Rows are rendered by the django-import-export resources in each app's
`resources.py` (one rule for every cell, see `NodeValueWidget`), and
written as they are read: the rows are fetched `EXPORT_CHUNK_ROWS` at a
time and each format is written incrementally (JSON and CSV as text, XLSX
with openpyxl's write-only workbook, which keeps rows in a temporary file
and strings inline), so the rows are never all in memory; only the ordered
list of their primary keys is (about 120 bytes a row). The files are byte for byte what django-import-export (tablib)
writes for the same rows (tests/importing/test_export_streaming.py compares them):
JSON as the app's own export files are, a list of objects with camelCase
keys, arrays and objects inline, two-space indent; CSV UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from import_export.formats import base_formats

from importing.resources import NodeModelResource
from importing.specs import SPECS, ModelSpec, spec_for_model

# Rows per query: one round trip each on a libSQL server, whose answers
# must stay under 10 MB (500 questions are about 1.5 MB).
EXPORT_CHUNK_ROWS = 500
# The sheet name tablib gives an untitled dataset (kept: files stay as before).
XLSX_SHEET_TITLE = "Tablib Dataset"


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    content_type: str
    extension: str


EXPORT_FORMATS = {
    f.name: f
    for f in (
        ExportFormat("json", "JSON (the app's export format)", "application/json", "json"),
        ExportFormat("csv", "CSV (UTF-8)", "text/csv; charset=utf-8", "csv"),
        ExportFormat("xlsx", "Excel (XLSX)", base_formats.XLSX.CONTENT_TYPE, "xlsx"),
    )
}

# (rows written, rows in all)
ExportProgress = Callable[[int, int], None]


class ExportError(ValueError):
    pass


def resource_for(spec: ModelSpec) -> NodeModelResource:
    """The app's resource class for `spec`, e.g. interview.resources.QuestionResource."""
    model = spec.model
    return import_string(f"{model._meta.app_label}.resources.{model.__name__}Resource")()


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def export_filename(*, model: type[models.Model], file_format: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{spec_for_model(model).name}-{stamp}.{EXPORT_FORMATS[file_format].extension}"


def export_queryset(*, queryset: models.QuerySet, file_format: str) -> ExportFile:
    """Every row of `queryset` in `file_format` (json, csv or xlsx), in memory:
    for lists small enough to answer within the request."""
    buffer = io.BytesIO()
    write_export(queryset=queryset, file_format=file_format, stream=buffer)
    return ExportFile(
        content=buffer.getvalue(),
        content_type=EXPORT_FORMATS[file_format].content_type,
        filename=export_filename(model=queryset.model, file_format=file_format),
    )


def write_export(
    *,
    queryset: models.QuerySet,
    file_format: str,
    stream: BinaryIO,
    progress: ExportProgress | None = None,
) -> int:
    """Write every row of `queryset` to `stream` in `file_format`; the row count.

    `progress(done, total)` is called after each chunk of rows; an exception
    it raises stops the export there.
    """
    if file_format not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {file_format!r}; use json, csv or xlsx")
    resource = resource_for(spec_for_model(queryset.model))
    headers = resource.get_export_headers()
    cells = _cell_renderers(resource, tabular=file_format != "json")

    def rows() -> Iterator[list[Any]]:
        for instance in _rows_in_order(queryset, progress):
            yield [cell(instance) for cell in cells]

    writer = {"json": _write_json, "csv": _write_csv, "xlsx": _write_xlsx}[file_format]
    return writer(headers, rows(), stream)


def _cell_renderers(resource: NodeModelResource, *, tabular: bool) -> list[Callable[[Any], Any]]:
    """Per export column, what `resource.export_field` does for it, looked
    up once instead of once per cell (it searches the field's name among
    all fields): a 30,000-question export has 700,000 cells."""
    renderers = []
    for field in resource.get_export_fields():
        dehydrate = field.get_dehydrate_method(resource.get_field_name(field))
        method = dehydrate if callable(dehydrate) else getattr(resource, dehydrate, None)
        renderers.append(method if method is not None else functools.partial(field.export, tabular=tabular))
    return renderers


def _rows_in_order(queryset: models.QuerySet, progress: ExportProgress | None) -> Iterator[models.Model]:
    """The rows of `queryset` in its order, whole, `EXPORT_CHUNK_ROWS` per query.

    First the ordered primary keys (one query, a few bytes a row), then the
    rows by key: a cursor over the whole list would hold every row in
    memory on a libSQL server, which answers each query at once. Rows are
    re-read from the model's table, so a changelist's deferred columns cost
    no query per row.
    """
    ordering = queryset.query.order_by or ["pk"]
    keys = list(queryset.order_by(*ordering).values_list("pk", flat=True))
    total = len(keys)
    manager = queryset.model._default_manager.db_manager(queryset.db)
    if progress:
        progress(0, total)
    for start in range(0, total, EXPORT_CHUNK_ROWS):
        chunk = keys[start : start + EXPORT_CHUNK_ROWS]
        by_key = {row.pk: row for row in manager.filter(pk__in=set(chunk))}
        for key in chunk:
            row = by_key.get(key)
            if row is not None:  # deleted meanwhile
                yield row
        del by_key
        if progress:
            progress(min(start + EXPORT_CHUNK_ROWS, total), total)


def _write_json(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
    # What json.dumps(list_of_objects, indent=2) writes, one object at a time.
    count = 0
    stream.write(b"[")
    for row in rows:
        text = json.dumps(dict(zip(headers, row, strict=True)), ensure_ascii=False, indent=2)
        stream.write((",\n  " if count else "\n  ").encode("utf-8"))
        stream.write(text.replace("\n", "\n  ").encode("utf-8"))
        count += 1
    stream.write(b"\n]" if count else b"]")
    return count


def _write_csv(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
    # With a BOM so spreadsheet programs read UTF-8; the importer takes either.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(headers)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
    finally:
        text.detach()  # the caller's stream stays open
    return count


def _write_xlsx(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(XLSX_SHEET_TITLE)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True)

    def cell(value: Any, **style: Any) -> WriteOnlyCell:
        made = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(made, name, setting)
        return made

    count = 0
    try:
        sheet.append([cell(header, font=bold) for header in headers])
        for row in rows:
            # Plain values become cells inside openpyxl; only multi-line text needs a styled cell.
            sheet.append(
                [cell(value, alignment=wrap) if type(value) is str and "\n" in value else value for value in row]
            )
            count += 1
    except IllegalCharacterError:
        raise ExportError(
            "the rows hold control characters a spreadsheet cannot store; export CSV or JSON instead"
        ) from None
    workbook.save(stream)
    return count


__all__ = [
    "EXPORT_FORMATS",
    "ExportError",
    "ExportFile",
    "SPECS",
    "export_filename",
    "export_queryset",
    "resource_for",
    "write_export",
]
