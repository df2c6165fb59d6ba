"""The moderation table is what the service enforces: every move, from every status, by every role."""

from __future__ import annotations

from typing import Any

import pytest

from interview import moderation, services
from interview.models import HistoryEventType, Question, QuestionStatus
from tests.interview.moderation_spec import (
    MOVES,
    STATUSES,
    add_question,
    history_events,
    role_user,
    stored_status,
)

pytestmark = pytest.mark.django_db

ROLES = ("editor", "moderator", "importer", "nobody", "inactive moderator", "operator")


def actor_for(role: str) -> Any:
    if role == "operator":
        return services.OPERATOR
    if role == "inactive moderator":
        return role_user("moderator", active=False)
    return role_user(role)


def may(role: str, move: str) -> bool:
    return role in MOVES[move][2]


def test_the_table_names_exactly_the_moves_written_out_here() -> None:
    assert list(moderation.TRANSITIONS) == list(MOVES)
    for name, (sources, target, _) in MOVES.items():
        transition = moderation.TRANSITIONS[name]
        assert transition.to_status == target
        assert {status for status in STATUSES if transition.applies_to(status)} == sources


def test_the_service_makes_or_refuses_each_move_from_each_status_for_each_role() -> None:
    outcomes = {}
    for role in ROLES:
        actor = actor_for(role)
        for number, status in enumerate(STATUSES):
            for move in MOVES:
                qid = f"q-{role[:3]}-{number}-{move}"
                add_question(qid, status=status)
                question = Question.objects.get(pk=qid)
                try:
                    result = services.change_status(
                        questions=[question], change=move, source_name="t", actor=actor, reason="checked"
                    )
                except services.ModerationError:
                    outcome = "refused"
                else:
                    outcome = "moved" if result.changed == [qid] else "skipped"
                outcomes[role, status, move] = (outcome, stored_status(qid), len(history_events(qid)))

    expected = {}
    for role in ROLES:
        for status in STATUSES:
            for move, (sources, target, _) in MOVES.items():
                if not may(role, move):
                    expected[role, status, move] = ("refused", status, 0)
                elif status in sources:
                    expected[role, status, move] = ("moved", target, 1)
                else:
                    expected[role, status, move] = ("skipped", status, 0)
    assert outcomes == expected


def test_may_change_status_answers_from_the_table_for_each_role() -> None:
    for role in ROLES:
        actor = actor_for(role)
        assert {move for move in MOVES if services.may_change_status(actor=actor, change=move)} == {
            move for move in MOVES if may(role, move)
        }, role


def test_a_refused_editor_is_told_which_moves_are_theirs() -> None:
    add_question("q-1", status="flagged")
    with pytest.raises(services.ModerationError) as refused:
        services.change_status(
            questions=[Question.objects.get(pk="q-1")], change="approve", source_name="t", actor=role_user("editor")
        )
    assert str(refused.value) == (
        "Only moderators may approve, soft-delete or restore questions; you may flag a question for review, "
        "with a reason. Nothing was changed."
    )


VERIFY = moderation.Transition(
    name="verify",
    from_statuses=frozenset({QuestionStatus.FLAGGED}),
    to_status=QuestionStatus.ACTIVE,
    permission="flag",
    event_type=HistoryEventType.VERIFIED,
    button="Mark verified",
    row_button="Verified",
    action_name="verify_selected",
    action_description="Mark selected questions verified",
    verb="verify",
)


def test_a_move_added_to_the_table_is_enforced_and_offered_without_other_changes(monkeypatch, client) -> None:
    monkeypatch.setitem(moderation.TRANSITIONS, "verify", VERIFY)
    editor = role_user("editor")
    add_question("q-flagged", status="flagged")
    add_question("q-active", status="active")

    # The service: editors hold the permission the new move names; it applies only to flagged questions.
    assert services.may_change_status(actor=editor, change="verify")
    result = services.change_status(
        questions=list(Question.objects.filter(pk__in=["q-flagged", "q-active"]).order_by("pk")),
        change="verify",
        source_name="edna",
        actor=editor,
    )
    assert result.changed == ["q-flagged"] and result.skipped == ["q-active"]
    assert history_events("q-flagged") == ["verified"]

    # The question's page offers it where it applies, to whoever may make it.
    add_question("q-flagged-2", status="flagged")
    client.force_login(editor)
    flagged_page = client.get("/admin/interview/question/q-flagged-2/change/").content.decode()
    active_page = client.get("/admin/interview/question/q-active/change/").content.decode()
    assert 'value="verify" class="button">Mark verified</button>' in flagged_page
    assert 'value="verify"' not in active_page

    # And the page's button posts a move the moderation view carries out.
    client.post("/admin/interview/question/q-flagged-2/moderate/", {"action": "verify"})
    assert stored_status("q-flagged-2") == "active"
