"""Uploads waiting between an import's preview and its confirm.

They live in the database, like sessions, so that with several instances
behind a load balancer the confirm may reach another instance than the
upload did: nothing is kept on local disk or in a process's memory.

- `store_upload` keeps the file and its dry-run report (and first sweeps
  uploads older than `STALE_AFTER`, which nobody confirmed or cancelled);
- `find_upload` gives an upload to its uploader only;
- `import_upload` is the confirm: the import and the deletion of the upload
  (`claim_upload`) in one transaction, so two confirms of one upload cannot
  both import it and a refused import keeps it, with the new report;
- `discard_upload` is the cancel.

The file and the report are stored zlib-compressed in parts of at most
`PART_BYTES`: a libSQL server refuses a single value of a few MB and
answers at most 10 MB per request by default, while an upload may be 50 MB.
"""

from __future__ import annotations

import json
import uuid
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from importing.formats import format_of_file
from importing.models import ImportUpload, ImportUploadPart
from importing.readers import SourceFile, cyclic_gc_paused
from importing.report import ImportReport
from importing.services import Actor, Progress, import_files
from importing.sources import read_bytes

STALE_AFTER = timedelta(days=1)
PART_BYTES = 1 << 20
# Parts written per INSERT and read per SELECT: 4 MB, well inside a
# libSQL server's request and response limits.
PARTS_PER_QUERY = 4
# Fast compression: JSON and CSV shrink about fourfold, for a few hundred
# milliseconds on a 50 MB file.
COMPRESSION_LEVEL = 1


class UploadDamaged(Exception):
    """A stored upload whose parts do not make up the compressed file or report."""


class UploadGone(Exception):
    """The upload was confirmed or cancelled by another request meanwhile."""


class _Refused(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.error)
        self.report = report


def store_upload(
    *,
    user: Any,
    filename: str,
    content: bytes,
    model: str | None,
    skip_invalid: bool,
    assign_ids: bool,
    report: dict[str, Any],
    on_duplicate: str = "refuse",
) -> ImportUpload:
    """Keep an upload and its dry-run report until it is confirmed or cancelled."""
    with transaction.atomic():
        sweep_stale_uploads()
        upload = ImportUpload.objects.create(
            user=user,
            filename=Path(filename).name,
            file_format=_format_name(filename),
            size=len(content),
            model=model or "",
            skip_invalid=skip_invalid,
            assign_ids=assign_ids,
            on_duplicate=on_duplicate,
        )
        _write_parts(upload, ImportUploadPart.FILE, content)
        _write_parts(upload, ImportUploadPart.REPORT, _report_bytes(report))
    return upload


def _format_name(filename: str) -> str:
    file_format = format_of_file(filename)
    return file_format.name if file_format is not None else Path(filename).suffix.lower().lstrip(".")


def sweep_stale_uploads(*, now: datetime | None = None) -> int:
    """Delete uploads older than `STALE_AFTER` (with their parts); how many went."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    # The parts go by Django's cascade as one DELETE, without being read.
    _total, per_model = ImportUpload.objects.filter(created_at__lt=cutoff).delete()
    return per_model.get(ImportUpload._meta.label, 0)


def find_upload(*, token: str, user: Any) -> ImportUpload | None:
    """The upload `token` names, if it exists and `user` uploaded it."""
    try:
        upload_id = uuid.UUID(token)
    except ValueError:
        return None
    return ImportUpload.objects.filter(pk=upload_id, user_id=user.pk).first()


def upload_content(*, upload: ImportUpload) -> bytes:
    """The uploaded file's bytes."""
    return _read_parts(upload, ImportUploadPart.FILE)


def upload_report(*, upload: ImportUpload) -> dict[str, Any]:
    """The report of the upload's latest dry run (or failed confirm)."""
    return json.loads(_read_parts(upload, ImportUploadPart.REPORT))


def replace_report(*, upload: ImportUpload, report: dict[str, Any]) -> None:
    with transaction.atomic():
        ImportUploadPart.objects.filter(upload=upload, kind=ImportUploadPart.REPORT).delete()
        _write_parts(upload, ImportUploadPart.REPORT, _report_bytes(report))


