"""An editor's day, in a real browser: find a question by search and
filters, fix its tags, explanation and diagram while the previews show what
readers will see, save, and find the change in the question's history.

Runs on the embedded database and, in the second pass, on a real libSQL
server (`sqld` marker)."""

from __future__ import annotations

import re

import pytest
from browser_support import log_in, make_admin_user, make_question
from playwright.sync_api import expect

pytestmark = pytest.mark.sqld

NEW_DIAGRAM = "graph LR\n  W[Writer thread] --> M{Mutex guard}\n  M --> C[Counter]"
# Stored as the Node app writes text: "\n" line ends. A browser submits a
# textarea's lines with "\r\n"; an untouched field must not change for that.
MULTILINE_ANSWER = "Two threads update shared state.\nThe result depends on their timing."
NEW_EXPLANATION = "## Use a lock\n\nGuard the counter with a **mutex** so one thread writes at a time."


@pytest.fixture
def questions() -> dict[str, object]:
    return {
        "race": make_question(id="q-101", question="What is a race condition?", answer=MULTILINE_ANSWER,
                              channel="backend", sub_channel="concurrency", difficulty="intermediate"),
        "index": make_question(id="q-102", question="What does a database index cost on writes?",
                               channel="backend", sub_channel="databases", difficulty="beginner",
                               diagram=None),
        "react": make_question(id="q-103", question="How does React decide what to re-render?",
                               channel="frontend", sub_channel="react", difficulty="intermediate",
                               tags=["react"], diagram=None),
    }


def result_ids(page) -> list[str]:
    """The ids in the changelist, once the page has loaded."""
    page.locator("#changelist .paginator").wait_for()
    return [text.strip() for text in page.locator("#result_list tbody th.field-question_id").all_inner_texts()]


def test_editor_finds_edits_previews_and_saves_a_question(page, questions) -> None:
    from interview.models import Question, QuestionHistory

    make_admin_user(username="edna", role="editor")
    page.goto("/admin/")
    log_in(page, username="edna")

    # Find it: the admin index, the questions list, a search.
    page.get_by_role("link", name="Questions", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/admin/interview/question/$"))
    assert sorted(result_ids(page)) == ["q-101", "q-102", "q-103"]
    page.fill("#searchbar", "race condition")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_be_visible()
    assert result_ids(page) == ["q-101"]

    # And by filters: channel (typed in the picker), then difficulty, from the sidebar.
    page.goto("/admin/interview/question/")
    filters = page.locator("#changelist-filter")
    filters.locator("#oi-channel-input").fill("backend")
    filters.get_by_role("button", name="Apply").first.click()
    expect(page).to_have_url(re.compile(r"channel=backend"))
    assert sorted(result_ids(page)) == ["q-101", "q-102"]
    page.locator("#changelist-filter details[data-filter-title='difficulty']").get_by_role(
        "link", name="Intermediate"
    ).click()
    expect(page).to_have_url(re.compile(r"difficulty__exact=intermediate"))
    assert result_ids(page) == ["q-101"]

    # Open it: both previews render the stored content.
    page.locator("#result_list").get_by_role("link", name="q-101", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/interview/question/q-101/change/"))
    markdown = page.locator(".markdown-preview")
    expect(markdown.locator("h2")).to_have_text("Why it matters")
    expect(markdown.locator("strong")).to_have_text("hard")
    mermaid = page.locator(".mermaid-preview .mermaid-output")
    expect(mermaid.locator("svg")).to_have_count(1)
    expect(mermaid.locator("svg")).to_contain_text("Shared counter")

    # Edit: tags one per line, the explanation and the diagram; the previews follow.
    page.fill("#id_tags", "concurrency\nthreads\nlocking")
    page.fill("#id_explanation", NEW_EXPLANATION)
    expect(markdown.locator("h2")).to_have_text("Use a lock")
    expect(markdown.locator("strong")).to_have_text("mutex")
    page.fill("#id_diagram", NEW_DIAGRAM)
    expect(mermaid.locator("svg")).to_contain_text("Mutex guard")
    expect(mermaid.locator("svg")).not_to_contain_text("Shared counter")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    # The saved page shows the change and its history entry, newest first.
    expect(page.locator("#id_tags")).to_have_value("concurrency\nthreads\nlocking")
    expect(page.locator("#id_diagram")).to_have_value(NEW_DIAGRAM)
    expect(mermaid.locator("svg")).to_contain_text("Mutex guard")
    newest = page.locator(".question-timeline > li").first
    expect(newest).to_contain_text("edna")
    for field in ("tags", "diagram", "explanation"):
        expect(newest.locator(".timeline-fields")).to_contain_text(field)
    newest.locator("summary").click()
    comparison = newest.locator("table.comparison")
    expect(comparison.locator("tr.comparison-list")).to_contain_text("locking")
    explanation_diff = comparison.locator("tr.comparison-text", has=page.locator("th", has_text="Explanation"))
    expect(explanation_diff.locator("ins", has_text="mutex")).to_be_visible()
    expect(explanation_diff.locator("del", has_text="hard")).to_be_visible()

    # What the browser showed is what the database holds.
    saved = Question.objects.get(pk="q-101")
    assert saved.tags == ["concurrency", "threads", "locking"]
    entry = QuestionHistory.objects.filter(question_id="q-101").order_by("-id").first()
    assert (entry.source_name, entry.event_type) == ("edna", "updated")
    assert set(entry.changed_fields) == {"tags", "diagram", "explanation"}, (
        "fields the editor did not touch were recorded as changed"
    )
    assert saved.answer == MULTILINE_ANSWER, "an untouched multi-line field was rewritten"
    # Line ends as the Node app and the bots write them, not the browser's "\r\n".
    assert (saved.diagram, saved.explanation) == (NEW_DIAGRAM, NEW_EXPLANATION)
