"""Big imports and exports as background jobs, with progress and cancel.

A job is a `BackgroundJob` row in the admin database (who started it, what
it does, how far it got, how it ended) and a task of the job runner:
Django's task framework (the `django-tasks` backport) with its database
backend (`django-tasks-db`), whose queue is a table in the admin database
too, so no new server is needed; `manage.py db_worker` runs the tasks
(`make run` and `make serve` start it beside the web server).

- `start_import_job` / `start_export_job` create the row and enqueue its
  task in one transaction;
- `run_job` (the task) runs it: an import through the import engine, all
  or nothing in one content transaction; an export streamed into a
  temporary file, then kept in the admin database in compressed parts;
- while it runs, `_Progress` writes the stage and rows done at most every
  `JOB_PROGRESS_SECONDS` and reads whether a cancel was asked for; a
  cancel (or the worker being stopped) raises inside the engine's
  transaction, which rolls back: a cancelled import writes nothing;
- a worker killed midway leaves its content transaction uncommitted, which
  the database discards; the job, silent for `JOB_STALE_AFTER_SECONDS`,
  then reads as failed (`job_status`);
- `find_job` gives a job to its owner and to superusers only;
- jobs and their files are deleted a day after they were created.
Nothing is emailed: the job's page is where its outcome is read.
"""

from __future__ import annotations

import logging
import signal
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.admin import sites
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django_tasks import task

from importing.exporting import ExportError, export_filename, write_export
from importing.formats import format_named
from importing.models import BackgroundJob, BackgroundJobPart, ImportUpload
from importing.specs import SPECS, spec_for_model
from importing.uploads import UploadDamaged, import_upload_in_job, upload_report

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=1)
# An export file's parts, as an upload's (importing/uploads.py): a
# libSQL server refuses a single value of a few MB.
PART_BYTES = 1 << 20
PARTS_PER_QUERY = 4
COMPRESSION_LEVEL = 1
ACTIVE_STATES = (BackgroundJob.QUEUED, BackgroundJob.RUNNING)


class JobCancelled(Exception):
    """Raised inside a running job when its owner cancelled it."""


class WorkerStopping(Exception):
    """Raised inside a running job when its worker was asked to stop."""


# --------------------------------------------------------------------------
# Starting, finding, cancelling


def start_import_job(*, upload: ImportUpload, user: Any, admin_site: str = "") -> BackgroundJob | None:
    """Queue the import of `upload`; None when a job already imports it."""
    report = upload_report(upload=upload)
    models = [name for name, model_report in report["models"].items() if model_report.get("received")]
    with transaction.atomic():
        sweep_old_jobs()
        if BackgroundJob.objects.filter(upload=upload, state__in=ACTIVE_STATES).exists():
            return None
        job = BackgroundJob.objects.create(
            user=user,
            kind=BackgroundJob.IMPORT,
            label=upload.filename,
            model=models[0] if len(models) == 1 else (upload.model or ""),
            upload=upload,
            admin_site=admin_site,
            rows_total=report["totals"].get("received", 0) if isinstance(report.get("totals"), dict) else 0,
        )
        _enqueue(job)
    return job


def start_export_job(*, user: Any, model: type, file_format: str, query: str, admin_site: str) -> BackgroundJob:
    """Queue the export of `model`'s changelist filtered by `query` (a query string)."""
    spec = spec_for_model(model)
    with transaction.atomic():
        sweep_old_jobs()
        job = BackgroundJob.objects.create(
            user=user,
            kind=BackgroundJob.EXPORT,
            label=f"{spec.label} as {format_named(file_format).name.upper()}",
            model=spec.name,
            file_format=file_format,
            query=query,
            admin_site=admin_site,
        )
        _enqueue(job)
    return job


def _enqueue(job: BackgroundJob) -> None:
    result = run_background_job.enqueue(str(job.pk))
    job.task_id = str(result.id)
    job.save(update_fields=["task_id"])


def find_job(*, token: str, user: Any) -> BackgroundJob | None:
    """The job `token` names, if `user` started it or is a superuser."""
    try:
        job_id = uuid.UUID(token)
    except ValueError:
        return None
    jobs = BackgroundJob.objects.filter(pk=job_id)
    if not user.is_superuser:
        jobs = jobs.filter(user_id=user.pk)
    return jobs.first()


def active_job_for_upload(*, upload: ImportUpload) -> BackgroundJob | None:
    return BackgroundJob.objects.filter(upload=upload, state__in=ACTIVE_STATES).first()


