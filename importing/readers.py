"""Files to records: the app's JSON exports, CSV and XLSX.

Every problem with a file (wrong type, not UTF-8, not JSON) is returned as
a sentence naming the file, never raised, so one run can list them all.
Which reader a file takes is the format registry's (`importing.formats`)
to say, by the file's extension; the readers of the built-in formats are
`json_records`, `csv_records` and `xlsx_records` here.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# What `neutralize_formula` puts before a cell a spreadsheet would run.
FORMULA_GUARD = "'"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Limits on what one file may hold. Each is far above a full export of the
# app (about 30,600 questions, a few KB each) and keeps the memory and time
# of reading a hostile file bounded: without them a 1 MB XLSX can unpack to
# gigabytes, and a row numbered 1,000,000,000 makes the reader produce every
# empty row before it.
MAX_RECORDS = 100_000
MAX_CELLS = 2_000_000
MAX_CELL_BYTES = 1 << 20
MAX_XLSX_UNPACKED_BYTES = 256 << 20
MAX_XLSX_PARTS = 1000
# Parts other than the sheets and the shared strings (styles, relationships,
# the workbook) are read whole into a tree; a real one is a few KB.
MAX_XLSX_OTHER_PART_BYTES = 16 << 20
_TOO_MANY_RECORDS = f"has more than {MAX_RECORDS:,} records; split it into files of at most that many"
_TOO_MANY_ROWS = f"has more than {MAX_RECORDS:,} rows; split it into files of at most that many"
_TOO_MANY_CELLS = f"has more than {MAX_CELLS:,} cells; split it into smaller files"
_XLSX_SCAN_BYTES = 1 << 20


@dataclass(slots=True)
class SourceRecord:
    file: str
    number: int  # 1-based position of the record in its file (header row not counted)
    data: dict[str, Any]
    # CSV/XLSX cells hold JSON values as JSON text; JSON files hold them inline.
    tabular: bool = False


@dataclass
class SourceFile:
    name: str
    model: str | None = None
    records: list[SourceRecord] = field(default_factory=list)
    problem: str | None = None  # why the file cannot be read at all
    note: str | None = None  # why a readable file was deliberately skipped


def neutralize_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return FORMULA_GUARD + value
    return value


def _restore_formula_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_GUARD) and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration.

    Reading and importing 30,000 records creates millions of objects and no
    reference cycles; each time the heap has grown by a quarter the
    collector walks all of them again, which made up a third of the import's
    time. Objects are still freed by reference counting; the collector runs
    again afterwards (nested uses leave it to the outermost). Whoever reads
    and then imports pauses it once around both, as `import_content` does:
    resumed in between, it would walk every record read once more.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ReaderError(ValueError):
    pass


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReaderError(
            f"is not UTF-8 text (byte 0x{content[exc.start]:02x} at position {exc.start}); save it as UTF-8"
        ) from None


def _js_number(text: str) -> int | float:
    """A JSON number as `JSON.parse` + `JSON.stringify` would keep it: 1.0 is 1."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 1e21 else value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """`json.loads` with numbers as the Node app sees them, so values re-encode
    exactly as `JSON.stringify` writes them without another pass over them."""
    return json.loads(text, parse_float=_js_number, parse_constant=_refuse_constant)


def _json_records(name: str, text: str) -> list[SourceRecord]:
    if not text.strip():
        raise ReaderError("is empty")
    try:
        document = parse_json(text)
    except ValueError as exc:
        raise ReaderError(f"is not valid JSON: {exc}") from None
    if isinstance(document, dict) and _is_nested_channel_mappings(document):
        records = []
        for record in _flatten_channel_mappings(name, document):
            records.append(record)
            if len(records) > MAX_RECORDS:
                raise ReaderError(_TOO_MANY_RECORDS)
        return records
    items = document if isinstance(document, list) else [document]
    if len(items) > MAX_RECORDS:
        raise ReaderError(_TOO_MANY_RECORDS)
    records = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            item = {"__not_an_object__": item}
        records.append(SourceRecord(file=name, number=number, data=item))
    return records


def csv_records(name: str, chunks: Callable[[], Iterator[bytes]]) -> list[SourceRecord]:
    """Records of a CSV file (UTF-8, with or without a BOM): a header row of keys, a record per row."""
    return _tabular_records(name, _csv_rows(_decode(b"".join(chunks()))))


def xlsx_records(name: str, chunks: Callable[[], Iterator[bytes]]) -> list[SourceRecord]:
    """Records of an XLSX workbook's active sheet, read as a CSV file is."""
    return _tabular_records(name, _xlsx_records(b"".join(chunks())))


