"""What can be imported and exported, keyed the way the Node app's exports are.

The engine knows no content app: each app describes its own tables in its
`importing.py` module (`register(ModelSpec(...))`), found the way the admin
finds `admin.py` modules, on first use of the registry. Looking them up
lazily means no app's `ready()` has to run before another's, and nothing
computes a list of specs while the registry is still empty.

What is particular to a table travels with its spec as hooks the engine
calls (`ImportHistory`, `ChangeGuard`, `IdSequence`, `on_written`,
`mark_change`), so the engine has one code path for every table.

Column names are the app's camelCase keys (`subChannel`, `lastUpdated`);
foreign keys get an `Id` suffix (`questionId`, `sourceQuestionId`) as the
app's Drizzle schema names them. Writes follow the foreign keys: a table
is written after every registered table it refers to (`import_order`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules

from core.fields import NodeTimestampField, bookkeeping_field_names, change_timestamp_field

# The module each app registers its specs in.
SPEC_MODULE = "importing"

# The permissions every app's specs are gated by: importing and exporting
# are one activity whatever the table, granted once (the Importers role,
# core/roles.py). Declared on the importer's own model (ImportUpload.Meta).
IMPORT_PERMISSION = "importing.import_content"
EXPORT_PERMISSION = "importing.export_content"


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def column_key(model_field: models.Field) -> str:
    """The export key of a concrete field: `sub_channel` -> `subChannel`, FK `question` -> `questionId`."""
    if model_field.is_relation:
        return camel_case(model_field.name) + "Id"
    return camel_case(model_field.name)


# --------------------------------------------------------------------------
# Hooks an app gives its spec


@dataclass(frozen=True, kw_only=True)
class ImportHistory:
    """How a table records what an import did: one row per created or
    updated record, inserted into `table` with `columns` (column names, in
    the order of the tuples the row builders return).

    - `created_row(record_id=, source_name=, changed_fields=, after=, metadata=, created_at=)`:
      the row of a created record; `changed_fields`, `after` (the new row,
      every field) and `metadata` come as encoded JSON text;
    - `updated_row(record_id=, source_name=, changed_fields=, before=, after=, metadata=, created_at=)`:
      the row of an updated record; `changed_fields` a list of field names,
      `before`/`after` dicts of their values as `snapshot_value` gives them;
    - `snapshot_value(field, value)`: a value as a history snapshot holds it.
    """

    table: str
    columns: tuple[str, ...]
    created_row: Callable[..., tuple[Any, ...]]
    updated_row: Callable[..., tuple[Any, ...]]
    snapshot_value: Callable[[models.Field, Any], Any]


@dataclass(frozen=True, kw_only=True)
class ChangeGuard:
    """A field of stored rows that only some may change through an import.

    `may_change(actor)` says whether the importing actor may; a record that
    would change the field otherwise is refused with `rule` as the reason.
    A new row arrives with the value its record gives.
    """

    field: str
    may_change: Callable[[Any], bool]
    rule: str


@dataclass(frozen=True, kw_only=True)
class IdSequence:
    """Ids `<prefix><n>` given to new records without one (on request):
    numbering continues after the highest stored (`highest_stored()`) and
    the highest the import's own records give."""

    prefix: str
    highest_stored: Callable[[], int]

    def new_ids(self, given: Iterable[Any]) -> Iterator[str]:
        highest = self.highest_stored()
        start = len(self.prefix)
        for value in given:
            if isinstance(value, str) and value.startswith(self.prefix) and value[start:].isdigit():
                highest = max(highest, int(value[start:]))
        while True:
            highest += 1
            yield f"{self.prefix}{highest}"


# --------------------------------------------------------------------------
# The spec


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """One importable/exportable table, as its app describes it."""

    name: str  # as on the command line and in file names: "learning-paths"
    model: type[models.Model]
    # The permissions ("app_label.codename") that gate importing and exporting
    # it: the importer's bulk-content pair unless a table needs its own.
    import_permission: str = IMPORT_PERMISSION
    export_permission: str = EXPORT_PERMISSION
    # The django-import-export resource that renders its rows for export.
    resource: type | None = None
    importable: bool = True
    # Fields that identify a row when the record carries no primary key.
    natural_key: tuple[str, ...] = ()
    # Extra values for a record that creates a row (derived from the record).
    create_defaults: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Names of the files (without extension) and folders of the app's export tree holding it.
    file_stems: tuple[str, ...] = ()
    file_folders: tuple[str, ...] = ()
    # Sets of record keys that tell a file of unknown name holds this table.
    recognized_by: tuple[frozenset[str], ...] = ()
    history: ImportHistory | None = None
    guard: ChangeGuard | None = None
    id_sequence: IdSequence | None = None
    # Called with the primary keys of the rows an import created or updated,
    # inside its transaction (before the commit).
    on_written: Callable[[list[Any]], None] | None = None
    # How the preview marks the words changed between two texts: HTML of
    # (before, after), escaped. Without it the values are shown unmarked.
    mark_change: Callable[[str, str], tuple[str, str]] | None = None
    columns: dict[str, models.Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "columns", {column_key(f): f for f in self.model._meta.concrete_fields}
        )

    @property
    def writes_history(self) -> bool:
        return self.history is not None

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def pk_field(self) -> models.Field:
        return self.model._meta.pk

    @property
    def pk_is_generated(self) -> bool:
        return isinstance(self.pk_field, models.AutoField)

    @property
    def bookkeeping_fields(self) -> frozenset[str]:
        """Timestamps the system maintains: a change to them alone is not an edit."""
        return bookkeeping_field_names(self.model)

    @property
    def change_timestamp_field(self) -> NodeTimestampField | None:
        """The timestamp every change moves on (`last_updated`), if the table has one."""
        return change_timestamp_field(self.model)

    @property
    def referenced_models(self) -> tuple[type[models.Model], ...]:
        """The models its foreign keys point to."""
        return tuple(
            f.related_model for f in self.model._meta.concrete_fields if f.is_relation and f.related_model
        )

    def required_columns(self) -> list[str]:
        """Keys a record must carry to create a row: NOT NULL without any default."""
        required = []
        for key, model_field in self.columns.items():
            if model_field.primary_key and self.pk_is_generated:
                continue
            if model_field.null or model_field.has_default() or model_field.has_db_default():
                continue
            if isinstance(model_field, NodeTimestampField) and model_field.set_on_create:
                continue
            required.append(key)
        return required