def request_cancel(*, job: BackgroundJob) -> str:
    """Cancel `job`: at once if it has not started, else at its next progress step.

    The sentence to show. A job that already finished is left as it is.
    """
    now = timezone.now()
    if BackgroundJob.objects.filter(pk=job.pk, state=BackgroundJob.QUEUED).update(
        state=BackgroundJob.CANCELLED, cancel_requested=True, finished_at=now, error=_cancelled_sentence(job)
    ):
        return f"The {job.kind} of {job.label} was cancelled before it started."
    if BackgroundJob.objects.filter(pk=job.pk, state=BackgroundJob.RUNNING).update(cancel_requested=True):
        return f"Cancelling the {job.kind} of {job.label}: it stops at its next step."
    return f"The {job.kind} of {job.label} had already finished."


def sweep_old_jobs(*, now: datetime | None = None) -> int:
    """Delete jobs (with their files and runner tasks) created over `KEEP_FOR` ago."""
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - KEEP_FOR
    old = BackgroundJob.objects.filter(created_at__lt=cutoff).exclude(state=BackgroundJob.RUNNING)
    task_ids = [task_id for task_id in old.values_list("task_id", flat=True) if task_id]
    if task_ids:
        DBTaskResult.objects.filter(pk__in=task_ids).delete()
    _total, per_model = old.delete()
    return per_model.get(BackgroundJob._meta.label, 0)


# --------------------------------------------------------------------------
# What the job's page shows


def job_status(*, job: BackgroundJob, now: datetime | None = None) -> dict[str, Any]:
    """The job's progress as its page shows it (and its JSON endpoint sends)."""
    now = now or timezone.now()
    if job.state == BackgroundJob.RUNNING and _is_stale(job, now):
        _mark_lost(job, now)
    state = job.state
    seconds_left = None
    if state == BackgroundJob.RUNNING and job.stage_started_at and 0 < job.rows_done < job.rows_total:
        elapsed = (now - job.stage_started_at).total_seconds()
        seconds_left = round(elapsed * (job.rows_total - job.rows_done) / job.rows_done)
    percent = int(100 * job.rows_done / job.rows_total) if job.rows_total else 0
    return {
        "state": state,
        "finished": state in BackgroundJob.FINISHED_STATES,
        "stage": job.stage,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": 100 if state == BackgroundJob.DONE else min(percent, 100),
        "seconds_left": seconds_left,
        "message": _message(job, seconds_left),
        "error": job.error,
        "summary": job.summary,
        "cancel_requested": job.cancel_requested,
        "downloadable": state == BackgroundJob.DONE and job.kind == BackgroundJob.EXPORT,
    }


def _message(job: BackgroundJob, seconds_left: int | None) -> str:
    if job.state == BackgroundJob.QUEUED:
        return "Waiting for the job runner to pick this job up."
    if job.state == BackgroundJob.RUNNING:
        if job.cancel_requested:
            return "Cancelling…"
        stage = (job.stage or "starting").capitalize()
        if not job.rows_total or job.stage == "reading the file":
            return f"{stage}…"
        left = f", about {_duration(seconds_left)} left in this step" if seconds_left is not None else ""
        return f"{stage}: {job.rows_done:,} of {job.rows_total:,} rows{left}."
    if job.state == BackgroundJob.DONE:
        return job.summary or "Done."
    return job.error


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{max(seconds, 1)} s"
    return f"{round(seconds / 60)} min"


def _is_stale(job: BackgroundJob, now: datetime) -> bool:
    last = job.heartbeat_at or job.started_at
    return last is not None and (now - last).total_seconds() > settings.JOB_STALE_AFTER_SECONDS


def _mark_lost(job: BackgroundJob, now: datetime) -> None:
    if job.kind == BackgroundJob.IMPORT:
        error = (
            "The job runner stopped while this import ran (no sign of it for "
            f"{settings.JOB_STALE_AFTER_SECONDS:.0f} s). An import is written all at once or not at all, "
            "and the upload is kept until it is: open its preview to confirm it again."
        )
    else:
        error = "The job runner stopped while this export ran; start the export again."
    # Only if still silent: a heartbeat written meanwhile keeps it running.
    cutoff = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    if BackgroundJob.objects.filter(pk=job.pk, state=BackgroundJob.RUNNING, heartbeat_at__lt=cutoff).update(
        state=BackgroundJob.FAILED, error=error, finished_at=now
    ):
        job.state, job.error, job.finished_at = BackgroundJob.FAILED, error, now
    else:
        job.refresh_from_db()


# --------------------------------------------------------------------------
# Running


@task()
def run_background_job(job_id: str) -> None:
    """The job runner's task: run the job (see `run_job`)."""
    run_job(job_id=job_id)


