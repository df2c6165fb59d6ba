"""Running the admin database's migrations to a point and back, for the
tests of migrations that move permissions between apps."""

from __future__ import annotations

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from core.databases import ADMIN_DB


def permission(dotted: str) -> Permission:
    """The Permission row of "app_label.codename"."""
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def migrate_admin_database(targets: list[tuple[str, str]] | None = None) -> None:
    """Migrate the admin database to `targets` (None: every app's latest)."""
    executor = MigrationExecutor(connections[ADMIN_DB])
    executor.migrate(targets if targets is not None else executor.loader.graph.leaf_nodes())
    # Content types and permissions were created and deleted behind the cache's back.
    ContentType.objects.clear_cache()


def reloaded(user: User) -> User:
    """A new instance of `user`: has_perm caches what it looked up."""
    return User.objects.get(pk=user.pk)
