"""Each app registers what it brings to the import engine; the engine
knows no content app and derives the write order from the foreign keys."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from importing.admin import ImportUploadForm
from importing.readers import SourceRecord
from importing.services import import_records
from importing.specs import (
    EXPORT_PERMISSION,
    IMPORT_PERMISSION,
    SPECS,
    ChangeGuard,
    IdSequence,
    ModelSpec,
    SpecRegistry,
    import_order,
)
from interview.models import ChannelMapping, Question, QuestionRelationship
from learning.models import UserSession

ENGINE = Path(__file__).resolve().parents[2] / "importing"
CONTENT_APPS = {"interview", "learning", "bots", "search"}
PERMISSIONS = {"import_permission": IMPORT_PERMISSION, "export_permission": EXPORT_PERMISSION}


def _session_spec(**hooks: Any) -> ModelSpec:
    """A throwaway spec: reader sessions are not importable in the project."""
    return ModelSpec(name="user-sessions", model=UserSession, file_stems=("user-sessions",), **PERMISSIONS, **hooks)


def _session(session_id: str | None, **values: Any) -> dict[str, Any]:
    record = {"sessionType": "test", "sessionKey": "k", "title": "A test", "totalItems": 3, "status": "active"}
    if session_id is not None:
        record["id"] = session_id
    return {**record, **values}


def _records(dicts: list[dict[str, Any]]) -> list[SourceRecord]:
    return [SourceRecord(file="sessions.json", number=n, data=d) for n, d in enumerate(dicts, start=1)]


def test_the_engine_imports_no_content_app() -> None:
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            offenders += [f"{path.relative_to(ENGINE)}: {name}" for name in names if name.split(".")[0] in CONTENT_APPS]
    assert offenders == []


def test_write_order_follows_the_foreign_keys_not_the_registration_order() -> None:
    registry = SpecRegistry()
    registry._discovered = True  # only what this test registers
    for name, model in (
        ("question-relationships", QuestionRelationship),
        ("channel-mappings", ChannelMapping),
        ("questions", Question),
    ):
        registry.register(ModelSpec(name=name, model=model, **PERMISSIONS))
    assert registry.import_order() == ["questions", "question-relationships", "channel-mappings"]


def test_the_project_writes_questions_before_what_refers_to_them() -> None:
    order = import_order()
    assert order.index("questions") < order.index("channel-mappings")
    assert order.index("questions") < order.index("question-relationships")
    assert "work-queue" not in order and "question-history" not in order


@pytest.mark.django_db(transaction=True)
def test_a_registered_spec_is_offered_by_the_admin_form_and_imported_by_the_command(tmp_path: Path) -> None:
    choices = dict(ImportUploadForm().fields["model"].choices)
    assert "user-sessions" not in choices
    path = tmp_path / "user-sessions.json"
    path.write_text(json.dumps([_session("s-1")]), encoding="utf-8")
    with SPECS.registered(_session_spec()):
        assert dict(ImportUploadForm().fields["model"].choices)["user-sessions"] == "User sessions"
        out = io.StringIO()
        call_command("import_content", str(path), stdout=out, stderr=io.StringIO())
    assert "user-sessions" in out.getvalue()
    assert UserSession.objects.get(pk="s-1").title == "A test"
    assert "user-sessions" not in SPECS


@pytest.mark.django_db(transaction=True)
def test_a_specs_hooks_guard_number_and_announce_for_any_table() -> None:
    written: list[list[Any]] = []
    spec = _session_spec(
        guard=ChangeGuard(field="status", may_change=lambda actor: actor == "tester", rule="only testers may change it"),
        id_sequence=IdSequence(prefix="s-", highest_stored=lambda: 41),
        on_written=written.append,
    )
    with SPECS.registered(spec):
        created = import_records(
            model="user-sessions",
            records=_records([_session("s-50"), _session(None)]),
            user_label="t",
            dry_run=False,
            assign_ids=True,
        )
        assert created.committed and created.models["user-sessions"].created_ids == ["s-50", "s-51"]
        assert written == [["s-50", "s-51"]]
        refused = import_records(
            model="user-sessions", records=_records([_session("s-50", status="completed")]), user_label="t", dry_run=True
        )
        assert [p.reason for p in refused.problems] == [
            "would change the status from active to completed; only testers may change it"
        ]
        allowed = import_records(
            model="user-sessions",
            records=_records([_session("s-50", status="completed")]),
            user_label="t",
            dry_run=False,
            actor="tester",
        )
    assert allowed.committed and allowed.models["user-sessions"].updated == 1
    assert UserSession.objects.get(pk="s-50").status == "completed"
