"""The shared model base and the Node app's own `users` table."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils import timezone

from core.fields import TextColumnField


class NodeModel(models.Model):
    """Base for every table shared with the Node app.

    Remembers the values each row had when it was read, so services can
    write only what changed (`changed_fields`), detect a concurrent edit, and
    let a stored value outside the known choices be saved back unchanged.
    """

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> NodeModel:
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def changed_fields(self) -> list[str]:
        """Names of concrete fields whose value differs from what was read."""
        loaded: dict[str, Any] = getattr(self, "_loaded_values", None) or {}
        return [
            field.name
            for field in self._meta.concrete_fields
            if field.attname in loaded
            and _as_stored(field, getattr(self, field.attname)) != _as_stored(field, loaded[field.attname])
        ]


def _as_stored(field: models.Field, value: Any) -> Any:
    """Compare values as they would be written, so 1.0 and 1 or two spellings of JSON agree."""
    try:
        return field.get_prep_value(value)
    except (TypeError, ValueError):
        return value


def new_uuid() -> str:
    """UUID strings as the Node app's `crypto.randomUUID()` writes them."""
    return str(uuid.uuid4())


class AppUser(NodeModel):
    """A user of the public Node app (not a user of this admin)."""

    id = TextColumnField(primary_key=True, default=new_uuid, editable=False)
    username = TextColumnField(unique=True)
    password = TextColumnField(help_text="Stored as a hash; never shown.")

    class Meta:
        db_table = "users"
        verbose_name = "app user"
        verbose_name_plural = "app users"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)


class ImportUpload(models.Model):
    """A file uploaded for import, waiting between its preview and the confirm.

    Kept in the database (not on local disk or in a process's memory), so
    the confirm may reach any instance behind the load balancer. Only its
    uploader may see or confirm it; it is deleted on confirm or cancel, and
    uploads left over a day are swept on the next upload
    (core/importing/uploads.py). The file and the dry run's report are
    stored compressed, in `ImportUploadPart`s.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)  # json, csv or xlsx
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
        verbose_name = "import upload"

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
    next progress step (core/importing/jobs.py). An export's file is kept in
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
        "core.ImportUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
        verbose_name = "background job"

    def __str__(self) -> str:
        return f"{self.kind} of {self.label} ({self.state})"


class BackgroundJobPart(models.Model):
    """One piece of an export job's compressed file (see `ImportUploadPart` for why pieces)."""

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="parts", db_index=False)
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = "background job part"
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="core_backgroundjobpart_unique")]

    def __str__(self) -> str:
        return f"part {self.number} of job {self.job_id}"


class DataQualityCount(models.Model):
    """One counting of the content's data-quality problems, kept in the admin database.

    Counting them reads every question in full (the JSON columns and the
    explanation sit in each row's overflow pages, and the content database
    may hold no index of ours): about a second at 300,000 questions. So the
    home page shows the latest counting with its time instead of counting on
    every view; a person recounts with a button, an operator on a schedule
    (`manage.py count_data_quality`).
    """

    counted_at = models.DateTimeField(default=timezone.now, db_index=True)
    counted_by = models.CharField(max_length=150, help_text="Who asked for the count.")
    question_total = models.PositiveIntegerField(help_text="Questions read (not deleted).")
    # {"invalid_json": {"tags": 3, ...}, "missing_explanation": 1, "missing_diagram": 40}
    counts = models.JSONField()
    seconds = models.FloatField(help_text="How long the count took.")

    class Meta:
        verbose_name = "data-quality count"
        ordering = ["-counted_at", "-id"]

    def __str__(self) -> str:
        return f"data quality counted {self.counted_at:%Y-%m-%d %H:%M} UTC by {self.counted_by}"