def import_upload(
    *,
    upload: ImportUpload,
    user_label: str,
    actor: Actor,
    skip_invalid: bool | None = None,
    overwrite_newer: bool = False,
) -> ImportReport:
    """Import the upload for good, with the options chosen at upload (and
    on the preview: `skip_invalid`, when given, and `overwrite_newer`).

    On success the upload is gone. A refused or failed import writes
    nothing and keeps the upload, its report replaced by the import's (the
    report's `error` says why). Raises UploadGone when another request
    confirmed or cancelled the upload first.
    """
    if skip_invalid is not None:
        upload.skip_invalid = skip_invalid
    upload.overwrite_newer = overwrite_newer
    with cyclic_gc_paused():
        source = _source(upload)
        try:
            with transaction.atomic():
                if not claim_upload(upload=upload):
                    raise UploadGone
                report = _import(upload, source, user_label=user_label, actor=actor, progress=None)
                if report.error:
                    raise _Refused(report)  # rolls back the claim with the rest
        except _Refused as refused:
            replace_report(upload=upload, report=refused.report.to_dict())
            return refused.report
    return report


def import_upload_in_job(
    *, upload: ImportUpload, user_label: str, actor: Actor, progress: Progress
) -> ImportReport:
    """Import the upload for good from a background job (importing/jobs.py).

    As `import_upload`, but the admin database is not held in a transaction
    while the content is imported, so the job's progress (written there)
    shows meanwhile; the job itself stands for the claim (one job per
    upload), and the upload is deleted once the import is committed.
    `progress` may raise to stop the import: the content transaction rolls
    back and the upload stays.
    """
    with cyclic_gc_paused():
        progress("reading the file", 0, upload.size)
        report = _import(upload, _source(upload), user_label=user_label, actor=actor, progress=progress)
    if report.error:
        replace_report(upload=upload, report=report.to_dict())
    else:
        discard_upload(upload=upload)
    return report


def _source(upload: ImportUpload) -> SourceFile:
    return read_bytes(name=upload.filename, content=upload_content(upload=upload), model=upload.model or None)


def _import(
    upload: ImportUpload,
    source: SourceFile,
    *,
    user_label: str,
    actor: Actor,
    progress: Progress | None,
) -> ImportReport:
    """The import of an upload, with the options chosen at upload and on its preview."""
    return import_files(
        files=[source],
        user_label=user_label,
        actor=actor,
        dry_run=False,
        skip_invalid=upload.skip_invalid,
        assign_ids=upload.assign_ids,
        overwrite_newer=upload.overwrite_newer,
        on_duplicate=upload.on_duplicate,
        progress=progress,
    )


def claim_upload(*, upload: ImportUpload) -> bool:
    """Delete the upload for its confirm; False when another request already
    confirmed or cancelled it. Call inside the transaction that imports it:
    if the import rolls back, the upload is back too."""
    _total, per_model = ImportUpload.objects.filter(pk=upload.pk).delete()
    return per_model.get(ImportUpload._meta.label, 0) == 1


def discard_upload(*, upload: ImportUpload) -> None:
    """The cancel: the upload and its parts are deleted."""
    ImportUpload.objects.filter(pk=upload.pk).delete()


def _report_bytes(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _write_parts(upload: ImportUpload, kind: str, data: bytes) -> None:
    compressed = zlib.compress(data, COMPRESSION_LEVEL)
    view = memoryview(compressed)
    parts = [
        ImportUploadPart(upload=upload, kind=kind, number=number, data=bytes(view[start : start + PART_BYTES]))
        for number, start in enumerate(range(0, len(compressed), PART_BYTES))
    ]
    ImportUploadPart.objects.bulk_create(parts, batch_size=PARTS_PER_QUERY)


def _read_parts(upload: ImportUpload, kind: str) -> bytes:
    decompressor = zlib.decompressobj()
    pieces = []
    first = 0
    while True:
        batch = list(
            ImportUploadPart.objects.filter(
                upload=upload, kind=kind, number__gte=first, number__lt=first + PARTS_PER_QUERY
            )
            .order_by("number")
            .values_list("number", "data")
        )
        for expected, (number, data) in enumerate(batch, start=first):
            if number != expected:
                raise UploadDamaged(f"part {expected} of the {kind} of upload {upload.pk} is missing")
            pieces.append(decompressor.decompress(data))
        if len(batch) < PARTS_PER_QUERY:
            break
        first += PARTS_PER_QUERY
    pieces.append(decompressor.flush())
    if not decompressor.eof:
        raise UploadDamaged(f"the {kind} of upload {upload.pk} is incomplete")
    return b"".join(pieces)
