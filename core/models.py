"""The shared model base and the Node app's own `users` table."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models

from core.fields import TextColumnField


class NodeModel(models.Model):
    """Base for every table shared with the Node app.

    Remembers the values each row had when it was read, so services can
    write only what changed (`changed_fields`), detect a concurrent edit, and
    let a stored value outside the known choices be saved back unchanged.
    """

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> NodeModel:
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def changed_fields(self) -> list[str]:
        """Names of concrete fields whose value differs from what was read."""
        loaded: dict[str, Any] = getattr(self, "_loaded_values", None) or {}
        return [
            field.name
            for field in self._meta.concrete_fields
            if field.attname in loaded
            and _as_stored(field, getattr(self, field.attname)) != _as_stored(field, loaded[field.attname])
        ]


def _as_stored(field: models.Field, value: Any) -> Any:
    """Compare values as they would be written, so 1.0 and 1 or two spellings of JSON agree."""
    try:
        return field.get_prep_value(value)
    except (TypeError, ValueError):
        return value


def new_uuid() -> str:
    """UUID strings as the Node app's `crypto.randomUUID()` writes them."""
    return str(uuid.uuid4())


class AppUser(NodeModel):
    """A user of the public Node app (not a user of this admin)."""

    id = TextColumnField(primary_key=True, default=new_uuid, editable=False)
    username = TextColumnField(unique=True)
    password = TextColumnField(help_text="Stored as a hash; never shown.")

    class Meta:
        db_table = "users"
        verbose_name = "app user"
        verbose_name_plural = "app users"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)
