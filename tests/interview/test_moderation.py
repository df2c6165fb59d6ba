"""Moderation: status changes and their history rows, who may make them, the review queue, work items."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from bots import services as bot_services
from bots.models import WorkItem
from interview import services
from interview.models import Question
from tests.support.question_admin import (
    change_url,
    history_rows,
    insert_history,
    insert_question,
    list_url,
    moderate_url,
    review_url,
)
from tests.support.raw_sql import insert_raw, read_raw

pytestmark = pytest.mark.django_db


def status_of(qid: str) -> str | None:
    return read_raw("questions", qid, ["status"])["status"]


# -- the services -------------------------------------------------------------------


@pytest.mark.sqld
def test_flag_approve_delete_restore_each_write_one_history_row(moderator) -> None:
    insert_question("q-1")
    question = Question.objects.get(pk="q-1")

    for change, reason in (("flag", "Answer is wrong"), ("approve", None), ("delete", "duplicate"), ("restore", None)):
        services.change_status(questions=[question], change=change, source_name="moe", actor=moderator, reason=reason)

    assert status_of("q-1") == "active"
    rows = history_rows("q-1")
    assert [(r["event_type"], r["before_snapshot"], r["after_snapshot"], r["reason"]) for r in rows] == [
        ("flagged", '{"status":"active"}', '{"status":"flagged"}', "Answer is wrong"),
        ("approved", '{"status":"flagged"}', '{"status":"active"}', None),
        ("deleted", '{"status":"active"}', '{"status":"deleted"}', "duplicate"),
        ("restored", '{"status":"deleted"}', '{"status":"active"}', None),
    ]
    assert {(r["event_source"], r["source_name"], r["changed_fields"]) for r in rows} == {("user", "moe", '["status"]')}
    assert read_raw("questions", "q-1", ["last_updated"])["last_updated"].endswith("Z")


def test_flag_without_a_reason_is_refused_and_changes_nothing(moderator) -> None:
    insert_question("q-1")
    with pytest.raises(services.ModerationError, match="A reason is required"):
        services.change_status(
            questions=[Question.objects.get(pk="q-1")], change="flag", source_name="moe", actor=moderator, reason="  "
        )
    assert status_of("q-1") == "active"
    assert history_rows("q-1") == []


def test_a_change_that_does_not_apply_is_skipped_without_history(moderator) -> None:
    insert_question("q-1")
    result = services.change_status(
        questions=[Question.objects.get(pk="q-1")], change="approve", source_name="moe", actor=moderator
    )
    assert result.changed == [] and result.skipped == ["q-1"]
    assert history_rows("q-1") == []


def test_a_stale_status_change_rolls_back_every_row(moderator) -> None:
    insert_question("q-1")
    insert_question("q-2")
    loaded = list(Question.objects.filter(pk__in=["q-1", "q-2"]).order_by("pk"))
    insert_raw("question_history", {"question_id": "x", "question_type": "question", "event_type": "flagged", "event_source": "bot"})
    Question.objects.filter(pk="q-2").update(status="deleted")  # a bot, meanwhile
    with pytest.raises(services.EditConflict):
        services.change_status(questions=loaded, change="flag", source_name="moe", actor=moderator, reason="bad")
    assert (status_of("q-1"), status_of("q-2")) == ("active", "deleted")
    assert history_rows("q-1") == [] and history_rows("q-2") == []


# -- buttons and bulk actions over HTTP -----------------------------------------------------


@pytest.mark.sqld
def test_moderation_buttons_on_the_question_page(moderator_client) -> None:
    insert_question("q-1")
    page = moderator_client.get(change_url("q-1")).content.decode()
    assert 'value="flag"' in page and 'value="delete"' in page and 'value="restore"' not in page

    refused = moderator_client.post(moderate_url("q-1"), {"action": "flag", "reason": ""}, follow=True)
    assert "A reason is required to flag a question." in refused.content.decode()
    assert status_of("q-1") == "active"

    response = moderator_client.post(moderate_url("q-1"), {"action": "flag", "reason": "Outdated <b>API</b>"})
    assert response.status_code == 302
    assert status_of("q-1") == "flagged"
    page = moderator_client.get(change_url("q-1")).content.decode()
    assert 'value="approve"' in page
    assert "Outdated &lt;b&gt;API&lt;/b&gt;" in page  # the timeline shows the reason, escaped

    moderator_client.post(moderate_url("q-1"), {"action": "delete"})
    assert status_of("q-1") == "deleted"
    moderator_client.post(moderate_url("q-1"), {"action": "restore"})
    assert status_of("q-1") == "active"
    assert [r["event_type"] for r in history_rows("q-1")] == ["flagged", "deleted", "restored"]


def test_an_editor_sees_no_moderation_and_its_posts_are_refused(editor_client) -> None:
    insert_question("q-1")
    insert_question("q-2", status="flagged")
    page = editor_client.get(change_url("q-1")).content.decode()
    assert "moderation-form" not in page
    assert editor_client.post(moderate_url("q-1"), {"action": "flag", "reason": "x"}).status_code == 403
    assert editor_client.post(moderate_url("q-2"), {"action": "approve"}).status_code == 403

    listing = editor_client.get(list_url())
    assert listing.context["action_form"] is None or "soft_delete_selected" not in listing.content.decode()
    bulk = editor_client.post(list_url(), {"action": "soft_delete_selected", ACTION_CHECKBOX_NAME: ["q-1"], "index": 0})
    assert bulk.status_code in (200, 302)
    assert editor_client.get(review_url()).status_code == 403

    assert (status_of("q-1"), status_of("q-2")) == ("active", "flagged")
    assert history_rows("q-1") == [] and history_rows("q-2") == []


def test_bulk_actions_change_the_selected_rows_and_skip_the_rest(moderator_client) -> None:
    for qid in ("q-1", "q-2"):
        insert_question(qid)
    insert_question("q-3", status="deleted")
    everything = list_url() + "?status=all"
    response = moderator_client.post(
        everything, {"action": "soft_delete_selected", ACTION_CHECKBOX_NAME: ["q-1", "q-2", "q-3"]}, follow=True
    )
    assert "Skipped 1 question(s) already in a state where this does not apply: q-3" in response.content.decode()
    assert [status_of(q) for q in ("q-1", "q-2", "q-3")] == ["deleted"] * 3
    assert [r["event_type"] for r in history_rows("q-1")] == ["deleted"]
    assert history_rows("q-3") == []

    moderator_client.post(everything, {"action": "restore_selected", ACTION_CHECKBOX_NAME: ["q-1", "q-3"]})
    assert [status_of(q) for q in ("q-1", "q-2", "q-3")] == ["active", "deleted", "active"]


def test_bulk_flag_asks_for_a_reason_first(moderator_client) -> None:
    insert_question("q-1")
    insert_question("q-2")
    ask = moderator_client.post(list_url(), {"action": "flag_selected", ACTION_CHECKBOX_NAME: ["q-1", "q-2"]})
    assert ask.status_code == 200 and b"Flag these questions for review" in ask.content
    assert status_of("q-1") == "active"

    empty = moderator_client.post(list_url(), {"action": "flag_selected", ACTION_CHECKBOX_NAME: ["q-1", "q-2"], "apply": "1", "reason": ""})
    assert b"A reason is required to flag a question." in empty.content
    assert status_of("q-1") == "active"

    moderator_client.post(list_url(), {"action": "flag_selected", ACTION_CHECKBOX_NAME: ["q-1", "q-2"], "apply": "1", "reason": "Needs sources"})
    assert [status_of(q) for q in ("q-1", "q-2")] == ["flagged", "flagged"]
    assert [r["reason"] for r in history_rows("q-2")] == ["Needs sources"]


# -- the review queue ----------------------------------------------------------------------


@pytest.mark.sqld
def test_review_queue_shows_the_latest_flag_and_who_flagged(moderator_client) -> None:
    insert_question("q-1", status="flagged", channel="algorithms", difficulty="advanced")
    insert_question("q-2", status="flagged", channel="frontend")
    # Flagged before history was kept: its last update stands in for the flag time.
    insert_question("q-3", status="flagged", last_updated="2025-12-20 10:00:00")
    insert_question("q-4")  # not flagged
    insert_history("q-1", event_type="flagged", reason="old reason", source_name="verifier-bot", created_at="2026-01-02 10:00:00")
    insert_history("q-1", event_type="flagged", reason="Wrong <i>complexity</i>", source_name="verifier-bot", created_at="2026-01-03T09:00:00.000Z")
    insert_history("q-1", event_type="improved", reason="not a flag", created_at="2026-01-04T09:00:00.000Z")
    insert_history("q-2", event_type="flagged", event_source="user", source_name="moe", reason="Typo", created_at="2026-01-05 08:00:00")

    response = moderator_client.get(review_url())
    rows = {q.pk: q for q in response.context["cl"].result_list}
    assert list(rows) == ["q-2", "q-1", "q-3"]  # newest flag first
    assert (rows["q-1"].flag_reason, rows["q-1"].flagged_by, rows["q-1"].flag_source) == ("Wrong <i>complexity</i>", "verifier-bot", "bot")
    assert (rows["q-2"].flag_reason, rows["q-2"].flag_source) == ("Typo", "user")
    html = response.content.decode()
    assert "Wrong &lt;i&gt;complexity&lt;/i&gt;" in html and "old reason" not in html

    def ids(**params) -> list[str]:
        return sorted(q.pk for q in moderator_client.get(review_url(), params).context["cl"].result_list)

    assert ids(flag_source="bot") == ["q-1"]
    assert ids(flag_source="user") == ["q-2"]
    assert ids(flag_source="unknown") == ["q-3"]
    assert ids(channel="algorithms") == ["q-1"]
    assert ids(difficulty__exact="advanced") == ["q-1"]
    assert ids(flagged_after="2026-01-04") == ["q-2"]
    assert ids(flagged_before="2026-01-03") == ["q-1", "q-3"]


def test_approve_and_delete_in_place_from_the_review_queue(moderator_client) -> None:
    insert_question("q-1", status="flagged")
    insert_question("q-2", status="flagged")
    page = moderator_client.get(review_url()).content.decode()
    assert 'form="review-row-actions"' in page and 'id="review-row-actions"' in page

    back = moderator_client.post(moderate_url("q-1"), {"action": "approve", "next": review_url()})
    assert back.status_code == 302 and back["Location"] == review_url()
    moderator_client.post(moderate_url("q-2"), {"action": "delete", "next": "https://evil.example/"})
    assert (status_of("q-1"), status_of("q-2")) == ("active", "deleted")
    assert [q.pk for q in moderator_client.get(review_url()).context["cl"].result_list] == []

    insert_question("q-3", status="flagged")
    moderator_client.post(review_url(), {"action": "approve_selected", ACTION_CHECKBOX_NAME: ["q-3"]})
    assert status_of("q-3") == "active"
    assert [r["event_type"] for r in history_rows("q-3")] == ["approved"]


# -- work queue proposals ------------------------------------------------------------------


def work_item(action: str, item_id: str, **columns) -> WorkItem:
    insert_raw(
        "work_queue",
        {"item_type": "question", "item_id": item_id, "action": action, "priority": 5, "status": "pending", "reason": "low quality score", "created_by": "verifier-bot", **columns},
    )
    return WorkItem.objects.order_by("-id").first()


@pytest.mark.sqld
def test_approving_a_delete_proposal_deletes_the_question_and_completes_the_item(moderator) -> None:
    insert_question("q-1")
    item = work_item("delete", "q-1")
    bot_services.approve_work_item(item=item, user=moderator)

    assert status_of("q-1") == "deleted"
    raw = read_raw("work_queue", item.pk, ["status", "processed_at", "result"])
    assert raw["status"] == "completed" and raw["processed_at"].endswith("Z")
    result = json.loads(raw["result"])
    [row] = history_rows("q-1")
    assert result == {"decision": "approved", "outcome": "deleted", "question_id": "q-1", "question_status": "deleted", "moderator": "moe", "history_ids": [row["id"]]}
    assert (row["event_type"], row["reason"], row["source_name"]) == ("deleted", "low quality score", "moe")


def test_approving_a_verify_proposal_records_it_and_unflags(moderator) -> None:
    insert_question("q-1", status="flagged")
    insert_question("q-2")
    bot_services.approve_work_item(item=work_item("verify", "q-1"), user=moderator)
    bot_services.approve_work_item(item=work_item("verify", "q-2"), user=moderator)
    assert (status_of("q-1"), status_of("q-2")) == ("active", "active")
    assert [(r["event_type"], r["changed_fields"]) for r in history_rows("q-1")] == [("verified", '["status"]')]
    assert [(r["event_type"], r["changed_fields"]) for r in history_rows("q-2")] == [("verified", "[]")]


def test_rejecting_a_proposal_fails_the_item_with_the_reason_and_leaves_the_question(moderator) -> None:
    insert_question("q-1")
    item = work_item("delete", "q-1")
    with pytest.raises(bot_services.WorkItemError, match="A reason is required"):
        bot_services.reject_work_item(item=item, user=moderator, reason=" ")
    assert read_raw("work_queue", item.pk, ["status"])["status"] == "pending"

    bot_services.reject_work_item(item=item, user=moderator, reason="The question is fine")
    raw = read_raw("work_queue", item.pk, ["status", "result"])
    assert raw["status"] == "failed"
    assert json.loads(raw["result"]) == {"decision": "rejected", "reason": "The question is fine", "moderator": "moe"}
    assert status_of("q-1") == "active" and history_rows("q-1") == []


@pytest.mark.parametrize(
    ("action", "columns", "message"),
    [
        ("improve", {}, "only proposals to delete or verify a question"),
        ("delete", {"status": "completed"}, "is already completed"),
        ("delete", {"item_id": "q-missing"}, "does not exist"),
    ],
)
def test_proposals_that_cannot_be_decided_change_nothing(moderator, action, columns, message) -> None:
    insert_question("q-1")
    item = work_item(action, columns.pop("item_id", "q-1"), **columns)
    before = read_raw("work_queue", item.pk, ["status", "result"])
    with pytest.raises(bot_services.WorkItemError, match=message):
        bot_services.approve_work_item(item=item, user=moderator)
    assert read_raw("work_queue", item.pk, ["status", "result"]) == before
    assert status_of("q-1") == "active"


def test_a_decision_on_an_item_decided_meanwhile_rolls_back_the_question_change(moderator) -> None:
    insert_question("q-1")
    item = work_item("delete", "q-1")
    WorkItem.objects.filter(pk=item.pk).update(status="cancelled")  # another moderator, meanwhile
    with pytest.raises(bot_services.WorkItemError, match="changed by someone else"):
        bot_services.approve_work_item(item=item, user=moderator)
    assert status_of("q-1") == "active" and history_rows("q-1") == []
