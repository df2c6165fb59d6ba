from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.management.base import CommandError


class DbopsConfig(AppConfig):
    """Database operations: status, schema contract and sync, backup, moves."""

    name = "dbops"
    verbose_name = "Database operations"

    def ready(self) -> None:
        from django.db.models.signals import pre_migrate

        pre_migrate.connect(refuse_migrating_content, dispatch_uid="refuse_migrating_content")


def refuse_migrating_content(sender: Any, using: str, plan: Any = None, **kwargs: Any) -> None:
    """`migrate --database content` would leave Django's migration records in
    the Node app's database, where its schema tool drops them and every table
    it does not know. The content schema is `db_push`'s business."""
    from core.databases import CONTENT_DB

    if using == CONTENT_DB and plan:
        raise CommandError(
            "migrate manages only the admin database; the content database's schema is "
            "created and synced by `manage.py db_push`."
        )
