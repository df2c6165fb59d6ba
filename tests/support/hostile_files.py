"""Hostile import files built in memory: XLSX workbooks whose parts are
written by hand (a shared-string table, a sheet of a million rows), so a
1 MB upload can unpack to hundreds of MB, and measurement of the memory and
time a step takes."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_TAIL = "</sheetData></worksheet>"
_SST_HEAD = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shared_cell(row: int, column: int, string_index: int) -> str:
    return f'<c r="{column_letter(column)}{row}" t="s"><v>{string_index}</v></c>'


def sheet_rows(rows: Iterable[tuple[int, list[str]]]) -> Iterator[str]:
    """`<row>` elements from (row number, [cell XML, ...])."""
    for number, cells in rows:
        yield f'<row r="{number}">{"".join(cells)}</row>'


def xlsx(
    *, strings: Iterable[str] = (), rows: Iterable[str] = (), chunk_strings: Iterable[bytes] | None = None
) -> bytes:
    """A workbook with shared strings `strings` (or the raw `chunk_strings`
    streamed as the text of one shared string) and the sheet's `rows`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(_SST_HEAD.encode())
            for text in strings:
                part.write(f"<si><t>{text}</t></si>".encode())
            if chunk_strings is not None:
                part.write(b"<si><t>")
                for chunk in chunk_strings:
                    part.write(chunk)
                part.write(b"</t></si>")
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_SHEET_HEAD.encode())
            pending: list[str] = []
            for row in rows:
                pending.append(row)
                if len(pending) >= 10_000:
                    part.write("".join(pending).encode())
                    pending = []
            part.write("".join(pending).encode())
            part.write(_SHEET_TAIL.encode())
    return buffer.getvalue()


@dataclass
class Measured:
    result: Any
    seconds: float
    peak_bytes: int

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 1_048_576


def measured(step: Callable[[], Any]) -> Measured:
    """Run `step` twice: once for its wall time, once under tracemalloc for the
    peak of Python memory it allocates (tracing slows allocation-heavy code
    many times over, so the two are not measured in one run)."""
    started = time.perf_counter()
    step()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        result = step()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Measured(result=result, seconds=seconds, peak_bytes=peak)
