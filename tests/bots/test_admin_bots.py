"""The bots' work queue, runs and ledger in the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bots import queue_services
from bots.models import BotRun, LedgerEntry, WorkItem
from core import encodings
from core.databases import content_connection as connection
from interview.models import Question, QuestionHistory
from tests.support.content_factories import (
    changelist_post,
    make_question,
    make_work_item,
)

pytestmark = pytest.mark.django_db

QUEUE = "admin:bots_workitem_changelist"


def statuses(*items: WorkItem) -> list[str | None]:
    return [WorkItem.objects.get(pk=item.pk).status for item in items]


# -- list, counts, filters -------------------------------------------------------


@pytest.mark.sqld
def test_queue_shows_counts_by_status_and_links_questions(moderator_in_role_client):
    make_question("q-1")
    make_work_item(status="failed")
    make_work_item(status="failed", item_type="certification", item_id="aws-saa")
    make_work_item(status="pending")

    page = moderator_in_role_client.get(reverse(QUEUE)).content.decode()

    counts = page[page.index('class="oi-status-counts"') :]
    counts = counts[: counts.index("</ul>")]
    assert "Failed <strong>2</strong>" in counts
    assert "Pending <strong>1</strong>" in counts
    assert "All <strong>3</strong>" in counts
    assert reverse("admin:interview_question_change", args=["q-1"]) in page
    assert reverse("admin:interview_question_change", args=["aws-saa"]) not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "failed"}, {"a"}),
        ({"action__exact": "verify"}, {"b"}),
        ({"item_type": "certification"}, {"c"}),
        ({"created_by": "verifier-bot"}, {"b", "c"}),
        ({"assigned_to": "improve-bot"}, {"a"}),
    ],
)
def test_queue_filters(moderator_in_role_client, params, expected):
    make_work_item(item_id="a", status="failed", assigned_to="improve-bot")
    make_work_item(item_id="b", action="verify", created_by="verifier-bot")
    make_work_item(item_id="c", item_type="certification", created_by="verifier-bot")

    response = moderator_in_role_client.get(reverse(QUEUE), params)

    shown = {item.item_id for item in response.context["cl"].result_list}
    assert shown == expected


def test_queue_list_query_budget_does_not_grow(moderator_in_role_client, django_assert_max_num_queries):
    for n in range(3):
        make_work_item(item_id=f"q-{n}", created_by=f"bot-{n}")
    moderator_in_role_client.get(reverse(QUEUE))
    with CaptureQueriesContext(connection) as few:
        moderator_in_role_client.get(reverse(QUEUE))
    WorkItem.objects.bulk_create(
        WorkItem(
            item_type="question", item_id=f"q-{n}", action="improve", created_by=f"bot-{n % 7}"
        )
        for n in range(60)
    )
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as many:
        assert moderator_in_role_client.get(reverse(QUEUE), {"status__exact": "pending"}).status_code == 200
    assert len(many) == len(few)


# -- queue actions -----------------------------------------------------------------


@pytest.mark.sqld
def test_retry_moves_failed_items_to_pending_only(moderator_in_role_client):
    failed = make_work_item(
        status="failed", assigned_to="improve-bot", processed_at=encodings.node_now()
    )
    done = make_work_item(status="completed")

    response = moderator_in_role_client.post(
        reverse(QUEUE), changelist_post([failed.pk, done.pk], "retry_items"), follow=True
    )

    assert statuses(failed, done) == ["pending", "completed"]
    assert WorkItem.objects.get(pk=failed.pk).assigned_to is None
    page = response.content.decode()
    assert "1 item(s) back to pending" in page and "1 item(s) skipped" in page


def test_cancel_leaves_completed_items(moderator_in_role_client):
    pending, done = make_work_item(status="pending"), make_work_item(status="completed")
    moderator_in_role_client.post(reverse(QUEUE), changelist_post([pending.pk, done.pk], "cancel_items"))
    assert statuses(pending, done) == ["cancelled", "completed"]
    assert WorkItem.objects.get(pk=pending.pk).processed_at is not None


def test_reprioritise_asks_for_the_priority_then_sets_it(moderator_in_role_client):
    first, second = make_work_item(priority=5), make_work_item(priority=6)
    data = changelist_post([first.pk, second.pk], "reprioritise_items")

    page = moderator_in_role_client.post(reverse(QUEUE), data)
    assert page.status_code == 200 and 'name="priority"' in page.content.decode()
    assert [WorkItem.objects.get(pk=i.pk).priority for i in (first, second)] == [5, 6]

    refused = moderator_in_role_client.post(reverse(QUEUE), {**data, "apply": "1", "priority": "99"})
    assert "less than or equal to 10" in refused.content.decode()
    assert [WorkItem.objects.get(pk=i.pk).priority for i in (first, second)] == [5, 6]

    moderator_in_role_client.post(reverse(QUEUE), {**data, "apply": "1", "priority": "1"})
    assert [WorkItem.objects.get(pk=i.pk).priority for i in (first, second)] == [1, 1]


@pytest.mark.sqld
def test_release_only_items_stuck_longer_than_the_setting(moderator_in_role_client, settings):
    settings.WORK_QUEUE_STUCK_AFTER_MINUTES = 30
    now = encodings.node_now()
    stuck = make_work_item(
        status="processing", assigned_to="improve-bot", processed_at=now - timedelta(minutes=45)
    )
    busy = make_work_item(
        status="processing", assigned_to="improve-bot", processed_at=now - timedelta(minutes=5)
    )
    # No processed_at: the clock is created_at (legacy SQLite form).
    old = make_work_item(status="processing")
    WorkItem.objects.filter(pk=old.pk).update(created_at=now - timedelta(hours=3))

    stuck_listed = moderator_in_role_client.get(reverse(QUEUE), {"stuck": "yes"}).context["cl"].result_list
    assert {i.pk for i in stuck_listed} == {stuck.pk, old.pk}

    moderator_in_role_client.post(
        reverse(QUEUE), changelist_post([stuck.pk, busy.pk, old.pk], "release_stuck_items")
    )

    assert statuses(stuck, busy, old) == ["pending", "processing", "pending"]
    assert WorkItem.objects.get(pk=stuck.pk).assigned_to is None


def test_queue_service_refuses_bad_input_and_changes_nothing():
    item = make_work_item(priority=5)
    with pytest.raises(queue_services.QueueError, match="from 1"):
        queue_services.reprioritise_work_items(item_ids=[item.pk], priority="0")
    with pytest.raises(queue_services.QueueError, match="whole number"):
        queue_services.reprioritise_work_items(item_ids=[item.pk], priority="soon")
    with pytest.raises(queue_services.QueueError, match="No work items"):
        queue_services.retry_work_items(item_ids=[])
    assert WorkItem.objects.get(pk=item.pk).priority == 5


# -- proposals -------------------------------------------------------------------


@pytest.mark.sqld
def test_approve_delete_proposal_soft_deletes_the_question(moderator_in_role_client):
    make_question("q-1")
    item = make_work_item(item_id="q-1", action="delete", reason="duplicate of q-2")

    moderator_in_role_client.post(reverse(QUEUE), changelist_post([item.pk], "approve_proposals"))

    assert Question.objects.get(pk="q-1").status == "deleted"
    assert statuses(item) == ["completed"]
    assert QuestionHistory.objects.filter(
        question_id="q-1", event_type="deleted", event_source="user"
    ).exists()


def test_reject_needs_a_reason_and_fails_the_item(moderator_in_role_client):
    make_question("q-1")
    item = make_work_item(item_id="q-1", action="verify")
    data = changelist_post([item.pk], "reject_proposals")

    page = moderator_in_role_client.post(reverse(QUEUE), data)
    assert 'name="reason"' in page.content.decode()
    assert moderator_in_role_client.post(reverse(QUEUE), {**data, "apply": "1", "reason": ""}).status_code == 200
    assert statuses(item) == ["pending"]

    moderator_in_role_client.post(reverse(QUEUE), {**data, "apply": "1", "reason": "The question is fine"})
    saved = WorkItem.objects.get(pk=item.pk)
    assert saved.status == "failed"
    assert "The question is fine" in saved.result
    assert Question.objects.get(pk="q-1").status == "active"


def test_approve_skips_items_that_are_not_proposals(moderator_in_role_client):
    make_question("q-1")
    item = make_work_item(item_id="q-1", action="improve")
    response = moderator_in_role_client.post(
        reverse(QUEUE), changelist_post([item.pk], "approve_proposals"), follow=True
    )
    assert "only proposals to delete or verify" in response.content.decode()
    assert statuses(item) == ["pending"]


def test_editor_cannot_act_on_the_queue(editor_in_role_client):
    make_question("q-1")
    failed = make_work_item(status="failed")
    proposal = make_work_item(item_id="q-1", action="delete")

    assert editor_in_role_client.get(reverse(QUEUE)).status_code == 200  # editors see the bots' tables
    for action, item in [
        ("retry_items", failed),
        ("approve_proposals", proposal),
        ("cancel_items", failed),
    ]:
        editor_in_role_client.post(reverse(QUEUE), changelist_post([item.pk], action))
    assert statuses(failed, proposal) == ["failed", "pending"]
    assert Question.objects.get(pk="q-1").status == "active"
    assert (
        editor_in_role_client.post(
            reverse("admin:bots_workitem_change", args=[failed.pk]), {"priority": "1"}
        ).status_code
        == 403
    )


# -- runs and ledger ---------------------------------------------------------------


def test_runs_are_read_only_and_failures_stand_out(superuser_client):
    started = encodings.node_now()
    failed = BotRun.objects.create(
        bot_name="improve-bot",
        started_at=started,
        completed_at=started + timedelta(minutes=2, seconds=5),
        status="failed",
        summary={"message": "<script>alert(1)</script>", "errors": True},
    )

    page = superuser_client.get(reverse("admin:bots_botrun_changelist")).content.decode()
    assert "oi-badge--failed" in page
    assert "2m 05s" in page
    assert "<script>alert(1)</script>" not in page

    detail = superuser_client.get(reverse("admin:bots_botrun_change", args=[failed.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "\n  &quot;errors&quot;: true" in detail  # formatted JSON, indented, escaped
    assert 'name="_save"' not in detail

    assert superuser_client.get(reverse("admin:bots_botrun_add")).status_code == 403
    assert (
        superuser_client.post(
            reverse("admin:bots_botrun_delete", args=[failed.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert BotRun.objects.filter(pk=failed.pk).exists()


def test_ledger_is_read_only_and_compares_states_escaped(superuser_client):
    entry = LedgerEntry.objects.create(
        bot_name="improve-bot",
        action="update",
        item_type="question",
        item_id="q-1",
        before_state={"answer": "short <b>answer</b>"},
        after_state={"answer": "a longer <b>answer</b> now"},
    )

    detail = superuser_client.get(
        reverse("admin:bots_ledgerentry_change", args=[entry.pk])
    ).content.decode()

    assert "<b>answer</b>" not in detail
    assert "&lt;b&gt;answer&lt;/b&gt;" in detail
    assert '<table class="comparison">' in detail  # the questions' history comparison
    assert "<ins" in detail and "longer" in detail
    assert superuser_client.get(reverse("admin:bots_ledgerentry_add")).status_code == 403
    assert (
        superuser_client.post(reverse("admin:bots_ledgerentry_change", args=[entry.pk]), {}).status_code
        == 403
    )


@pytest.mark.parametrize(
    "url_name", ["admin:bots_botrun_changelist", "admin:bots_ledgerentry_changelist"]
)
def test_run_and_ledger_lists_within_budget(url_name, moderator_in_role_client, django_assert_max_num_queries):
    start = encodings.node_now()
    BotRun.objects.bulk_create(
        BotRun(bot_name=f"bot-{n % 4}", started_at=start, status="completed", summary={"n": n})
        for n in range(40)
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            bot_name=f"bot-{n % 4}", action="update", item_type="question", item_id=f"q-{n}"
        )
        for n in range(40)
    )
    moderator_in_role_client.get(reverse(url_name))
    with django_assert_max_num_queries(8):
        assert moderator_in_role_client.get(reverse(url_name)).status_code == 200
