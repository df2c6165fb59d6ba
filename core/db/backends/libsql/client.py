from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db.backends.sqlite3.client import DatabaseClient as SQLiteDatabaseClient


class DatabaseClient(SQLiteDatabaseClient):
    @classmethod
    def settings_to_cmd_args_env(
        cls, settings_dict: dict[str, Any], parameters: list[str]
    ) -> tuple[list[str], dict[str, str] | None]:
        if (settings_dict.get("OPTIONS") or {}).get("url"):
            raise CommandError(
                "dbshell opens local SQLite files only; for a Turso database use `turso db shell`."
            )
        return super().settings_to_cmd_args_env(settings_dict, parameters)
