"""Model fields for the Node app's column encodings (see core.encodings).

Every column in this database is declared TEXT or INTEGER, so each field
reports exactly that SQL type: the schema test and `db_check` compare our
models with the live database column by column.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.core import exceptions
from django.db import models
from django.db.models import lookups

from core import encodings, shapes


class CurrentTimestamp(models.Func):
    """SQLite's CURRENT_TIMESTAMP, for `db_default` of the bots' tables."""

    template = "CURRENT_TIMESTAMP"
    output_field = models.TextField()

    def __init__(self) -> None:
        super().__init__()


class DatetimeNow(models.Func):
    """SQLite's `datetime('now')`, the default of question_history.created_at."""

    template = "datetime('now')"
    output_field = models.TextField()

    def __init__(self) -> None:
        super().__init__()


def validate_storable(field: models.Field, value: Any, model_instance: models.Model | None) -> None:
    """The storage rule (`encodings.value_problem`) for a new value of `field`.

    A value read from the row and left as it is passes: legacy data outside
    today's rules must not block an edit of something else.
    """
    loaded = getattr(model_instance, "_loaded_values", None) or {}
    if field.attname in loaded and value == loaded[field.attname]:
        return
    problem = encodings.value_problem(value)
    if problem:
        raise exceptions.ValidationError("This value %(problem)s.", code="unstorable", params={"problem": problem})


