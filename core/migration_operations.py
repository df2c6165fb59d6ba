"""Migration operations that adopt the Node app's existing tables.

The tables already exist on every real database (the Node app created them
with drizzle-kit and the bots' DDL). A plain CreateModel would fail there
with "table already exists"; a `--fake-initial` would skip the indexes and
depends on the operator remembering the flag. `AdoptOrCreateModel` creates
the table on an empty database and, on an existing one, leaves every row
and column as it is, adding only what is missing and purely additive:
nullable or defaulted columns and named indexes.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


class SchemaAdoptionError(RuntimeError):
    """The existing table lacks a column that cannot be added without a rebuild."""


class AdoptOrCreateModel(migrations.CreateModel):
    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.apps.get_model(app_label, self.name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            existing_tables = set(connection.introspection.table_names(cursor))
        if model._meta.db_table not in existing_tables:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        adopt_existing_table(schema_editor=schema_editor, model=model)

    def describe(self) -> str:
        return f"Adopt or create model {self.name}"


def adopt_existing_table(*, schema_editor: BaseDatabaseSchemaEditor, model: Any) -> None:
    connection = schema_editor.connection
    table = model._meta.db_table
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
        constraints = connection.introspection.get_constraints(cursor, table)
    quote = schema_editor.quote_name
    for field in model._meta.local_concrete_fields:
        if field.column in columns:
            continue
        if not field.null and not field.has_db_default():
            raise SchemaAdoptionError(
                f"Table {table} has no column {field.column}, which is NOT NULL without a default; "
                "adding it needs a table rebuild. Run `manage.py db_check` to see the drift."
            )
        definition, params = schema_editor.column_sql(model, field, include_default=True)
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD COLUMN {quote(field.column)} {definition}", params
        )
    for index in model._meta.indexes:
        if index.name not in constraints:
            schema_editor.execute(index.create_sql(model, schema_editor))
