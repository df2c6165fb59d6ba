"""Querysets to the app's export format (JSON), CSV and XLSX.

Rows are rendered by the django-import-export resources in each app's
`resources.py`; the formats are django-import-export's (tablib). JSON is
written the way the app's own export files are: a list of objects with
camelCase keys, arrays and objects inline, two-space indent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from import_export.formats import base_formats

from core.importing.resources import NodeModelResource
from core.importing.specs import SPECS, ModelSpec, spec_for_model


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    content_type: str
    extension: str


EXPORT_FORMATS = {
    f.name: f
    for f in (
        ExportFormat("json", "JSON (the app's export format)", "application/json", "json"),
        ExportFormat("csv", "CSV (UTF-8)", "text/csv; charset=utf-8", "csv"),
        ExportFormat("xlsx", "Excel (XLSX)", base_formats.XLSX.CONTENT_TYPE, "xlsx"),
    )
}


class ExportError(ValueError):
    pass


def resource_for(spec: ModelSpec) -> NodeModelResource:
    """The app's resource class for `spec`, e.g. interview.resources.QuestionResource."""
    model = spec.model
    return import_string(f"{model._meta.app_label}.resources.{model.__name__}Resource")()


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def export_queryset(*, queryset: models.QuerySet, file_format: str) -> ExportFile:
    """Every row of `queryset` in `file_format` (json, csv or xlsx)."""
    if file_format not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {file_format!r}; use json, csv or xlsx")
    spec = spec_for_model(queryset.model)
    export_format = EXPORT_FORMATS[file_format]
    resource = resource_for(spec)
    tabular = file_format != "json"
    dataset = resource.export(queryset.order_by(*queryset.query.order_by or ["pk"]), tabular=tabular)
    if file_format == "json":
        content = json.dumps(dataset.dict, ensure_ascii=False, indent=2).encode("utf-8")
    elif file_format == "csv":
        # With a BOM so spreadsheet programs read UTF-8; the importer takes either.
        content = base_formats.CSV().export_data(dataset).encode("utf-8-sig")
    else:
        try:
            content = base_formats.XLSX().export_data(dataset)
        except ValueError as exc:
            raise ExportError(f"the rows cannot be written as XLSX ({exc}); export CSV or JSON instead") from None
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return ExportFile(
        content=content,
        content_type=export_format.content_type,
        filename=f"{spec.name}-{stamp}.{export_format.extension}",
    )


__all__ = ["EXPORT_FORMATS", "ExportError", "ExportFile", "SPECS", "export_queryset", "resource_for"]
