from __future__ import annotations

from django.db.backends.sqlite3.features import DatabaseFeatures as SQLiteDatabaseFeatures
from django.utils.functional import cached_property


class DatabaseFeatures(SQLiteDatabaseFeatures):
    # JSON1 is built into SQLite since 3.38 and into every libSQL server;
    # Django's probe would cost three round trips remotely.
    supports_json_field = True
    can_introspect_json_field = True
    has_json_object_function = True
    # SQLite >= 3.32 and sqld 0.24 (SQLite 3.45) bind up to 32,766 parameters.
    max_query_params = 32766

    @cached_property
    def can_clone_databases(self) -> bool:
        # Parallel test runs copy the database file; a server cannot be copied.
        return not self.connection.is_remote
