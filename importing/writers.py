"""Rows to the bytes of each export format, written as they come.

Each writer takes the header (the app's camelCase keys), an iterator of
rows (cell values as the resources render them) and a binary stream, and
returns how many rows it wrote; none keeps the rows in memory. The files
are byte for byte what django-import-export (tablib) writes for the same
rows (tests/importing/test_export_streaming.py compares them).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

# The sheet name tablib gives an untitled dataset (kept: files stay as before).
XLSX_SHEET_TITLE = "Tablib Dataset"


class ExportError(ValueError):
    pass


def write_json(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
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


def write_csv(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
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


def write_xlsx(headers: list[str], rows: Iterator[list[Any]], stream: BinaryIO) -> int:
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
