"""Import (upload -> preview -> confirm) and export for any ModelAdmin.

Add `ImportExportAdminMixin` in front of `admin.ModelAdmin`:

    class QuestionAdmin(ImportExportAdminMixin, admin.ModelAdmin): ...

It adds three admin URLs under the model's changelist:

- `import/`: upload a file (JSON in the app's export format, CSV or XLSX);
  it is checked with a dry run of the import engine and kept aside;
- `import/<token>/`: the preview: counts of new, updated, unchanged and
  invalid records, the field-level changes of updated ones, every problem
  (file, record, field, reason), paginated; confirming imports everything
  or nothing;
- `export/?format=json|csv|xlsx&<the changelist's filters>`: the filtered list.

Only users with `interview.import_content` see or reach import, and with
`interview.export_content` export (403 otherwise). The changelist's object
tools get the buttons when the admin has no template of its own; an admin
with its own `change_list_template` includes
`admin/importing/object_tools.html` in its `object-tools-items` block.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
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

from core.importing.exporting import EXPORT_FORMATS, ExportError, export_queryset
from core.importing.readers import SUPPORTED_SUFFIXES, read_bytes
from core.importing.services import import_files
from core.importing.specs import IMPORT_ORDER, SPECS, spec_for_model

IMPORT_PERMISSION = "interview.import_content"
EXPORT_PERMISSION = "interview.export_content"
PREVIEW_PAGE_SIZE = 50


def upload_dir() -> Path:
    """Where uploads wait between preview and confirm (settings.IMPORT_UPLOAD_DIR)."""
    configured = getattr(settings, "IMPORT_UPLOAD_DIR", None)
    directory = Path(configured) if configured else Path(tempfile.gettempdir()) / "oi-import-uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="JSON in the app's export format, CSV (UTF-8) or XLSX; columns are the app's camelCase keys."
    )
    model = forms.ChoiceField(
        label="Content",
        choices=[("", "Infer from the file")] + [(name, SPECS[name].label.capitalize()) for name in IMPORT_ORDER],
        required=False,
    )
    skip_invalid = forms.BooleanField(
        required=False, help_text="Import the valid records and leave out the invalid ones."
    )
    assign_ids = forms.BooleanField(
        required=False, help_text="Give questions without an id the next q-<n> ids."
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; the largest accepted is {limit / 1_048_576:.1f} MB."
            )
        suffix = Path(upload.name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise forms.ValidationError(
                f"Files of type {suffix or '(none)'!r} cannot be imported; use .json, .csv or .xlsx."
            )
        return upload


class ImportExportAdminMixin:
    """Adds import and export views and buttons to a ModelAdmin (see module docstring)."""

    import_preview_template = "admin/importing/preview.html"
    import_template = "admin/importing/import.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not getattr(self, "change_list_template", None):
            self.change_list_template = "admin/importing/change_list.html"

    # -- permissions ---------------------------------------------------------

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION) and spec_for_model(self.model).importable

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(EXPORT_PERMISSION)

    # -- URLs and changelist buttons -----------------------------------------

    def get_urls(self) -> list[Any]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{info}_import"),
            path("import/<str:token>/", view(self.import_preview_view), name=f"{info}_import_preview"),
            path("export/", view(self.export_action), name=f"{info}_export"),
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
                for export_format in EXPORT_FORMATS.values()
            ],
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    # -- export --------------------------------------------------------------

    def export_action(self, request: HttpRequest) -> HttpResponse:
        """The changelist's filtered rows (same query string) as JSON, CSV or XLSX."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        query = request.GET.copy()
        file_format = query.pop("format", ["json"])[-1]
        if file_format not in EXPORT_FORMATS:
            messages.error(request, f"Unknown export format {file_format!r}; use JSON, CSV or XLSX.")
            return HttpResponseRedirect(self._changelist_url())
        # The changelist reads its filters from request.GET.
        request.GET = query
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
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
                upload = form.cleaned_data["file"]
                model_name = form.cleaned_data["model"] or None
                content = upload.read()
                source = read_bytes(name=upload.name, content=content, model=model_name)
                if source.problem:
                    form.add_error("file", f"{upload.name} {source.problem}.")
                elif source.note:
                    form.add_error("file", f"{upload.name}: {source.note}.")
                else:
                    token = self._store_upload(request, upload.name, content, form.cleaned_data)
                    report = import_files(
                        files=[source],
                        user_label=request.user.get_username(),
                        dry_run=True,
                        skip_invalid=form.cleaned_data["skip_invalid"],
                        assign_ids=form.cleaned_data["assign_ids"],
                    )
                    _write_json(upload_dir() / token / "report.json", report.to_dict())
                    return HttpResponseRedirect(self._preview_url(token))
        else:
            form = ImportUploadForm(initial={"model": spec.name})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Import {self.opts.verbose_name_plural}",
            "form": form,
            "max_upload_mb": settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576,
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, self.import_template, context)

    def import_preview_view(self, request: HttpRequest, token: str) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        folder = self._upload_folder(request, token)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if request.method == "POST":
            return self._confirm_import(request, folder, meta)
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        problems = Paginator(report["problems"], PREVIEW_PAGE_SIZE).get_page(request.GET.get("problems"))
        updates = [
            {**update, "model": model_name}
            for model_name, model_report in report["models"].items()
            for update in model_report["updates"]
        ]
        updates_page = Paginator(updates, PREVIEW_PAGE_SIZE).get_page(request.GET.get("updates"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Preview import of {meta['filename']}",
            "meta": meta,
            "report": report,
            "model_reports": [
                {**model_report, "ignored": sorted(model_report["ignored_keys"].items())}
                for model_report in report["models"].values()
            ],
            "problems_page": problems,
            "updates_page": updates_page,
            "can_confirm": not report["error"] and (report["totals"]["created"] or report["totals"]["updated"]),
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, self.import_preview_template, context)

    def _confirm_import(self, request: HttpRequest, folder: Path, meta: dict[str, Any]) -> HttpResponse:
        content = (folder / "upload").read_bytes()
        source = read_bytes(name=meta["filename"], content=content, model=meta["model"])
        report = import_files(
            files=[source],
            user_label=request.user.get_username(),
            dry_run=False,
            skip_invalid=meta["skip_invalid"],
            assign_ids=meta["assign_ids"],
        )
        if report.error:
            _write_json(folder / "report.json", report.to_dict())
            messages.error(request, report.error)
            return HttpResponseRedirect(self._preview_url(folder.name))
        shutil.rmtree(folder, ignore_errors=True)
        totals = report.totals()
        messages.success(
            request,
            f"Imported {meta['filename']}: {totals['created']:,} new, {totals['updated']:,} updated, "
            f"{totals['unchanged']:,} unchanged, {totals['invalid_records']:,} left out as invalid.",
        )
        return HttpResponseRedirect(self._changelist_url())

    # -- helpers ---------------------------------------------------------------

    def _store_upload(self, request: HttpRequest, filename: str, content: bytes, options: dict[str, Any]) -> str:
        token = secrets.token_urlsafe(16)
        folder = upload_dir() / token
        folder.mkdir(parents=True)
        (folder / "upload").write_bytes(content)
        _write_json(
            folder / "meta.json",
            {
                "filename": Path(filename).name,
                "user_id": request.user.pk,
                "model": options["model"] or None,
                "skip_invalid": bool(options["skip_invalid"]),
                "assign_ids": bool(options["assign_ids"]),
            },
        )
        return token

    def _upload_folder(self, request: HttpRequest, token: str) -> Path:
        if not token.replace("-", "").replace("_", "").isalnum():
            raise Http404("No such import.")
        folder = upload_dir() / token
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise Http404("No such import: it was confirmed, or has expired.") from None
        if meta.get("user_id") != request.user.pk:
            raise Http404("No such import.")
        return folder

    def _changelist_url(self) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{info}_changelist", current_app=self.admin_site.name)

    def _preview_url(self, token: str) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{info}_import_preview", args=[token], current_app=self.admin_site.name)


def _with_format(query: Any, file_format: str) -> str:
    query = query.copy()
    query["format"] = file_format
    return query.urlencode()


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