def json_records(name: str, chunks: Callable[[], Iterator[bytes]]) -> list[SourceRecord]:
    """Records of a JSON file: a top-level array streamed element by element,
    anything else (one object, the nested channel mappings) parsed whole.
    On any syntax error the whole file is parsed again for the parser's
    exact message and position."""
    try:
        items = _stream_json_array(chunks())
    except _NotStreamable:
        return _json_records(name, _decode(b"".join(chunks())))
    records = []
    for number, item in enumerate(items, start=1):
        records.append(SourceRecord(file=name, number=number, data=item if isinstance(item, dict) else {"__not_an_object__": item}))
    return records


class _NotStreamable(Exception):
    pass


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _stream_json_array(chunks: Iterator[bytes]) -> list[Any]:
    """The elements of a JSON array, decoding at most a window of text at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parser = json.JSONDecoder(parse_float=_js_number, parse_constant=_refuse_constant)
    state = {"buf": "", "pos": 0, "eof": False, "offset": 0}

    def more() -> bool:
        """Append the next window to the unparsed rest; False at the end of the file."""
        if state["eof"]:
            return False
        chunk = next(chunks, None)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk or b"", final=chunk is None)
        except UnicodeDecodeError as exc:
            position = state["offset"] - pending + exc.start
            raise ReaderError(
                f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {position}); save it as UTF-8"
            ) from None
        if chunk is None:
            state["eof"] = True
        else:
            state["offset"] += len(chunk)
        state["buf"] = state["buf"][state["pos"] :] + text
        state["pos"] = 0
        return True

    def next_char() -> str:
        while True:
            pos = _WHITESPACE.match(state["buf"], state["pos"]).end()
            state["pos"] = pos
            if pos < len(state["buf"]):
                return state["buf"][pos]
            if not more():
                return ""

    if next_char() != "[":
        raise _NotStreamable
    state["pos"] += 1
    items: list[Any] = []
    if next_char() == "]":
        state["pos"] += 1
    else:
        while True:
            if not next_char():
                raise _NotStreamable
            try:
                item, end = parser.raw_decode(state["buf"], state["pos"])
            except ValueError:
                if more():
                    continue  # the element runs past the window: retry with more text
                raise _NotStreamable from None
            if end == len(state["buf"]) and more():
                continue  # a value ending exactly at the window's edge may be cut short
            items.append(item)
            if len(items) > MAX_RECORDS:
                raise ReaderError(_TOO_MANY_RECORDS)
            state["pos"] = end
            separator = next_char()
            state["pos"] += 1
            if separator == "]":
                break
            if separator != ",":
                raise _NotStreamable
    if next_char():
        raise _NotStreamable  # something after the array
    return items


def _is_nested_channel_mappings(document: dict[str, Any]) -> bool:
    return bool(document) and all(
        isinstance(value, dict) and isinstance(value.get("subChannels"), dict) for value in document.values()
    )


def _flatten_channel_mappings(name: str, document: dict[str, Any]) -> Iterator[SourceRecord]:
    """`{channel: {subChannels: {sub: [ids]}}}` -> one record per (channel, sub, id)."""
    number = 0
    for channel_id, spec in document.items():
        for sub_channel, question_ids in spec["subChannels"].items():
            for question_id in question_ids if isinstance(question_ids, list) else [question_ids]:
                number += 1
                yield SourceRecord(
                    file=name,
                    number=number,
                    data={"channelId": channel_id, "subChannel": sub_channel, "questionId": question_id},
                )


def _csv_rows(text: str) -> Iterator[list[Any]]:
    # newline="" lets the csv module take CRLF, LF and newlines inside quoted cells.
    return csv.reader(io.StringIO(text, newline=""))


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:,.0f} MB" if size >= 1_048_576 else f"{size:,} bytes"


def _check_xlsx_container(content: bytes) -> None:
    """Refuse a workbook whose parts are too many or unpack too big, before
    anything is unpacked: the sizes come from the zip's own directory, and
    Python's zip reader never gives more bytes than the directory states."""
    import zipfile

    # The end-of-directory record states the number of parts; counted
    # before the directory is read, as each part read costs memory.
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if end < 0 or end + 12 > len(content):
        raise ReaderError("is not a readable XLSX workbook (no zip directory)")
    parts = int.from_bytes(content[end + 10 : end + 12], "little")
    if parts > MAX_XLSX_PARTS:
        raise ReaderError(
            f"is a zip of {parts:,} parts; an XLSX workbook may have at most {MAX_XLSX_PARTS:,}"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            if total > MAX_XLSX_UNPACKED_BYTES:
                raise ReaderError(
                    f"unpacks to {_megabytes(total)}; an XLSX workbook may unpack to at most "
                    f"{_megabytes(MAX_XLSX_UNPACKED_BYTES)}"
                )
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue  # images and other binary parts the reader does not parse
                if info.file_size > MAX_XLSX_OTHER_PART_BYTES and not _is_table_part(info.filename):
                    raise ReaderError(
                        f"has a part {info.filename} of {_megabytes(info.file_size)}; "
                        f"parts other than sheets and shared strings may be at most "
                        f"{_megabytes(MAX_XLSX_OTHER_PART_BYTES)}"
                    )
                _scan_xml_part(archive, info)
    except ReaderError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError) as exc:
        raise ReaderError(f"is not a readable XLSX workbook ({exc})") from None