# --------------------------------------------------------------------------
# The registry


class SpecRegistry(Mapping[str, ModelSpec]):
    """Spec name -> spec, filled from the apps' `importing` modules on first read."""

    def __init__(self) -> None:
        self._specs: dict[str, ModelSpec] = {}
        self._discovered = False
        self._discovering = False
        self._lock = threading.RLock()
        self._order: list[str] | None = None

    def register(self, spec: ModelSpec) -> ModelSpec:
        with self._lock:
            for other in self._specs.values():
                if other.name != spec.name and other.model is spec.model:
                    raise ImproperlyConfigured(f"{spec.model.__name__} has two import specs: {other.name}, {spec.name}")
            if spec.name in self._specs and self._specs[spec.name] != spec:
                raise ImproperlyConfigured(f"two import specs are named {spec.name!r}")
            self._specs[spec.name] = spec
            self._order = None
        return spec

    def unregister(self, name: str) -> None:
        with self._lock:
            self._specs.pop(name, None)
            self._order = None

    @contextlib.contextmanager
    def registered(self, spec: ModelSpec) -> Iterator[ModelSpec]:
        """`spec` registered for the duration, in place of any spec of its
        name (tests, one-off tools); the previous one is back afterwards."""
        self._discover()
        with self._lock:
            before = dict(self._specs)
            self._specs.pop(spec.name, None)
            self.register(spec)
        try:
            yield spec
        finally:
            with self._lock:
                self._specs = before
                self._order = None

    def _discover(self) -> None:
        if self._discovered:
            return
        with self._lock:
            # Other threads wait here until every module is imported; a
            # spec module that reads the registry while it is being
            # imported (same thread) sees what is registered so far.
            if self._discovered or self._discovering:
                return
            self._discovering = True
            try:
                autodiscover_modules(SPEC_MODULE)
                self._discovered = True
            finally:
                self._discovering = False

    def __getitem__(self, name: str) -> ModelSpec:
        self._discover()
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(list(self._specs))

    def __len__(self) -> int:
        self._discover()
        return len(self._specs)

    def import_order(self) -> list[str]:
        """The importable specs' names in write order: each after every
        registered spec its foreign keys point to, otherwise in the order
        they were registered."""
        self._discover()
        with self._lock:
            if self._order is None:
                self._order = _after_references([s for s in self._specs.values() if s.importable])
            return list(self._order)


def _after_references(specs: list[ModelSpec]) -> list[ModelSpec]:
    by_model = {spec.model: spec for spec in specs}
    waiting_on = {
        spec.name: {by_model[m].name for m in spec.referenced_models if m in by_model and m is not spec.model}
        for spec in specs
    }
    ordered: list[str] = []
    remaining = [spec.name for spec in specs]
    while remaining:
        ready = next((name for name in remaining if not waiting_on[name] - set(ordered)), None)
        if ready is None:
            raise ImproperlyConfigured(f"the import specs {', '.join(remaining)} refer to each other in a cycle")
        ordered.append(ready)
        remaining.remove(ready)
    return ordered


SPECS = SpecRegistry()
register = SPECS.register


def import_order() -> list[str]:
    """The importable specs' names in the order an import writes them."""
    return SPECS.import_order()


# Files in the app's export tree that are derived data, not content to import.
DERIVED_FILES = {"channels.json": "channel counts are derived from the questions; nothing to import"}


def assign_ids_help() -> str:
    """What assigning ids does, from the specs that number new records:
    `give questions without an id the next q-<n> ids`."""
    numbered = [SPECS[name] for name in import_order() if SPECS[name].id_sequence is not None]
    if not numbered:
        return "no table numbers records without an id"
    return "; ".join(
        f"give {spec.label} without an id the next {spec.id_sequence.prefix}<n> ids" for spec in numbered
    )


def spec_for_model(model: type[models.Model]) -> ModelSpec:
    for spec in SPECS.values():
        if spec.model is model:
            return spec
    raise LookupError(f"{model.__name__} is not importable or exportable")


def spec_named(name: str) -> ModelSpec:
    normalized = name.strip().lower().replace("_", "-")
    for spec in SPECS.values():
        if normalized in (spec.name, spec.name.rstrip("s"), spec.model._meta.model_name):
            return spec
    raise LookupError(f"unknown model {name!r}; choose one of {', '.join(import_order())}")
