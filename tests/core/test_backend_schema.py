"""Introspection and the schema editor (including SQLite's table rebuild)
on the default database, local and remote."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, models
from django.test.utils import isolate_apps

pytestmark = [pytest.mark.sqld, pytest.mark.django_db(transaction=True)]


def test_introspection_of_djangos_own_tables() -> None:
    with connection.cursor() as cursor:
        tables = {table.name for table in connection.introspection.get_table_list(cursor)}
        assert {"auth_user", "auth_group", "django_session", "django_content_type"} <= tables
        columns = {
            column.name
            for column in connection.introspection.get_table_description(cursor, "auth_user")
        }
        assert {"id", "username", "password", "last_login"} <= columns
        assert connection.introspection.get_primary_key_column(cursor, "auth_user") == "id"
        relations = connection.introspection.get_relations(cursor, "auth_user_groups")
        assert relations["group_id"] == ("id", "auth_group")
        constraints = connection.introspection.get_constraints(cursor, "auth_user")
        assert any(c["unique"] and c["columns"] == ["username"] for c in constraints.values())
        assert connection.introspection.get_sequences(cursor, "auth_user") == [
            {"table": "auth_user", "column": "id"}
        ]


def test_schema_editor_creates_rebuilds_and_drops_tables() -> None:
    with isolate_apps("core"):

        class Shelf(models.Model):
            label = models.CharField(max_length=20)

            class Meta:
                app_label = "core"
                db_table = "backend_test_shelf"

            def __str__(self) -> str:
                return self.label

        class Book(models.Model):
            shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)
            title = models.CharField(max_length=50)

            class Meta:
                app_label = "core"
                db_table = "backend_test_book"

            def __str__(self) -> str:
                return self.title

    try:
        with connection.schema_editor() as editor:
            editor.create_model(Shelf)
            editor.create_model(Book)
        shelf = Shelf.objects.create(label="a")
        Book.objects.create(shelf=shelf, title="first")

        longer_title = models.CharField(max_length=200, null=True)
        longer_title.set_attributes_from_name("title")
        longer_title.model = Book
        with connection.schema_editor() as editor:
            # NOT NULL -> NULL rebuilds the table (_remake_table).
            editor.alter_field(Book, Book._meta.get_field("title"), longer_title)

        with connection.cursor() as cursor:
            description = {
                column.name: column
                for column in connection.introspection.get_table_description(
                    cursor, "backend_test_book"
                )
            }
            cursor.execute('SELECT title, shelf_id FROM "backend_test_book"')
            assert cursor.fetchall() == [("first", shelf.pk)]
        assert description["title"].null_ok
        assert connection.introspection.get_relations(connection.cursor(), "backend_test_book") == {
            "shelf_id": ("id", "backend_test_shelf")
        }
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Book)
            editor.delete_model(Shelf)
    with connection.cursor() as cursor:
        assert "backend_test_book" not in connection.introspection.table_names(cursor)


def test_schema_editor_tolerates_old_dangling_references_but_not_new_ones() -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE TABLE "backend_test_parent" (id INTEGER PRIMARY KEY)')
        cursor.execute(
            'CREATE TABLE "backend_test_child" (id INTEGER PRIMARY KEY, '
            'parent_id INTEGER REFERENCES "backend_test_parent" (id))'
        )
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute('INSERT INTO "backend_test_child" (parent_id) VALUES (404)')
        cursor.execute("PRAGMA foreign_keys = ON")
    try:
        with connection.schema_editor() as editor:
            editor.execute('CREATE TABLE "backend_test_other" (id INTEGER PRIMARY KEY)')
        with pytest.raises(IntegrityError, match="backend_test_child"):
            with connection.schema_editor() as editor:
                editor.execute('INSERT INTO "backend_test_child" (parent_id) VALUES (405)')
        with connection.cursor() as cursor:
            cursor.execute('SELECT parent_id FROM "backend_test_child"')
            assert cursor.fetchall() == [(404,)]
    finally:
        with connection.cursor() as cursor:
            for table in ("backend_test_other", "backend_test_child", "backend_test_parent"):
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
