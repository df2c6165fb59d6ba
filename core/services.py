"""Writes owned by core: the admin's own first user."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True)
class CreatedSuperuser:
    username: str
    generated_password: str | None


def ensure_first_superuser(*, environ: Mapping[str, str]) -> CreatedSuperuser | None:
    """Create a superuser unless one exists; None when there already is one.

    The password comes from DJANGO_SUPERUSER_PASSWORD, or is generated and
    returned so the caller can show it once.
    """
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.filter(is_superuser=True).exists():
            return None
        username = (environ.get("DJANGO_SUPERUSER_USERNAME") or "admin").strip()
        if not username:
            raise ValueError("DJANGO_SUPERUSER_USERNAME is empty.")
        password = environ.get("DJANGO_SUPERUSER_PASSWORD") or ""
        generated = None
        if not password:
            generated = password = secrets.token_urlsafe(12)
        if user_model.objects.filter(username=username).exists():
            raise ValueError(
                f"A user named {username!r} exists but is not a superuser; "
                "set DJANGO_SUPERUSER_USERNAME to another name."
            )
        user_model.objects.create_superuser(
            username=username, email=environ.get("DJANGO_SUPERUSER_EMAIL", ""), password=password
        )
    return CreatedSuperuser(username=username, generated_password=generated)
