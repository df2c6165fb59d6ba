"""Querysets to the app's export format (JSON), CSV and XLSX, streamed.

Rows are rendered by the django-import-export resource each app registers
with its spec (one rule for every cell, see `NodeValueWidget`), and
written as they are read by the format's writer (`importing.formats`,
`importing.writers`): the rows are fetched `EXPORT_CHUNK_ROWS` at a time
and each format is written incrementally (JSON and CSV as text, XLSX with
openpyxl's write-only workbook, which keeps rows in a temporary file and
strings inline), so the rows are never all in memory; only the ordered
list of their primary keys is (about 120 bytes a row). The files are byte
for byte what django-import-export (tablib) writes for the same rows
(tests/importing/test_export_streaming.py compares them): JSON as the app's own
export files are, a list of objects with camelCase keys, arrays and
objects inline, two-space indent; CSV UTF-8 with a BOM.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import models
from django.utils import timezone

from importing.formats import FORMATS, format_named
from importing.resources import NodeModelResource
from importing.specs import SPECS, ModelSpec, spec_for_model
from importing.writers import ExportError

# Rows per query: one round trip each on a libSQL server, whose answers
# must stay under 10 MB (500 questions are about 1.5 MB).
EXPORT_CHUNK_ROWS = 500

# The registry of formats, under the name callers know it by.
EXPORT_FORMATS = FORMATS

# (rows written, rows in all)
ExportProgress = Callable[[int, int], None]


def resource_for(spec: ModelSpec) -> NodeModelResource:
    """A resource that renders `spec`'s rows: the one its app registered with the spec."""
    if spec.resource is None:
        raise LookupError(f"{spec.name} has no export resource")
    return spec.resource()


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def export_filename(*, model: type[models.Model], file_format: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{spec_for_model(model).name}-{stamp}.{format_named(file_format).extension}"


def export_queryset(*, queryset: models.QuerySet, file_format: str) -> ExportFile:
    """Every row of `queryset` in `file_format` (json, csv or xlsx), in memory:
    for lists small enough to answer within the request."""
    buffer = io.BytesIO()
    write_export(queryset=queryset, file_format=file_format, stream=buffer)
    return ExportFile(
        content=buffer.getvalue(),
        content_type=format_named(file_format).content_type,
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
    try:
        export_format = format_named(file_format)
    except LookupError as exc:
        raise ExportError(str(exc)) from None
    resource = resource_for(spec_for_model(queryset.model))
    headers = resource.get_export_headers()
    cells = _cell_renderers(resource, tabular=export_format.tabular)

    def rows() -> Iterator[list[Any]]:
        for instance in _rows_in_order(queryset, progress):
            yield [cell(instance) for cell in cells]

    return export_format.write(headers, rows(), stream)


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
