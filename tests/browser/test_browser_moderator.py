"""A moderator's round, in a real browser: flag a question with a reason,
find it in the review queue, approve it there, then read the history diff of
what a bot changed, with the changed words marked.

Runs on the embedded database and, in the second pass, on a real libSQL
server (`sqld` marker)."""

from __future__ import annotations

import re

import pytest
from browser_support import log_in, make_admin_user, make_question
from playwright.sync_api import expect

pytestmark = pytest.mark.sqld

FLAG_REASON = "The answer confuses deadlocks with races."
BOT_ANSWER = "Two operations race when their outcome depends on which finishes first."


@pytest.fixture
def improved_question():
    """A question a bot rewrote the answer of, as the content bots do."""
    from interview.services import save_question_changes

    question = make_question(id="q-201", question="What is a race condition?",
                             answer="Two operations whose outcome depends on their timing.")
    question.answer = BOT_ANSWER
    save_question_changes(question=question, source_name="improve-bot", event_source="bot",
                          event_type="improved", reason="answer too vague")
    make_question(id="q-202", question="What is a deadlock?")
    return question


def test_moderator_flags_reviews_approves_and_reads_the_diff(page, improved_question) -> None:
    from interview.models import Question, QuestionHistory

    make_admin_user(username="mona", role="moderator")
    page.goto("/admin/")
    log_in(page, username="mona")

    # Flag it from the question's page, with a reason.
    page.get_by_role("link", name="Questions", exact=True).first.click()
    page.fill("#searchbar", "q-201")
    page.press("#searchbar", "Enter")
    page.locator("#result_list").get_by_role("link", name="q-201", exact=True).click()
    panel = page.locator(".moderation-panel")
    expect(panel).to_contain_text("active")
    panel.get_by_role("button", name="Flag for review").click()
    # Without a reason the flag is refused and nothing changes.
    expect(page.locator(".messagelist .error")).to_be_visible()
    assert Question.objects.get(pk="q-201").status == "active"
    panel.locator("#id_moderation_reason").fill(FLAG_REASON)
    panel.get_by_role("button", name="Flag for review").click()
    expect(page.locator(".messagelist .success")).to_contain_text(re.compile("q-201", re.IGNORECASE))
    expect(panel).to_contain_text("flagged")

    # The review queue lists it with the reason and who flagged it.
    page.goto("/admin/")
    page.get_by_role("link", name="Review queue").first.click()
    expect(page).to_have_url(re.compile(r"/admin/interview/flaggedquestion/"))
    row = page.locator("#result_list tbody tr", has=page.get_by_role("link", name="q-201", exact=True))
    expect(row).to_have_count(1)
    expect(row.locator(".field-flag_reason_display")).to_have_text(FLAG_REASON)
    expect(row.locator(".field-flagged_by_display")).to_contain_text("mona")
    expect(row.locator(".field-flagged_by_display")).to_contain_text("person")
    expect(page.locator("#result_list")).not_to_contain_text("q-202")

    # Approve it in place: it leaves the queue.
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist .success")).to_contain_text(re.compile("q-201", re.IGNORECASE))
    expect(page).to_have_url(re.compile(r"/admin/interview/flaggedquestion/"))
    expect(page.locator("#result_list tbody tr", has_text="q-201")).to_have_count(0)
    assert Question.objects.get(pk="q-201").status == "active"

    # The question's history: approval, flag, the bot's rewrite, creation; newest first.
    page.goto("/admin/interview/question/q-201/history/")
    events = page.locator(".question-timeline > li .timeline-event")
    expect(events).to_have_text(["Approved", "Flagged", "Improved", "Created"])
    flag_entry = page.locator(".question-timeline > li").nth(1)
    expect(flag_entry).to_contain_text(FLAG_REASON)

    # The bot's change, field by field: the changed words marked.
    page.locator(".question-timeline > li").nth(2).locator("summary").click()
    page.locator(".question-timeline > li").nth(2).get_by_role("link", name=re.compile("Open this change")).click()
    expect(page).to_have_url(re.compile(r"/admin/interview/question/q-201/history/\d+/$"))
    expect(page.locator(".history-entry-facts")).to_contain_text("improve-bot")
    answer_row = page.locator("table.comparison tr.comparison-text", has=page.locator("th", has_text="Answer"))
    deleted = " ".join(answer_row.locator("del").all_inner_texts())
    inserted = " ".join(answer_row.locator("ins").all_inner_texts())
    assert "timing." in deleted and "whose" in deleted
    assert "race" in inserted and "finishes first." in inserted
    # Words both versions share are not marked.
    expect(answer_row.locator("td")).to_contain_text("outcome depends on")
    assert "outcome" not in deleted + inserted

    history = list(
        QuestionHistory.objects.filter(question_id="q-201").order_by("-id").values_list(
            "event_type", "source_name", "reason"
        )[:2]
    )
    assert history[0][:2] == ("approved", "mona")
    assert history[1] == ("flagged", "mona", FLAG_REASON)
