"""Load the project's demo content (used by `make run` on a fresh machine)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.content import database_is_empty, load_demo_content


class Command(BaseCommand):
    help = (
        "Load a small demo set (questions in two channels, a certification, a learning "
        "path, a voice session, queue items, bot runs, history). Only into an empty "
        "embedded database: it never touches a database that already has questions or "
        "a remote Turso database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database is remote or already has questions.",
        )

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        remote = bool(settings.DATABASES["content"].get("OPTIONS", {}).get("url"))
        reason = None
        if remote:
            reason = "the database is a remote libSQL server"
        elif settings.READ_ONLY:
            reason = "the database is read-only"
        elif not database_is_empty():
            reason = "the database already has questions"
        if reason:
            if if_empty:
                self.stdout.write(f"Not loading demo content: {reason}.")
                return
            raise CommandError(f"Refusing to load demo content: {reason}.")
        counts = load_demo_content()
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded demo content: {summary}."))
