"""Create the first superuser if there is none (used by `make run`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.services import ensure_first_superuser


class Command(BaseCommand):
    help = (
        "Create a first superuser when the database has none. Uses "
        "DJANGO_SUPERUSER_USERNAME/DJANGO_SUPERUSER_PASSWORD, or generates a password "
        "and prints it once. Never changes an existing user."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if settings.READ_ONLY:
            self.stdout.write("Read-only database: not creating a superuser.")
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
