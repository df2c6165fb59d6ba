"""What counts as a data-quality problem in a question, written once.

The home page counts these problems (`count_problems`) and links each count
to the questions list filtered by the same condition (interview/filters.py
`InvalidJSONFilter`, `HasExplanationFilter`, `HasDiagramFilter`), so the
number shown and the rows listed never disagree.

- a JSON column (tags, companies, ...) holding text that is not JSON: older
  code paths of the Node app wrote `react, javascript` or `''`;
- no explanation, or no diagram.

Deleted questions are left out, as the questions list leaves them out by default.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.lookups import Exact

from core.fields import NodeJSONField
from interview.models import Question, QuestionStatus


class JSONValid(models.Func):
    """SQLite's (and libSQL's) `json_valid(text)`: 1 when the text is JSON."""

    function = "json_valid"
    output_field = models.IntegerField()


def json_columns() -> list[tuple[str, str]]:
    """(field name, label) of every JSON column of a question, in the model's order."""
    return [
        (field.name, str(field.verbose_name))
        for field in Question._meta.concrete_fields
        if isinstance(field, NodeJSONField)
    ]


def invalid_json(field_name: str) -> models.Q:
    """The column holds something, and it is not JSON."""
    return models.Q(**{f"{field_name}__isnull": False}) & models.Q(Exact(JSONValid(field_name), 0))


def missing_text(field_name: str) -> models.Q:
    return models.Q(**{f"{field_name}__isnull": True}) | models.Q(**{field_name: ""})


def not_deleted() -> models.Q:
    # NULL and unknown statuses count as live, as the app treats them.
    return ~models.Q(status=QuestionStatus.DELETED)


@dataclass(frozen=True)
class ProblemCounts:
    question_total: int
    invalid_json: dict[str, int]  # field name -> questions whose column is not JSON
    missing_explanation: int
    missing_diagram: int
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            "invalid_json": self.invalid_json,
            "missing_explanation": self.missing_explanation,
            "missing_diagram": self.missing_diagram,
        }


def count_problems() -> ProblemCounts:
    """Every problem above over all questions not deleted, in one query (one full read)."""
    started = time.perf_counter()
    aggregates: dict[str, Any] = {
        "question_total": models.Count("pk"),
        "missing_explanation": models.Count("pk", filter=missing_text("explanation")),
        "missing_diagram": models.Count("pk", filter=missing_text("diagram")),
    }
    for name, _ in json_columns():
        aggregates[f"invalid_json__{name}"] = models.Count("pk", filter=invalid_json(name))
    row = Question.objects.filter(not_deleted()).order_by().aggregate(**aggregates)
    return ProblemCounts(
        question_total=row["question_total"],
        invalid_json={name: row[f"invalid_json__{name}"] for name, _ in json_columns()},
        missing_explanation=row["missing_explanation"],
        missing_diagram=row["missing_diagram"],
        seconds=time.perf_counter() - started,
    )
