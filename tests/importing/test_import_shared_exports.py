"""The real exports in ../shared import with skip-invalid, every known fault reported."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from importing.services import import_files
from importing.sources import read_paths
from interview.models import Question, QuestionHistory
from tests.support.import_records import raw_row
from tests.support.shared_data import EXPORTS_DIR, require_shared

pytestmark = pytest.mark.django_db(transaction=True)

INVALID_JSON_FILES = {
    "questions/aws-networking-specialty-network-design-intermediate/question-001.json",
    "questions/new-gcp-devops-advanced-question/general/question-001.json",
}


def test_shared_exports_import_with_every_fault_reported() -> None:
    require_shared(EXPORTS_DIR)
    report = import_files(files=read_paths(paths=[EXPORTS_DIR]), user_label="cli", dry_run=False, skip_invalid=True)
    assert report.committed and report.error is None

    # Both files that are not JSON, with the parser's position.
    unreadable = {p.file: p.reason for p in report.file_problems}
    assert set(unreadable) == INVALID_JSON_FILES
    assert all("line" in reason and "column" in reason for reason in unreadable.values())

    questions = report.models["questions"]
    problems = questions.problems
    # Each id that appears twice, every occurrence named.
    duplicated = Counter(p.record_id for p in problems if "appears more than once" in p.reason)
    assert duplicated == {"q-11701": 2, "q-11800": 2}
    # Each record missing a required field (102 in the README).
    incomplete = {(p.file, p.record) for p in problems if "more than once" not in p.reason}
    assert len(incomplete) == 102
    assert questions.invalid_records == 102 + 4
    # Nothing is dropped without being counted.
    assert questions.received == questions.created + questions.updated + questions.unchanged + questions.invalid_records
    assert questions.created == Question.objects.count() == 8542
    assert QuestionHistory.objects.filter(event_source="import").count() == 8542
    assert questions.ignored_keys == {"options": 12, "certificationId": 13, "domain": 13, "_sanitized": 3}
    assert report.skipped_files == [
        ("meta/channels.json", "channel counts are derived from the questions; nothing to import")
    ]
    # No timestamp is left in SQLite's form.
    assert not Question.objects.filter(created_at__contains=" ").exists()
    for name in ("certifications", "learning-paths", "voice-sessions"):
        assert report.models[name].invalid_records == 0, name
        assert report.models[name].created > 0, name


def test_cli_refuses_by_default_and_writes_the_report(tmp_path) -> None:
    require_shared(EXPORTS_DIR)
    report_path = tmp_path / "report.json"
    questions_dir = EXPORTS_DIR / "questions" / "aws-networking-specialty-network-design-intermediate"
    with pytest.raises(CommandError, match="Import refused"):
        call_command("import_content", str(questions_dir), str(EXPORTS_DIR / "certifications.json"), report=str(report_path))
    data = json.loads(report_path.read_text())
    assert [p["file"] for p in data["problems"]] == ["question-001.json"]
    assert Question.objects.count() == 0
    assert raw_row("certifications", "aws-ai-practitioner") == {}