def _is_table_part(name: str) -> bool:
    return name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"


def _scan_xml_part(archive: Any, info: Any) -> None:
    """Stream one XML part and refuse it, before the XLSX reader sees it, when

    - one text (a cell's, or a shared string) is longer than `MAX_CELL_BYTES`:
      the reader builds each string, and the whole shared-string table, in memory;
    - a worksheet has more rows or cells than the limits: the reader walks a
      whole sheet that does not state its size before giving the first row;
    - the shared-string table has more strings than a sheet may have cells.

    Counts are of tags and may be off by a few at window edges; reading the
    rows counts them exactly again (`_tabular_records`).
    """
    is_sheet = info.filename.startswith("xl/worksheets/")
    is_strings = info.filename == "xl/sharedStrings.xml"
    run = 0  # bytes since the last "<" at the end of the previous window
    rows = cells = 0
    with archive.open(info) as part:
        while window := part.read(_XLSX_SCAN_BYTES):
            first = window.find(b"<")
            # A run inside one window is at most the window's size, the limit.
            if run + (len(window) if first < 0 else first) > MAX_CELL_BYTES:
                raise ReaderError(
                    f"holds a text longer than {_megabytes(MAX_CELL_BYTES)} in {info.filename}; "
                    f"a cell may hold at most {_megabytes(MAX_CELL_BYTES)}"
                )
            run = run + len(window) if first < 0 else len(window) - window.rfind(b"<") - 1
            if is_sheet:
                rows += window.count(b"<row ") + window.count(b"<row>")
                cells += window.count(b"<c ") + window.count(b"<c>")
                if rows > MAX_RECORDS + 1:
                    raise ReaderError(_TOO_MANY_ROWS)
                if cells > MAX_CELLS:
                    raise ReaderError(_TOO_MANY_CELLS)
            elif is_strings:
                # Each shared string is a cell's text, all kept in memory at once.
                cells += window.count(b"<si>") + window.count(b"<si ")
                if cells > MAX_CELLS:
                    raise ReaderError(_TOO_MANY_CELLS)


def _xlsx_records(content: bytes) -> Iterator[list[Any]]:
    import openpyxl

    if not content.startswith(b"PK"):
        raise ReaderError("is not an XLSX workbook")
    _check_xlsx_container(content)
    # The workbook reader raises many kinds of error on a damaged file; each
    # becomes a sentence here, never a traceback.
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ReaderError(f"is not a readable XLSX workbook ({exc})") from None

    def rows() -> Iterator[list[Any]]:
        try:
            sheet = book.active
            # The sheet's stated size is not trusted: it would pad every row
            # to its last column and the sheet to its last row.
            sheet.reset_dimensions()
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        except Exception as exc:
            raise ReaderError(f"is not a readable XLSX workbook ({exc})") from None
        finally:
            book.close()

    return rows()


def _tabular_records(name: str, rows: Iterator[list[Any]]) -> list[SourceRecord]:
    try:
        header = next(rows)
    except StopIteration:
        raise ReaderError("is empty") from None
    except csv.Error as exc:
        raise ReaderError(f"is not valid CSV: {exc}") from None
    keys = [str(cell).strip() if cell is not None else "" for cell in header]
    while keys and not keys[-1]:
        keys.pop()
    if not any(keys):
        raise ReaderError("has no header row")
    records = []
    number = 0
    rows_read = 1
    cells_read = len(header)
    try:
        for row in rows:
            # Empty rows count too: a reader may produce millions of them.
            rows_read += 1
            cells_read += len(row)
            if rows_read > MAX_RECORDS + 1:
                raise ReaderError(_TOO_MANY_ROWS)
            if cells_read > MAX_CELLS:
                raise ReaderError(_TOO_MANY_CELLS)
            if all(cell is None or cell == "" for cell in row):
                continue
            number += 1
            data: dict[str, Any] = {}
            for index, cell in enumerate(row):
                if index >= len(keys) or not keys[index]:
                    if cell not in (None, ""):
                        data.setdefault("__extra_cells__", []).append(cell)
                    continue
                data[keys[index]] = None if cell == "" else _restore_formula_text(cell)
            records.append(SourceRecord(file=name, number=number, data=data, tabular=True))
    except csv.Error as exc:
        raise ReaderError(f"is not valid CSV after record {number}: {exc}") from None
    return records
