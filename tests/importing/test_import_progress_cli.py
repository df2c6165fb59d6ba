"""`import_content` shows its progress off a terminal too (a log file, a CI
job): plain lines, where a terminal gets a bar redrawn in place."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.support.import_records import question_record

pytestmark = pytest.mark.django_db(transaction=True)


def _import(tmp_path: Path, stderr: io.StringIO) -> str:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([question_record(n) for n in range(1, 2501)]))
    call_command("import_content", str(path), stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue()


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    lines = _import(tmp_path, io.StringIO()).splitlines()
    assert "\r" not in "".join(lines)
    assert lines[0] == "checking questions: 0/2,500"
    assert "checking questions: 2,500/2,500" in lines
    assert lines[-1] == "writing questions: 2,500/2,500"
    assert len(lines) == len(set(lines))  # no line twice

