from __future__ import annotations

from django.db.backends.sqlite3.introspection import (
    DatabaseIntrospection as SQLiteDatabaseIntrospection,
)

# libSQL server tables that are not part of the application's schema.
SERVER_INTERNAL_TABLE_PREFIXES = ("libsql_", "_litestream")


class DatabaseIntrospection(SQLiteDatabaseIntrospection):
    def get_table_list(self, cursor):  # noqa: ANN001, ANN201 - Django's signature
        return [
            table
            for table in super().get_table_list(cursor)
            if not table.name.startswith(SERVER_INTERNAL_TABLE_PREFIXES)
        ]
