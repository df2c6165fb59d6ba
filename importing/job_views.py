"""The pages of a background import or export (importing/jobs.py).

Under a model admin's changelist, for the `ImportExportAdminMixin`:

- `jobs/<token>/`: the job's page: a progress bar with rows done and time
  left, kept current by `static/core/job_progress.js` polling
  `jobs/<token>/status/` (a small JSON answer), so a reload shows the same;
  a cancel button while it runs; the download once an export is done;
- `jobs/<token>/cancel/` (POST) and `jobs/<token>/download/`.

Only the job's owner and superusers reach a job (404 for anyone else, so
its existence is not shown), and only while they may see the list and
still import (an import job) or export (an export job).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from importing.jobs import find_job, job_file_chunks, job_status, request_cancel
from importing.models import BackgroundJob


class BackgroundJobViewsMixin:
    """Job pages for a ModelAdmin that also has `has_import_permission` /
    `has_export_permission` (the import/export mixin)."""

    job_template = "admin/importing/job.html"

    def job_urls(self) -> list[Any]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("jobs/<str:token>/", view(self.job_view), name=f"{info}_job"),
            path("jobs/<str:token>/status/", view(self.job_status_view), name=f"{info}_job_status"),
            path("jobs/<str:token>/cancel/", view(require_POST(self.job_cancel_view)), name=f"{info}_job_cancel"),
            path("jobs/<str:token>/download/", view(self.job_download_view), name=f"{info}_job_download"),
        ]

    def job_url(self, job: BackgroundJob, view: str = "job") -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{info}_{view}", args=[str(job.pk)], current_app=self.admin_site.name)

    def _job_for(self, request: HttpRequest, token: str) -> BackgroundJob:
        # The pages of a changelist's jobs are for those who may see the
        # list and import or export (before any lookup: 403, not 404).
        if not self.has_view_or_change_permission(request) or not (
            self.has_import_permission(request) or self.has_export_permission(request)
        ):
            raise PermissionDenied
        job = find_job(token=token, user=request.user)
        if job is None:
            raise Http404("No such job: it finished over a day ago, or it is not yours.")
        may = self.has_import_permission if job.kind == BackgroundJob.IMPORT else self.has_export_permission
        if not may(request):
            raise PermissionDenied
        return job

    def job_view(self, request: HttpRequest, token: str) -> HttpResponse:
        job = self._job_for(request, token)
        status = job_status(job=job)
        preview_url = ""
        if job.kind == BackgroundJob.IMPORT and job.upload_id and status["finished"] and job.state != job.DONE:
            preview_url = self._preview_url(str(job.upload_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{job.kind.capitalize()} of {job.label}",
            "job": job,
            "status": status,
            "status_url": self.job_url(job, "job_status"),
            "cancel_url": self.job_url(job, "job_cancel"),
            "download_url": self.job_url(job, "job_download") if status["downloadable"] else "",
            "preview_url": preview_url,
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, self.job_template, context)

    def job_status_view(self, request: HttpRequest, token: str) -> HttpResponse:
        job = self._job_for(request, token)
        response = JsonResponse(job_status(job=job))
        response["Cache-Control"] = "no-store"
        return response

    def job_cancel_view(self, request: HttpRequest, token: str) -> HttpResponse:
        job = self._job_for(request, token)
        messages.info(request, request_cancel(job=job))
        return HttpResponseRedirect(self.job_url(job))

    def job_download_view(self, request: HttpRequest, token: str) -> HttpResponse:
        job = self._job_for(request, token)
        if job.kind != BackgroundJob.EXPORT or job.state != BackgroundJob.DONE:
            raise Http404("This job has no file to download.")
        response = StreamingHttpResponse(job_file_chunks(job=job), content_type=job.content_type)
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        response["Content-Length"] = str(job.size)
        return response
