"""Django's `diffsettings`, with secret values redacted.

Django's own command prints every setting as repr(), SECRET_KEY and the
Turso auth token (DATABASES OPTIONS) included; operators paste this output
into tickets.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.diffsettings import Command as DjangoDiffSettings

from config.logging import redact


class Command(DjangoDiffSettings):
    def handle(self, **options: Any) -> str:
        return redact(super().handle(**options))