class TextColumnField(models.CharField):
    """A single-line TEXT column (ids, names, channels).

    `max_length` only bounds what forms accept; SQLite TEXT has no length.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        validate_storable(self, value, model_instance)

    def db_type(self, connection: Any) -> str:
        return "text"

    def cast_db_type(self, connection: Any) -> str:
        return "text"


class ChoiceTextField(TextColumnField):
    """A TEXT column with a known set of values.

    New input is validated against the choices, but a stored value outside
    them (the bots write new statuses before we learn of them) loads,
    displays and may be saved back unchanged.
    """

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        loaded = getattr(model_instance, "_loaded_values", None) or {}
        if self.choices and value not in self.empty_values and value == loaded.get(self.attname):
            return  # the stored value, unchanged: keep it even if unknown
        super().validate(value, model_instance)


class NodeJSONField(models.TextField):
    """JSON stored as TEXT, written as `JSON.stringify` writes it.

    Reads any valid JSON. Text that is not JSON is returned as
    `encodings.InvalidJSON`, which writes back byte for byte.

    `shape` (a `core.shapes.JSONShape`) is what the Node app reads from the
    column; a new value of another shape is refused by `validate`, by the
    import and by the services. It is not part of the column's SQL, so it
    stays out of `deconstruct` and of the migrations.
    """

    description = "JSON stored as TEXT"

    def __init__(self, *args: Any, shape: Any = None, **kwargs: Any) -> None:
        self.shape = shape
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return encodings.from_node_json(value)

    def formfield(self, **kwargs: Any) -> Any:
        """The one JSON form-field family, so a JSON column listed on any admin
        form (no form declaration needed) is edited like every other one:
        a list of texts one item per line, any other shape as JSON."""
        from core import forms as json_forms  # core.forms is built on these fields' encodings

        form_class = json_forms.StringListField if self.shape is shapes.LIST_OF_TEXT else json_forms.StoredJSONFormField
        # Not TextField.formfield: its max_length and widget are for plain text.
        return models.Field.formfield(self, **{"form_class": form_class, "shape": self.shape, **kwargs})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, encodings.InvalidJSON):
            # Strings reaching to_python come from forms or fixtures as JSON text.
            parsed = encodings.from_node_json(value)
            if isinstance(parsed, encodings.InvalidJSON) and value.strip() == "":
                return None
            return parsed
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, models.expressions.Expression):
            return value
        return encodings.to_node_json(value)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else encodings.to_node_json(value)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if isinstance(value, encodings.InvalidJSON):
            return
        validate_storable(self, value, model_instance)
        loaded = getattr(model_instance, "_loaded_values", None) or {}
        if self.shape is None or (self.attname in loaded and value == loaded[self.attname]):
            return
        self.shape.validate(value)

    def get_lookup(self, lookup_name: str) -> Any:
        # Lookups compare the stored TEXT (e.g. tags__icontains="react"),
        # so their right-hand side must not be JSON-encoded.
        return _RAW_TEXT_LOOKUPS.get(lookup_name) or super().get_lookup(lookup_name)


class _RawIContains(lookups.IContains):
    prepare_rhs = False


class _RawExact(lookups.Exact):
    """`tags="react, js"` compares stored text; a list or dict compares its JSON."""

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, str) or hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        return encodings.to_node_json(self.rhs)


_RAW_TEXT_LOOKUPS = {"icontains": _RawIContains, "exact": _RawExact}


class NodeTimestampField(models.DateTimeField):
    """A timestamp stored as TEXT in the app's formats.

    Reads `2026-01-13T03:29:00.972Z` and `2026-01-13 03:29:00`; writes the
    first. A value read from the database is written back as it was stored.

    `set_on_create` fills the column with now when a row is created without
    it; `set_on_change` does so on every save (the app's `last_updated`).
    """

    description = "timestamp stored as TEXT"

    def __init__(
        self, *args: Any, set_on_create: bool = False, set_on_change: bool = False, **kwargs: Any
    ) -> None:
        self.set_on_create = set_on_create
        self.set_on_change = set_on_change
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.set_on_create:
            kwargs["set_on_create"] = True
        if self.set_on_change:
            kwargs["set_on_change"] = True
        return name, path, args, kwargs

    def db_type(self, connection: Any) -> str:
        return "text"

    def cast_db_type(self, connection: Any) -> str:
        return "text"

    def get_internal_type(self) -> str:
        # Not "DateTimeField": the sqlite3 backend's converter would try to
        # parse the text itself and fail on the `Z` form.
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return encodings.read_stored_timestamp(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, encodings.UnparsedTimestamp | datetime) or value is None:
            return value
        if isinstance(value, str):
            try:
                return encodings.parse_node_timestamp(value)
            except ValueError:
                pass
        return super().to_python(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # A value the caller assigned wins: imports and restores carry the
        # app's own timestamps and must keep them.
        value = getattr(model_instance, self.attname)
        is_unset = value is None or isinstance(value, models.expressions.DatabaseDefault)
        loaded = getattr(model_instance, "_loaded_values", None)
        untouched_since_read = loaded is not None and loaded.get(self.attname) is value
        if (self.set_on_create and add and is_unset) or (
            self.set_on_change and (untouched_since_read or (add and is_unset))
        ):
            value = encodings.node_now()
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, models.expressions.Expression):
            return value
        return encodings.write_timestamp(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if prepared:
            return value
        return self.get_prep_value(value)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else encodings.write_timestamp(value) or ""

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        if isinstance(value, encodings.UnparsedTimestamp):
            loaded = getattr(model_instance, "_loaded_values", None) or {}
            if value == loaded.get(self.attname):
                return
            raise exceptions.ValidationError(f"{value!r} is not a timestamp.", code="invalid")
        super().validate(value, model_instance)


@functools.cache
def bookkeeping_field_names(model: type[models.Model]) -> frozenset[str]:
    """The timestamps the system maintains on `model` (NodeTimestampField
    with set_on_change or set_on_create): a change to them alone is not an
    edit, and no one restores or imports them as content."""
    return frozenset(
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, NodeTimestampField) and (field.set_on_change or field.set_on_create)
    )


def change_timestamp_field(model: type[models.Model]) -> NodeTimestampField | None:
    """The timestamp every change moves on (`last_updated`), if `model` has one."""
    for field in model._meta.concrete_fields:
        if isinstance(field, NodeTimestampField) and field.set_on_change:
            return field
    return None


# Comparisons on timestamps normalise both stored formats first: compared as
# raw text, `2026-01-13T...` sorts after `2026-01-13 23:59:59`.
_NORMALIZED_TIMESTAMP_SQL = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', {})"


def _normalized_timestamp_param(value: Any) -> Any:
    if isinstance(value, str):
        value = encodings.parse_node_timestamp(value)
    if isinstance(value, datetime):
        text = encodings.format_node_timestamp(value)
        return text[:10] + " " + text[11:23]
    return value


class _NormalizedTimestampLookup:
    def process_lhs(self, compiler: Any, connection: Any, lhs: Any = None) -> Any:
        sql, params = super().process_lhs(compiler, connection, lhs)  # type: ignore[misc]
        return _NORMALIZED_TIMESTAMP_SQL.format(sql), params

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        if self.get_db_prep_lookup_value_is_iterable:  # type: ignore[attr-defined]
            return ("%s", [_normalized_timestamp_param(v) for v in value])
        return ("%s", [_normalized_timestamp_param(value)])


def _register_timestamp_lookups() -> None:
    for base in (
        lookups.Exact,
        lookups.GreaterThan,
        lookups.GreaterThanOrEqual,
        lookups.LessThan,
        lookups.LessThanOrEqual,
        lookups.Range,
    ):
        lookup = type(
            f"NormalizedTimestamp{base.__name__}",
            (_NormalizedTimestampLookup, base),
            {"prepare_rhs": False},
        )
        NodeTimestampField.register_lookup(lookup)


_register_timestamp_lookups()


class IntBooleanField(models.BooleanField):
    """A boolean stored as INTEGER 0/1, as the Node app does."""

    def db_type(self, connection: Any) -> str:
        return "integer"

    def cast_db_type(self, connection: Any) -> str:
        return "integer"
