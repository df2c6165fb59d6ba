"""The moderation a screen offers is the table's: buttons per status and role, one action per move."""

from __future__ import annotations

import re

import pytest

from interview.admin.moderation import ReviewQueueAdmin
from interview.admin.questions import QuestionAdmin
from tests.interview.moderation_spec import (
    BULK_ACTIONS,
    BUTTONS,
    MOVES,
    STATUSES,
    add_question,
    expected_moves,
    role_user,
)

pytestmark = pytest.mark.django_db

PAGE_BUTTON = re.compile(r'<button type="submit" name="action" value="(\w+)" class="[^"]*">([^<]*)</button>')
ROW_BUTTON = re.compile(r'<button type="submit" class="button" form="review-row-actions" formaction="[^"]*" name="action" value="(\w+)">([^<]*)</button>')
ACTION_OPTION = re.compile(r'<option value="(\w+)">')


def test_a_question_page_shows_the_buttons_of_the_moves_its_viewer_may_make_from_its_status(client) -> None:
    shown = {}
    expected = {}
    for role in ("editor", "moderator", "importer"):
        client.force_login(role_user(role))
        for number, status in enumerate(STATUSES):
            qid = f"q-{role}-{number}"
            add_question(qid, status=status)
            page = client.get(f"/admin/interview/question/{qid}/change/").content.decode()
            shown[role, status] = PAGE_BUTTON.findall(page)
            expected[role, status] = [(move, BUTTONS[move]) for move in expected_moves(role=role, status=status)]
    assert shown == expected


def test_the_reason_box_is_required_only_when_every_offered_move_needs_a_reason(client) -> None:
    add_question("q-1", status="active")
    client.force_login(role_user("editor"))
    editor_page = client.get("/admin/interview/question/q-1/change/").content.decode()
    client.force_login(role_user("moderator"))
    moderator_page = client.get("/admin/interview/question/q-1/change/").content.decode()

    assert 'id="id_moderation_reason" rows="2" cols="60" required>' in editor_page
    assert '<label for="id_moderation_reason">Reason (required to flag)</label>' in moderator_page
    assert 'id="id_moderation_reason" rows="2" cols="60">' in moderator_page


def test_the_question_list_and_the_review_queue_share_one_action_per_move() -> None:
    question_actions = {action.__name__: action for action in QuestionAdmin.actions}
    queue_actions = {action.__name__: action for action in ReviewQueueAdmin.actions}

    assert list(question_actions) == [BULK_ACTIONS[move] for move in MOVES]
    # The queue lists flagged questions: it offers the moves that start from flagged.
    assert list(queue_actions) == [BULK_ACTIONS[move] for move in MOVES if "flagged" in MOVES[move][0]]
    for name, action in queue_actions.items():
        assert action is question_actions[name]


def test_each_role_is_offered_the_bulk_actions_of_the_moves_it_may_make(client) -> None:
    add_question("q-1", status="active")
    offered = {}
    for role in ("editor", "moderator", "importer"):
        client.force_login(role_user(role))
        offered[role] = ACTION_OPTION.findall(client.get("/admin/interview/question/").content.decode())
    assert offered == {
        role: [BULK_ACTIONS[move] for move, (_, _, roles) in MOVES.items() if role in roles]
        for role in ("editor", "moderator", "importer")
    }


def test_a_review_queue_row_offers_the_moves_from_flagged_that_need_no_reason(client) -> None:
    add_question("q-1", status="flagged")
    client.force_login(role_user("moderator"))
    page = client.get("/admin/interview/flaggedquestion/").content.decode()
    assert ROW_BUTTON.findall(page) == [("approve", "Approve"), ("delete", "Delete")]
