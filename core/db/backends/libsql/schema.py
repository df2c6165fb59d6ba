"""Schema editor.

Django's sqlite3 editor works remotely as is: the server stream keeps
`PRAGMA foreign_keys = OFF` (set in `__enter__`) between requests, and
savepoints are plain SQL. What changes: on exit, Django checks foreign keys
across the whole database and fails on any dangling reference. The Node
app's database has such rows already, so adopting it would be impossible;
this editor fails only on violations its own changes introduced.
"""

from __future__ import annotations

from types import TracebackType

from django.db import IntegrityError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.sqlite3.schema import DatabaseSchemaEditor as SQLiteDatabaseSchemaEditor

# (table, rowid, referenced table, foreign key index) from PRAGMA foreign_key_check.
Violation = tuple[str, int | None, str, int]


class DatabaseSchemaEditor(SQLiteDatabaseSchemaEditor):
    def __enter__(self) -> DatabaseSchemaEditor:
        editor = super().__enter__()
        self._violations_before = self._foreign_key_violations()
        return editor

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                try:
                    self._refuse_new_violations()
                except IntegrityError as error:
                    # Roll the schema change back before reporting it.
                    BaseDatabaseSchemaEditor.__exit__(
                        self, IntegrityError, error, error.__traceback__
                    )
                    raise
            BaseDatabaseSchemaEditor.__exit__(self, exc_type, exc_value, traceback)
        finally:
            self.connection.enable_constraint_checking()

    def _foreign_key_violations(self) -> set[Violation]:
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            return {tuple(row) for row in cursor.fetchall()}

    def _refuse_new_violations(self) -> None:
        new = sorted(self._foreign_key_violations() - self._violations_before, key=repr)
        if new:
            table, rowid, referenced_table, _index = new[0]
            raise IntegrityError(
                f"The schema change left {len(new)} row(s) with an invalid foreign key, e.g. "
                f"the row with rowid {rowid} in table {table!r} points at a missing row of "
                f"{referenced_table!r}."
            )
