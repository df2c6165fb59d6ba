"""Which database holds what: the Node app's content, or the admin's own state.

The shared content database belongs to the Node app: its schema tool
(`drizzle-kit push`) drops every table it does not declare. So it holds the
app's 12 tables and nothing else, and the admin keeps everything of its own
(Django's tables, login throttling, import uploads, migration records) in a
second database. `CONTENT_DB` is the alias of the first; Django's `default`
is the second, so `migrate`, sessions, auth and the admin log need no
`using=` anywhere.

Content models are recognised by their base class (`NodeModel`), so a new
table of the app is routed by declaring it, not by editing a list here.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.connection import ConnectionProxy

ADMIN_DB = DEFAULT_DB_ALIAS
CONTENT_DB = "content"

# `from core.databases import content_connection` reads like Django's own
# `connection`, for the raw SQL that works on the app's tables.
content_connection = ConnectionProxy(connections, CONTENT_DB)


def round_trip_seconds(connection: Any) -> float:
    """Time of one `SELECT 1`, on a connection opened first (opening is not timed).

    The health check and `db_status` both report this, so they agree."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT 1")
        cursor.fetchall()
        return time.perf_counter() - started


def is_content_model(model: type) -> bool:
    from core.models import NodeModel

    return isinstance(model, type) and issubclass(model, NodeModel)


class ContentRouter:
    """Content models to `CONTENT_DB`, everything else to the admin database.

    `allow_migrate` says where each model's table belongs, as Django's
    multi-database routers do (flush, dumpdata and test databases read it).
    `migrate` itself never touches the content database: `dbops` refuses
    `migrate --database content`, because the content schema is the schema
    contract's business (`db_push`) and a migration record there would be a
    table the Node app's schema tool drops.
    """

    def db_for_read(self, model: type, **hints: Any) -> str:
        return CONTENT_DB if is_content_model(model) else ADMIN_DB

    db_for_write = db_for_read

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Rows of the two databases never point at each other with a foreign
        # key; they name each other by id (a history row's `changed_by`).
        return is_content_model(type(obj1)) == is_content_model(type(obj2))

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        if model_name is None:
            # Data migrations (roles, permissions) are the admin's own.
            return db != CONTENT_DB
        # Migrations hand over historical models, which do not inherit from
        # NodeModel: decide on the model as the code declares it today.
        from django.apps import apps

        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            # A model that has since moved to another app (its old app's
            # migrations still create it): the model on the same table today.
            model = _model_on_table(getattr(hints.get("model"), "_meta", None))
            if model is None:
                return db != CONTENT_DB
        return is_content_model(model) == (db == CONTENT_DB)


def _model_on_table(historical_meta: Any) -> type | None:
    from django.apps import apps

    if historical_meta is None:
        return None
    return next((m for m in apps.get_models() if m._meta.db_table == historical_meta.db_table), None)
