"""django-import-export resources whose columns are the app's camelCase keys.

`NodeModelResource` maps every concrete field to its export key (see
`specs.column_key`) with `NodeValueWidget`, which renders values as the
app's own export does: inline JSON in JSON files, JSON text in CSV/XLSX
cells, timestamps as stored, booleans as 0/1. Stored text that is not JSON
goes out as `{"$legacyText": "..."}` (`encodings.mark_legacy_text`). Text a spreadsheet would run
as a formula is neutralised in CSV/XLSX.

The resources also import through django-import-export's own row-by-row
path (`resource.import_data`); the admin and the CLI use the faster engine
in `importing.services`, and `bench/import_bench.py` compares the two.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from import_export import fields, resources, widgets

from core import encodings
from core.fields import NodeJSONField, NodeTimestampField
from importing.readers import neutralize_formula, parse_json
from importing.specs import column_key


class NodeValueWidget(widgets.Widget):
    """One column's value, encoded as the Node app encodes it.

    `render(..., tabular=False)` gives the value for a JSON export (lists and
    objects inline); with `tabular=True` (the default) a cell for CSV/XLSX.
    """

    def __init__(self, model_field: models.Field) -> None:
        super().__init__()
        self.model_field = model_field
        self.is_json = isinstance(model_field, NodeJSONField)
        self.is_timestamp = isinstance(model_field, NodeTimestampField)
        self.is_boolean = isinstance(model_field, models.BooleanField)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if value is None or (value == "" and not isinstance(self.model_field, models.TextField | models.CharField)):
            return None
        if self.is_json:
            return parse_json(value) if isinstance(value, str) else value
        if self.is_timestamp:
            return encodings.parse_node_timestamp(value) if isinstance(value, str) else value
        if self.is_boolean:
            return str(value).strip().lower() in {"1", "true", "yes"}
        return self.model_field.to_python(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        tabular = kwargs.get("tabular", True)
        if value is None:
            return None if not tabular else ""
        if self.is_json:
            if isinstance(value, encodings.InvalidJSON):
                # Legacy text where JSON belongs: marked as such, so that the
                # importer puts back the same bytes instead of refusing it.
                marked = encodings.mark_legacy_text(value)
                rendered: Any = encodings.to_node_json(marked) if tabular else marked
            else:
                rendered = encodings.to_node_json(value) if tabular else value
        elif self.is_timestamp:
            rendered = encodings.write_timestamp(value)
        elif self.is_boolean:
            rendered = 1 if value else 0
        else:
            rendered = value
        return neutralize_formula(rendered) if tabular else rendered


class NodeModelResource(resources.ModelResource):
    """Columns named by the app's camelCase keys, values in the app's encodings."""

    @classmethod
    def field_from_django_field(cls, field_name: str, django_field: models.Field, readonly: bool) -> fields.Field:
        return fields.Field(
            attribute=django_field.attname,
            column_name=column_key(django_field),
            widget=NodeValueWidget(django_field),
            readonly=readonly,
            saves_null_values=True,
        )

    def get_export_order(self) -> tuple[str, ...]:
        return tuple(f.name for f in self._meta.model._meta.concrete_fields)
