"""Files to records: which format a file is (the format registry), which
content it holds (the specs), and its records (the format's reader).

The format registry refers to the record readers, so the reading of whole
files lives here, above both."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from core.encodings import MAX_JSON_DEPTH
from importing import formats
from importing.readers import ReaderError, SourceFile, SourceRecord, cyclic_gc_paused
from importing.specs import DERIVED_FILES, SPECS, import_order, spec_named


def read_paths(*, paths: Iterable[Path | str], model: str | None = None) -> list[SourceFile]:
    """Read files and whole folders (the app's export tree), in a stable order."""
    with cyclic_gc_paused():
        return _read_paths(paths=paths, model=model)


def _read_paths(*, paths: Iterable[Path | str], model: str | None) -> list[SourceFile]:
    files: list[SourceFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if formats.format_of_file(child.name) is not None:
                    files.append(read_file(path=child, name=str(child.relative_to(path)), model=model))
        elif path.is_file():
            files.append(read_file(path=path, name=str(path), model=model))
        else:
            files.append(SourceFile(name=str(path), problem="no such file or folder"))
    return files


def read_file(*, path: Path, name: str, model: str | None = None) -> SourceFile:
    def chunks() -> Iterator[bytes]:
        with path.open("rb") as fh:
            while chunk := fh.read(READ_CHUNK_BYTES):
                yield chunk

    try:
        path.stat()
    except OSError as exc:
        return SourceFile(name=name, problem=f"cannot be read: {exc.strerror or exc}")
    return _read(name=name, chunks=chunks, model=model)


def read_bytes(*, name: str, content: bytes, model: str | None = None) -> SourceFile:
    """Parse one file's bytes; the type comes from the name's extension."""

    def chunks() -> Iterator[bytes]:
        view = memoryview(content)
        for start in range(0, len(content), READ_CHUNK_BYTES):
            yield bytes(view[start : start + READ_CHUNK_BYTES])

    with cyclic_gc_paused():
        return _read(name=name, chunks=chunks, model=model)


# A JSON export is parsed record by record from windows of this many bytes:
# as one Python string, a 75 MB file with a single emoji would take 300 MB.
READ_CHUNK_BYTES = 1 << 20


def _read(*, name: str, chunks: Callable[[], Iterator[bytes]], model: str | None) -> SourceFile:
    suffix = Path(name).suffix.lower()
    source = SourceFile(name=name)
    file_format = formats.format_of_file(name)
    if file_format is None:
        source.problem = f"unsupported file type {suffix or '(none)'!r}; use {formats.suffixes_listed()}"
        return source
    if Path(name).name in DERIVED_FILES and model is None:
        source.note = DERIVED_FILES[Path(name).name]
        return source
    try:
        source.records = file_format.read(name, chunks)
    except ReaderError as exc:
        source.problem = str(exc)
        return source
    except RecursionError:
        # Python's JSON parser recurses once per level and gives up near
        # a thousand; the records themselves may nest 20 levels at most.
        source.problem = (
            f"nests lists or objects too deeply to read; a record may nest them at most "
            f"{MAX_JSON_DEPTH} levels deep"
        )
        return source
    except OSError as exc:
        source.problem = f"cannot be read: {exc.strerror or exc}"
        return source
    try:
        source.model = spec_named(model).name if model else infer_model(name, source.records)
    except LookupError as exc:
        source.problem = str(exc)
    return source




def infer_model(name: str, records: list[SourceRecord]) -> str:
    """The model a file holds, from its name in the export tree or else its
    keys (each spec's `file_stems`, `file_folders` and `recognized_by`,
    asked in write order)."""
    path = Path(name)
    stem = path.stem.lower()
    specs = [SPECS[spec_name] for spec_name in import_order()]
    for spec in specs:
        if stem in spec.file_stems:
            return spec.name
    folders = {part.lower() for part in path.parts[:-1]}
    for spec in specs:
        if folders & set(spec.file_folders):
            return spec.name
    keys = set(records[0].data) if records else set()
    for spec in specs:
        if any(wanted <= keys for wanted in spec.recognized_by):
            return spec.name
    raise LookupError("cannot tell which content this file holds; name the model (--model)")
