"""Create the first superuser if there is none (used by `make run`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.databases import CONTENT_DB
from core.services import ensure_first_superuser
from dbops.admin_tables_move import holds_admin_tables


class Command(BaseCommand):
    help = (
        "Create a first superuser when the database has none. Uses "
        "DJANGO_SUPERUSER_USERNAME/DJANGO_SUPERUSER_PASSWORD, or generates a password "
        "and prints it once. Never changes an existing user."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if holds_admin_tables(content=connections[CONTENT_DB]):
            self.stdout.write(
                "The shared database still holds the admin tables of an earlier version: not "
                "creating a superuser. Move them first: "
                ".venv/bin/python manage.py move_admin_tables --dry-run, then without --dry-run."
            )
            return
        try:
            outcome = ensure_first_superuser(environ=settings.ENV)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if outcome is None:
            self.stdout.write("A superuser already exists; nothing to do.")
            return
        self.stdout.write(self.style.SUCCESS(f"Created superuser {outcome.username!r}."))
        if outcome.generated_password:
            self.stdout.write(
                "Generated password (shown once, store it now): "
                + self.style.WARNING(outcome.generated_password)
            )
