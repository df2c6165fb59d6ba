"""The importer's own state, kept in the admin database: uploads waiting
between preview and confirm, and the background jobs of big imports and
exports. The tables keep the names they were created with (`core_*`), from
before the importer had a room of its own."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportUpload(models.Model):
    """A file uploaded for import, waiting between its preview and the confirm.

    Kept in the database (not on local disk or in a process's memory), so
    the confirm may reach any instance behind the load balancer. Only its
    uploader may see or confirm it; it is deleted on confirm or cancel, and
    uploads left over a day are swept on the next upload
    (importing/uploads.py). The file and the dry run's report are
    stored compressed, in `ImportUploadPart`s.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)  # a format's name (importing.formats)
    size = models.PositiveBigIntegerField(help_text="Bytes uploaded (before compression).")
    # Import options chosen with the upload ("" model: inferred from the file).
    model = models.CharField(max_length=64, blank=True, default="")
    skip_invalid = models.BooleanField(default=False)
    assign_ids = models.BooleanField(default=False)
    # An id given more than once: refuse, first or last (services.DUPLICATE_CHOICES).
    # A database default too, so rows copied from an older table get it.
    on_duplicate = models.CharField(max_length=8, default="refuse", db_default="refuse")
    # Chosen on the preview page: import the rows changed in the database
    # since the file was made too (kept here for a background import).
    overwrite_newer = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "core_importupload"
        verbose_name = "import upload"
        # Bulk import and export of every registered table is one pair of
        # permissions, the importer's own (importing.specs names them for
        # the apps' specs); a model is needed to hang them on, and this is
        # the importer's.
        permissions = [
            ("import_content", "Can bulk import content"),
            ("export_content", "Can bulk export content"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size:,} bytes)"


class ImportUploadPart(models.Model):
    """One piece of an upload's compressed file or report.

    A libSQL server refuses a single value of a few MB and answers at most
    10 MB per request by default, so a 50 MB upload cannot be one BLOB.
    """

    FILE = "file"
    REPORT = "report"

    # The unique constraint's index (upload, kind, number) serves lookups by upload.
    upload = models.ForeignKey(ImportUpload, on_delete=models.CASCADE, related_name="parts", db_index=False)
    kind = models.CharField(max_length=8, choices=[(FILE, "file"), (REPORT, "report")])
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        db_table = "core_importuploadpart"
        verbose_name = "import upload part"
        constraints = [
            models.UniqueConstraint(fields=["upload", "kind", "number"], name="core_importuploadpart_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} part {self.number} of upload {self.upload_id}"


class BackgroundJob(models.Model):
    """An import or export that runs in the job runner, outside any request.

    The page of a job polls this row: what the job does (`label`), how far it
    got (`stage`, `rows_done` of `rows_total`), when it was last heard of
    (`heartbeat_at`: a job still `running` without a heartbeat for
    `JOB_STALE_AFTER_SECONDS` lost its worker) and how it ended (`state`,
    `error` as one sentence, `summary`). Only its owner (and superusers) may
    see or cancel it; a cancel is a request the running job honours at its
    next progress step (importing/jobs.py). An export's file is kept in
    `BackgroundJobPart`s. Jobs are deleted a day after they were created.
    """

    IMPORT = "import"
    EXPORT = "export"

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    FINISHED_STATES = (DONE, FAILED, CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=[(IMPORT, "import"), (EXPORT, "export")])
    # What the job works on, in words ("questions.xlsx", "questions as CSV").
    label = models.CharField(max_length=255)
    # The content the job imports or exports (a spec name, e.g. "questions").
    model = models.CharField(max_length=64)
    # An import's upload; null once the import succeeded and deleted it.
    upload = models.ForeignKey(
        "importing.ImportUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An export's format and the changelist's query string (its filters).
    file_format = models.CharField(max_length=8, blank=True, default="")
    query = models.TextField(blank=True, default="")
    # The admin site whose changelist the export's filters belong to.
    admin_site = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(
        max_length=12,
        default=QUEUED,
        choices=[(s, s) for s in (QUEUED, RUNNING, DONE, FAILED, CANCELLED)],
    )
    stage = models.CharField(max_length=64, blank=True, default="")
    stage_started_at = models.DateTimeField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    summary = models.TextField(blank=True, default="")
    # An export's file, once written.
    filename = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=128, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    # The job runner's task (django-tasks) that runs this job.
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "core_backgroundjob"
        verbose_name = "background job"

    def __str__(self) -> str:
        return f"{self.kind} of {self.label} ({self.state})"


class BackgroundJobPart(models.Model):
    """One piece of an export job's compressed file (see `ImportUploadPart` for why pieces)."""

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="parts", db_index=False)
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        db_table = "core_backgroundjobpart"
        verbose_name = "background job part"
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="core_backgroundjobpart_unique")]

    def __str__(self) -> str:
        return f"part {self.number} of job {self.job_id}"
