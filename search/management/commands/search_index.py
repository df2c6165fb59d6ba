"""`manage.py search_index`: build the question search index, or say how fresh it is."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from dbops.management.commands._db_command import DatabaseCommand
from search import index
from search.models import IndexState


class Command(DatabaseCommand):
    help = (
        "--rebuild: build the question search index from the content database, in the admin "
        "database (searches read the previous index until the new one is complete). --status: "
        "when it was built and last compared with the content, and how many questions differ. "
        "Never writes to the content database."
    )

    def add_arguments(self, parser: Any) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="Build the whole index again.")
        action.add_argument("--status", action="store_true", help="How fresh the index is (reads only).")
        parser.add_argument("--quiet", action="store_true", help="No progress display.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            self._rebuild(quiet=options["quiet"])
        else:
            self._status()

    def _rebuild(self, *, quiet: bool) -> None:
        write = self.progress_writer(quiet=quiet)
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if write:
                share = 100 * done // total if total else 100
                write(f"{done:,}/{total:,} questions ({share}%) {time.perf_counter() - started:.1f} s")

        count = index.rebuild(progress=progress)
        self.end_progress(quiet=quiet)
        self.stdout.write(f"Indexed {count:,} questions in {time.perf_counter() - started:.1f} s.")

    def _status(self) -> None:
        state = IndexState.objects.filter(pk=1).first()
        if state is None or state.built_at is None and state.checked_at is None:
            raise CommandError("The search index has never been built: run `manage.py search_index --rebuild`.")
        now = timezone.now()

        def ago(moment: Any) -> str:
            return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S} UTC ({(now - moment).total_seconds():,.0f} s ago)"

        drift = index.find_drift()
        indexed = index.indexed_count()
        self.stdout.write(f"Built:         {ago(state.built_at)}")
        self.stdout.write(f"Last compared: {ago(state.checked_at)}")
        self.stdout.write(f"{indexed:,} questions indexed, {index.content_count():,} in the content database")
        if drift.count:
            self.stdout.write(
                f"{drift.count:,} question(s) out of date ({len(drift.stale):,} new or changed, "
                f"{len(drift.removed):,} gone); a serving site syncs them within a minute."
            )
        else:
            self.stdout.write("In step with the content.")
