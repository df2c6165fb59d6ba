"""Import (upload -> preview -> confirm) and export for any ModelAdmin.

Add `ImportExportAdminMixin` in front of `admin.ModelAdmin`:

    class QuestionAdmin(ImportExportAdminMixin, admin.ModelAdmin): ...

It adds three admin URLs under the model's changelist:

- `import/`: upload a file in one of the registered formats
  (`importing.formats`: JSON in the app's export format, CSV, XLSX);
  it is checked with a dry run of the import engine and kept, with the
  dry run's report, in the database (importing/uploads.py) so any
  instance can serve the next step;
- `import/<token>/`: the preview: counts of new, updated, unchanged and
  invalid records, the field-level changes of updated ones, every problem
  (file, record, field, reason), the records changed in the database since
  the file was made, paginated, with changed words marked; confirming
  imports everything or nothing, or, when chosen there, the valid records
  only and/or over the newer rows; cancelling deletes the upload; only the
  uploader reaches it;
- `export/?format=<a format's name>&<the changelist's filters>`: the filtered list.

A confirmed import of `IMPORT_BACKGROUND_MIN_RECORDS` records or more, and
an export of `EXPORT_BACKGROUND_MIN_ROWS` rows or more, run as background
jobs (importing/jobs.py) and answer with the job's page
(importing/job_views.py) instead of waiting in the request.

Only users with the import permission the model's spec names see or reach
import, and with its export permission export (403 otherwise). The
preview marks changed words with the spec's `mark_change`. The changelist's object
tools get the buttons when the admin has no template of its own; an admin
with its own `change_list_template` includes
`admin/importing/object_tools.html` in its `object-tools-items` block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from importing import formats
from importing.exporting import ExportError, export_queryset
from importing.job_views import BackgroundJobViewsMixin
from importing.jobs import active_job_for_upload, start_export_job, start_import_job
from importing.models import ImportUpload
from importing.readers import cyclic_gc_paused
from importing.report import Problem, refusal_sentence
from importing.services import import_files
from importing.sources import read_bytes
from importing.specs import SPECS, assign_ids_help, import_order, spec_for_model
from importing.uploads import (
    UploadGone,
    discard_upload,
    find_upload,
    import_upload,
    store_upload,
    upload_report,
)

PREVIEW_PAGE_SIZE = 50


# Computed when shown, not when this module is imported: the admin's
# modules are imported before any app has registered its specs.
def _model_choices() -> list[tuple[str, str]]:
    return [("", "Infer from the file")] + [(name, SPECS[name].label.capitalize()) for name in import_order()]


def _file_help_text() -> str:
    return f"{formats.listed(f.label for f in formats.FORMATS.values())}; columns are the app's camelCase keys."


def _assign_ids_help_text() -> str:
    return capfirst(assign_ids_help()) + "."


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text=lazy(_file_help_text, str)())
    model = forms.ChoiceField(label="Content", choices=_model_choices, required=False)
    on_duplicate = forms.ChoiceField(
        label="An id given more than once",
        choices=[
            ("refuse", "Refuse every copy (the preview lists them)"),
            ("first", "Import the first copy, leave out the others"),
            ("last", "Import the last copy, leave out the others"),
        ],
        initial="refuse",
        required=False,
        widget=forms.RadioSelect,
    )
    assign_ids = forms.BooleanField(
        required=False, help_text=lazy(_assign_ids_help_text, str)()
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; the largest accepted is {limit / 1_048_576:.1f} MB."
            )
        suffix = Path(upload.name).suffix.lower()
        if formats.format_of_file(upload.name) is None:
            raise forms.ValidationError(
                f"Files of type {suffix or '(none)'!r} cannot be imported; use {formats.suffixes_listed()}."
            )
        return upload


class ImportExportAdminMixin(BackgroundJobViewsMixin):
    """Adds import and export views and buttons to a ModelAdmin (see module docstring)."""

    import_preview_template = "admin/importing/preview.html"
    import_template = "admin/importing/import.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not getattr(self, "change_list_template", None):
            self.change_list_template = "admin/importing/change_list.html"

    # -- permissions ---------------------------------------------------------

    def has_import_permission(self, request: HttpRequest) -> bool:
        spec = spec_for_model(self.model)
        return spec.importable and request.user.has_perm(spec.import_permission)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(spec_for_model(self.model).export_permission)

    # -- URLs and changelist buttons -----------------------------------------

    def get_urls(self) -> list[Any]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{info}_import"),
            path("import/<str:token>/", view(self.import_preview_view), name=f"{info}_import_preview"),
            path("export/", view(self.export_action), name=f"{info}_export"),
            *self.job_urls(),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        query = request.GET.copy()
        context = {
            "has_import_permission": self.has_import_permission(request),
            "has_export_permission": self.has_export_permission(request),
            "import_url": reverse(f"admin:{info}_import", current_app=self.admin_site.name),
            "export_links": [
                (
                    export_format.name.upper(),
                    reverse(f"admin:{info}_export", current_app=self.admin_site.name)
                    + "?"
                    + _with_format(query, export_format.name),
                )
                for export_format in formats.FORMATS.values()
            ],
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    # -- export --------------------------------------------------------------

    def export_action(self, request: HttpRequest) -> HttpResponse:
        """The changelist's filtered rows (same query string) in the format `format` names."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        query = request.GET.copy()
        file_format = query.pop("format", ["json"])[-1]
        if file_format not in formats.FORMATS:
            messages.error(request, f"Unknown export format {file_format!r}; use {formats.names(upper=True)}.")
            return HttpResponseRedirect(self._changelist_url())
        # The changelist reads its filters from request.GET.
        request.GET = query
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        if queryset.count() >= settings.EXPORT_BACKGROUND_MIN_ROWS:
            job = start_export_job(
                user=request.user,
                model=self.model,
                file_format=file_format,
                query=query.urlencode(),
                admin_site=self.admin_site.name,
            )
            return HttpResponseRedirect(self.job_url(job))
        try:
            exported = export_queryset(queryset=queryset, file_format=file_format)
        except ExportError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(self._changelist_url())
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response

    # -- import --------------------------------------------------------------

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        spec = spec_for_model(self.model)
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                # The size was checked (clean_file) before anything is read.
                upload = form.cleaned_data["file"]
                model_name = form.cleaned_data["model"] or None
                content = upload.read()
                with cyclic_gc_paused():
                    source = read_bytes(name=upload.name, content=content, model=model_name)
                    report = None
                    if not source.problem and not source.note:
                        report = import_files(
                            files=[source],
                            user_label=request.user.get_username(),
                            actor=request.user,
                            dry_run=True,
                            assign_ids=form.cleaned_data["assign_ids"],
                            on_duplicate=form.cleaned_data["on_duplicate"] or "refuse",
                        )
                if source.problem:
                    form.add_error("file", f"{upload.name} {source.problem}.")
                elif source.note:
                    form.add_error("file", f"{upload.name}: {source.note}.")
                elif report is not None:
                    del source
                    stored = store_upload(
                        user=request.user,
                        filename=upload.name,
                        content=content,
                        model=model_name,
                        # Leaving invalid records out is chosen on the preview, seeing them.
                        skip_invalid=False,
                        assign_ids=bool(form.cleaned_data["assign_ids"]),
                        on_duplicate=form.cleaned_data["on_duplicate"] or "refuse",
                        report=report.to_dict(),
                    )
                    return HttpResponseRedirect(self._preview_url(str(stored.pk)))
        else:
            form = ImportUploadForm(initial={"model": spec.name})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Import {self.opts.verbose_name_plural}",
            "form": form,
            "max_upload_mb": settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576,
            "tabular_formats": formats.names(upper=True, tabular_only=True),
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, self.import_template, context)

    def import_preview_view(self, request: HttpRequest, token: str) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload = find_upload(token=token, user=request.user)
        if upload is None:
            # Also for someone else's upload: its existence is not shown.
            raise Http404("No such import: it was confirmed, cancelled or has expired.")
        job = active_job_for_upload(upload=upload)
        if job is not None:
            # Being imported in the background: its page shows how far.
            return HttpResponseRedirect(self.job_url(job))
        if request.method == "POST":
            if "cancel" in request.POST:
                discard_upload(upload=upload)
                messages.info(request, f"Import of {upload.filename} cancelled; nothing was written.")
                return HttpResponseRedirect(self._changelist_url())
            return self._confirm_import(request, upload)
        report = upload_report(upload=upload)
        totals = report["totals"]
        invalid = [p for p in report["problems"] if p.get("kind", Problem.INVALID) != Problem.NEWER]
        newer = [p for p in report["problems"] if p.get("kind") == Problem.NEWER]
        problems = Paginator(invalid, PREVIEW_PAGE_SIZE).get_page(request.GET.get("problems"))
        newer_page = Paginator(newer, PREVIEW_PAGE_SIZE).get_page(request.GET.get("newer"))
        updates = [
            {**update, "model": model_name}
            for model_name, model_report in report["models"].items()
            for update in model_report["updates"]
        ]
        updates_page = Paginator(updates, PREVIEW_PAGE_SIZE).get_page(request.GET.get("updates"))
        for update in updates_page:
            mark = SPECS[update["model"]].mark_change if update["model"] in SPECS else None
            update["changes"] = [_marked_change(change, mark=mark) for change in update["changes"]]
        valid = totals["created"] + totals["updated"]
        newer_count = totals.get("newer_records", 0)
        left_out = report.get("left_out", [])
        # Skipping is offered only when something would still be imported
        # (or may be, once newer rows are overwritten) and the file was read.
        can_skip = bool(report["problems"]) and not report["file_problems"] and (valid or newer_count)
        if report.get("refused"):
            error = refusal_sentence(problems=len(report["problems"]), where="below")
        else:
            error = report["error"]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Preview import of {upload.filename}",
            "meta": upload,
            "report": report,
            "model_reports": [
                {**model_report, "ignored": sorted(model_report["ignored_keys"].items())}
                for model_report in report["models"].values()
            ],
            "problems_page": problems,
            "newer_page": newer_page,
            "updates_page": updates_page,
            "left_out": left_out,
            "error": error,
            "can_confirm": not report["error"] and not report["problems"] and valid,
            "can_skip": can_skip,
            "valid_count": valid,
            "skip_count": totals["invalid_records"] + newer_count,
            "newer_count": newer_count,
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, self.import_preview_template, context)

    def _confirm_import(self, request: HttpRequest, upload: ImportUpload) -> HttpResponse:
        # The preview's choices: leave the records with problems out,
        # overwrite the rows changed since the file was made.
        skip_invalid = upload.skip_invalid or request.POST.get("skip_invalid") == "1"
        overwrite_newer = request.POST.get("overwrite_newer") == "1"
        if upload_report(upload=upload)["totals"]["received"] >= settings.IMPORT_BACKGROUND_MIN_RECORDS:
            ImportUpload.objects.filter(pk=upload.pk).update(
                skip_invalid=skip_invalid, overwrite_newer=overwrite_newer
            )
            upload.skip_invalid, upload.overwrite_newer = skip_invalid, overwrite_newer
            job = start_import_job(upload=upload, user=request.user, admin_site=self.admin_site.name)
            if job is None:
                job = active_job_for_upload(upload=upload)
            if job is not None:
                return HttpResponseRedirect(self.job_url(job))
            messages.warning(request, f"The import of {upload.filename} has already finished.")
            return HttpResponseRedirect(self._changelist_url())
        try:
            report = import_upload(
                upload=upload,
                user_label=request.user.get_username(),
                actor=request.user,
                skip_invalid=skip_invalid,
                overwrite_newer=overwrite_newer,
            )
        except UploadGone:
            messages.warning(request, f"The import of {upload.filename} was already confirmed or cancelled.")
            return HttpResponseRedirect(self._changelist_url())
        if report.error:
            messages.error(request, report.error)
            return HttpResponseRedirect(self._preview_url(str(upload.pk)))
        totals = report.totals()
        summary = (
            f"Imported {upload.filename}: {totals['created']:,} new, {totals['updated']:,} updated, "
            f"{totals['unchanged']:,} unchanged, {totals['invalid_records']:,} left out as invalid"
        )
        if totals["newer_records"]:
            summary += f", {totals['newer_records']:,} left out as changed in the database since the file was made"
        messages.success(request, summary + ".")
        return HttpResponseRedirect(self._changelist_url())

    # -- helpers ---------------------------------------------------------------

    def _changelist_url(self) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{info}_changelist", current_app=self.admin_site.name)

    def _preview_url(self, token: str) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{info}_import_preview", args=[token], current_app=self.admin_site.name)


# Values longer than this are shown cut, without word marks: a word diff
# costs time with the square of the words in the worst case.
MARKED_CHARS = 5000


def _marked_change(change: dict[str, Any], *, mark: Any = None) -> dict[str, Any]:
    """A preview change with its before/after as HTML: changed words marked
    by the spec's `mark` (which escapes), long values cut."""
    before, after = change["before"], change["after"]
    if (
        mark is not None
        and isinstance(before, str)
        and isinstance(after, str)
        and len(before) + len(after) <= 2 * MARKED_CHARS
    ):
        before_html, after_html = mark(before, after)
    else:
        before_html, after_html = _shown_value(before), _shown_value(after)
    return {**change, "before_html": before_html, "after_html": after_html}


def _shown_value(value: Any) -> SafeString:
    if value is None:
        return format_html("<span class=\"oi-empty\">{}</span>", "(empty)")
    text = str(value)
    if len(text) > MARKED_CHARS:
        text = f"{text[:MARKED_CHARS]}… ({len(text):,} characters)"
    return format_html("{}", text)


def _with_format(query: Any, file_format: str) -> str:
    query = query.copy()
    query["format"] = file_format
    return query.urlencode()