def run_job(*, job_id: str) -> None:
    """Run the queued job `job_id` to its end; its row says how it ended.

    A job runs once: it is claimed by moving it from queued to running, so
    a job cancelled before it started, or already run, is left alone.
    """
    now = timezone.now()
    if not BackgroundJob.objects.filter(pk=job_id, state=BackgroundJob.QUEUED).update(
        state=BackgroundJob.RUNNING, started_at=now, heartbeat_at=now
    ):
        return
    job = BackgroundJob.objects.select_related("user", "upload").get(pk=job_id)
    progress = _Progress(job)
    try:
        with progress.stop_on_signals():
            if job.kind == BackgroundJob.IMPORT:
                _run_import(job, progress)
            else:
                _run_export(job, progress)
    except JobCancelled:
        _finish(job, BackgroundJob.CANCELLED, error=_cancelled_sentence(job))
    except WorkerStopping:
        _finish(job, BackgroundJob.FAILED, error=_stopped_sentence(job))
    except BaseException as exc:
        # SystemExit (a second Ctrl-C) and the rest alike: the content
        # transaction has rolled back by the time this runs.
        if progress.stopping:
            _finish(job, BackgroundJob.FAILED, error=_stopped_sentence(job))
        else:
            logger.exception("background job %s failed", job.pk)
            _finish(job, BackgroundJob.FAILED, error=_failed_sentence(job, exc))
        if not isinstance(exc, Exception):
            raise


def _run_import(job: BackgroundJob, progress: _Progress) -> None:
    upload = job.upload
    if upload is None:
        _finish(job, BackgroundJob.FAILED, error="The upload of this import is gone (cancelled or expired).")
        return
    try:
        report = import_upload_in_job(
            upload=upload, user_label=job.user.get_username(), actor=job.user, progress=progress
        )
    except UploadDamaged as exc:
        _finish(job, BackgroundJob.FAILED, error=f"The stored upload is damaged ({exc}); upload the file again.")
        return
    if report.error:
        _finish(job, BackgroundJob.FAILED, error=report.error)
        return
    totals = report.totals()
    _finish(
        job,
        BackgroundJob.DONE,
        summary=(
            f"Imported {job.label}: {totals['created']:,} new, {totals['updated']:,} updated, "
            f"{totals['unchanged']:,} unchanged, {totals['invalid_records']:,} left out as invalid."
        ),
    )


def _run_export(job: BackgroundJob, progress: _Progress) -> None:
    model_admin, request = _changelist_request(job)
    if model_admin is None or not model_admin.has_export_permission(request):
        _finish(job, BackgroundJob.FAILED, error="You may no longer export this list.")
        return
    queryset = model_admin.get_changelist_instance(request).get_queryset(request)
    told = " ".join(str(message) for message in request._messages)
    export_format = format_named(job.file_format)
    with tempfile.TemporaryFile(prefix="oi-export-") as out:
        try:
            rows = write_export(
                queryset=queryset,
                file_format=job.file_format,
                stream=out,
                progress=lambda done, total: progress("writing rows", done, total),
            )
        except ExportError as exc:
            _finish(job, BackgroundJob.FAILED, error=f"The export failed: {exc}.")
            return
        progress.check()
        size = out.tell()
        out.seek(0)
        with transaction.atomic():
            BackgroundJobPart.objects.filter(job=job).delete()
            _write_file_parts(job, out)
            _finish(
                job,
                BackgroundJob.DONE,
                summary=" ".join(
                    part
                    for part in (f"Exported {rows:,} {SPECS[job.model].label if job.model in SPECS else 'rows'}.", told)
                    if part
                ),
                filename=export_filename(model=queryset.model, file_format=job.file_format),
                content_type=export_format.content_type,
                size=size,
            )


