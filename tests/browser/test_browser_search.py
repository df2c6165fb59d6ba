"""A moderator's search, in a real browser: ranked results with the matched
words marked, open one, see the questions that look like it while typing,
and record how one of them relates."""

from __future__ import annotations

import re

from browser_support import log_in, make_admin_user, make_question
from playwright.sync_api import expect


def test_search_opens_a_result_and_records_a_suggested_relationship(page) -> None:
    from interview.models import QuestionRelationship

    make_question(id="q-201", question="How does the Kubernetes scheduler place pods?",
                  answer="It filters and scores nodes.", channel="devops", sub_channel="kubernetes")
    make_question(id="q-202", question="Which node does Kubernetes pick for a new pod?",
                  answer="The scheduler decides.", channel="devops", sub_channel="kubernetes")
    make_question(id="q-203", question="What is a closure?", answer="A function with its scope.",
                  channel="frontend", sub_channel="javascript")
    make_admin_user(username="mona", role="moderator")
    page.goto("/admin/")
    log_in(page, username="mona")

    page.goto("/admin/interview/question/")
    page.fill("#searchbar", "kubernetes scheduler")
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_be_visible()
    ids = [text.strip() for text in page.locator("#result_list tbody th.field-question_id").all_inner_texts()]
    assert ids[0] == "q-201", ids
    assert "q-203" not in ids
    expect(rows.first.locator("mark").first).to_have_text(re.compile("kubernetes|scheduler", re.IGNORECASE))

    rows.first.locator("th.field-question_id a").click()
    expect(page).to_have_url(re.compile(r"/admin/interview/question/q-201/change/"))
    suggestions = page.locator(".similar-questions")
    expect(suggestions.locator("li").first).to_contain_text("q-202")
    expect(suggestions).not_to_contain_text("q-201")

    # Typing updates the list (debounced).
    page.fill("#id_question", "What is a closure in JavaScript?")
    expect(suggestions.locator("li").first).to_contain_text("q-203")

    page.fill("#id_question", "How does the Kubernetes scheduler place pods?")
    entry = suggestions.locator("li", has_text="q-202")
    expect(entry).to_be_visible()
    entry.locator("select").select_option("related")
    entry.get_by_role("button", name="Record").click()
    expect(entry).to_contain_text("Recorded: q-202 as related of q-201.")
    relationship = QuestionRelationship.objects.get()
    assert (relationship.source_question_id, relationship.target_question_id) == ("q-201", "q-202")
