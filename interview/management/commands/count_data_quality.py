"""Count the questions' data-quality problems and keep the result for the home page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from interview import services


class Command(BaseCommand):
    help = (
        "Counts the questions' data-quality problems (JSON columns holding text that is not JSON, "
        "no explanation, no diagram) in one read of every question, and stores the result in the "
        "admin database, where the admin's home page shows it. Changes no content. Run it on a "
        "schedule, or use the home page's button."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.record_data_quality_count(counted_by="manage.py count_data_quality")
        problems = count.counts
        invalid = ", ".join(f"{name} {n}" for name, n in problems["invalid_json"].items() if n) or "none"
        self.stdout.write(
            f"Counted {count.question_total} questions (not deleted) in {count.seconds:.1f} s: "
            f"not valid JSON: {invalid}; no explanation: {problems['missing_explanation']}; "
            f"no diagram: {problems['missing_diagram']}."
        )