def _changelist_request(job: BackgroundJob) -> tuple[Any, HttpRequest]:
    """The job's model admin and a GET request of its changelist by the job's owner,
    so the export lists exactly the rows the changelist's filters chose."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(job.query)
    request.user = job.user
    request.META["SERVER_NAME"] = "job-runner"
    request.META["SERVER_PORT"] = "80"
    # What the changelist tells its viewer (a search listing only its most
    # relevant matches, say) is kept with the job, not lost or raised.
    request._messages = CookieStorage(request)
    model = SPECS[job.model].model
    for site in list(sites.all_sites):
        if site.name == job.admin_site and model in site._registry:
            return site._registry[model], request
    return None, request


def _finish(job: BackgroundJob, state: str, **fields: Any) -> None:
    fields.setdefault("error", "")
    BackgroundJob.objects.filter(pk=job.pk).update(state=state, finished_at=timezone.now(), **fields)


def _cancelled_sentence(job: BackgroundJob) -> str:
    if job.kind == BackgroundJob.IMPORT:
        return "Cancelled: nothing was imported. The upload is kept for a day; its preview can confirm it again."
    return "Cancelled: no file was written."


def _stopped_sentence(job: BackgroundJob) -> str:
    if job.kind == BackgroundJob.IMPORT:
        return (
            "The job runner was stopped while this import ran; nothing was imported. "
            "Open its preview to confirm it again."
        )
    return "The job runner was stopped while this export ran; start the export again."


def _failed_sentence(job: BackgroundJob, exc: BaseException) -> str:
    outcome = "nothing was imported" if job.kind == BackgroundJob.IMPORT else "no file was written"
    return f"The {job.kind} stopped on an error ({type(exc).__name__}); {outcome}."


class _Progress:
    """The engine's progress callback for one job: keeps the job's row up to
    date (at most every `JOB_PROGRESS_SECONDS`, and at every new stage) and
    raises `JobCancelled` / `WorkerStopping` there when asked to stop."""

    def __init__(self, job: BackgroundJob) -> None:
        self.job_id = job.pk
        self.stage = ""
        self.last_write = 0.0
        self.stopping = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        new_stage = stage != self.stage
        if not new_stage and done < total and now - self.last_write < settings.JOB_PROGRESS_SECONDS:
            return
        self.last_write = now
        fields: dict[str, Any] = {"stage": stage[:64], "rows_done": done, "rows_total": total}
        if new_stage:
            self.stage = stage
            fields["stage_started_at"] = timezone.now()
        record_progress(job_id=self.job_id, fields=fields)
        self.check()

    def check(self) -> None:
        if self.stopping:
            raise WorkerStopping
        if BackgroundJob.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled

    def stop_on_signals(self) -> Any:
        return _SignalsStop(self)


def record_progress(*, job_id: Any, fields: dict[str, Any]) -> None:
    """Write a running job's progress (and that it is alive) to its row."""
    BackgroundJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now(), **fields)


class _SignalsStop:
    """While a job runs in the worker's main thread, SIGINT/SIGTERM (Ctrl-C,
    `make run` ending, a deploy) also stop the job at its next progress step
    instead of letting the worker wait for it to finish; the worker's own
    handler still runs (it stops taking new jobs)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, progress: _Progress) -> None:
        self.progress = progress
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in self.SIGNALS:
            self.previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        already = self.progress.stopping
        self.progress.stopping = True
        previous = self.previous.get(signum)
        if callable(previous):
            previous(signum, frame)
        elif already or previous == signal.SIG_DFL:
            raise SystemExit(1)

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


# --------------------------------------------------------------------------
# An export's file, in the admin database


def _write_file_parts(job: BackgroundJob, source: BinaryIO) -> None:
    """Compress `source` into the job's parts, `PARTS_PER_QUERY` per INSERT."""
    compressor = zlib.compressobj(COMPRESSION_LEVEL)
    pending = bytearray()
    parts: list[BackgroundJobPart] = []
    written = 0

    def cut(*, final: bool) -> None:
        nonlocal written
        while len(pending) >= PART_BYTES or (final and pending):
            parts.append(BackgroundJobPart(job=job, number=written + len(parts), data=bytes(pending[:PART_BYTES])))
            del pending[:PART_BYTES]
            if len(parts) == PARTS_PER_QUERY:
                BackgroundJobPart.objects.bulk_create(parts)
                written += len(parts)
                parts.clear()

    while block := source.read(PART_BYTES):
        pending += compressor.compress(block)
        cut(final=False)
    pending += compressor.flush()
    cut(final=True)
    if parts:
        BackgroundJobPart.objects.bulk_create(parts)


def job_file_chunks(*, job: BackgroundJob) -> Iterator[bytes]:
    """An export job's file, decompressed `PARTS_PER_QUERY` parts at a time."""
    decompressor = zlib.decompressobj()
    first = 0
    while True:
        batch = list(
            BackgroundJobPart.objects.filter(job=job, number__gte=first, number__lt=first + PARTS_PER_QUERY)
            .order_by("number")
            .values_list("number", "data")
        )
        for expected, (number, data) in enumerate(batch, start=first):
            if number != expected:
                raise UploadDamaged(f"part {expected} of the file of job {job.pk} is missing")
            yield decompressor.decompress(bytes(data))
        if len(batch) < PARTS_PER_QUERY:
            break
        first += PARTS_PER_QUERY
    yield decompressor.flush()
