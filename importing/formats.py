"""The file formats of imports and exports, in one registry.

Like Django's serializer registry: each format is one entry naming how a
file of it is read into records, how rows are written into it, and how it
is labelled, typed and recognised (by its extension). The readers, the
export writer, the admin's upload form and export links, the background
jobs, the uploads and the `import_content` command all read this registry,
so a new format is one `register_format(FileFormat(...))`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from import_export.formats import base_formats

from importing import readers, writers

# (file name, a function giving the file's bytes in windows) -> records
Reader = Callable[[str, Callable[[], Iterator[bytes]]], list[readers.SourceRecord]]
# (header, rows, stream) -> rows written
Writer = Callable[[list[str], Iterator[list[Any]], BinaryIO], int]


@dataclass(frozen=True, kw_only=True)
class FileFormat:
    name: str  # the export's `?format=`, an upload's `file_format`
    label: str  # as offered in a list of formats
    extension: str  # without the dot; files are recognised by it
    content_type: str
    read: Reader
    write: Writer
    # Cells hold JSON values as JSON text (CSV, XLSX), not inline (JSON).
    tabular: bool = True

    @property
    def suffix(self) -> str:
        return f".{self.extension}"


FORMATS: dict[str, FileFormat] = {}


def register_format(file_format: FileFormat) -> FileFormat:
    FORMATS[file_format.name] = file_format
    return file_format


def unregister_format(name: str) -> None:
    FORMATS.pop(name, None)


def format_named(name: str) -> FileFormat:
    """The format called `name`; LookupError with a sentence listing the formats otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise LookupError(f"unknown export format {name!r}; use {names()}") from None


def format_of_file(name: str) -> FileFormat | None:
    """The format of a file, from its name's extension (None: no format reads it)."""
    suffix = Path(name).suffix.lower()
    return next((f for f in FORMATS.values() if f.suffix == suffix), None)


def suffixes() -> tuple[str, ...]:
    return tuple(f.suffix for f in FORMATS.values())


def listed(words: Iterable[str]) -> str:
    """`a, b or c`."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def names(*, upper: bool = False, tabular_only: bool = False) -> str:
    """The formats' names as a sentence lists them: `json, csv or xlsx`."""
    chosen = [f.name for f in FORMATS.values() if f.tabular or not tabular_only]
    return listed(name.upper() if upper else name for name in chosen)


def suffixes_listed() -> str:
    """`.json, .csv or .xlsx`."""
    return listed(suffixes())


register_format(
    FileFormat(
        name="json",
        label="JSON (the app's export format)",
        extension="json",
        content_type="application/json",
        read=readers.json_records,
        write=writers.write_json,
        tabular=False,
    )
)
register_format(
    FileFormat(
        name="csv",
        label="CSV (UTF-8)",
        extension="csv",
        content_type="text/csv; charset=utf-8",
        read=readers.csv_records,
        write=writers.write_csv,
    )
)
register_format(
    FileFormat(
        name="xlsx",
        label="Excel (XLSX)",
        extension="xlsx",
        content_type=base_formats.XLSX.CONTENT_TYPE,
        read=readers.xlsx_records,
        write=writers.write_xlsx,
    )
)
