"""Hostile content, in a real browser: a question whose text, explanation,
diagram and tags carry `<script>`, `onerror=` and `javascript:` payloads is
shown as text in the list, the form, both previews and the history diff;
nothing it carries runs (no dialog opens, no handler or script lands in the
page)."""

from __future__ import annotations

import re

import pytest
from browser_support import log_in, make_admin_user, make_question
from playwright.sync_api import expect

QUESTION = 'Is <script>alert("question")</script> shown as text? <img src=x onerror=alert("question-img")>'
EXPLANATION = (
    "## Hostile explanation\n\n"
    '<script>alert("explanation")</script>\n\n'
    '<details open ontoggle=alert("toggle")><summary>opened</summary>body</details>\n\n'
    '[markdown link](javascript:alert("md-link")) and <a href="javascript:alert(\'raw-link\')">raw link</a>\n\n'
    '<svg><animate onbegin=alert("svg") attributeName=x dur=1s></animate></svg>'
)
DIAGRAM = (
    "graph TD\n"
    '  A["<img src=x onerror=alert(\'diagram-img\')>"] --> B["<script>alert(\'diagram\')</script>"]\n'
    "  click A \"javascript:alert('diagram-click')\""
)
TAGS = ['<script>alert("tag")</script>', 'javascript:alert("tag-link")', '<img src=x onerror=alert("tag-img")>']
EDITED_QUESTION = QUESTION + ' Now <b onmouseover=alert("diff")>bold</b>?'

# Anything in the page that would run, or fetch, what the content carries:
# event-handler attributes, javascript: URLs, scripts whose text is the
# payload's, and images pointing at the payload's "x".
FIND_RUNNABLE = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}=${attr.value}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(name)
          && value.startsWith('javascript:')) found.push(`${el.tagName} ${name}=${attr.value}`);
    }
    if (el.tagName === 'SCRIPT' && el.textContent.includes('alert(')) found.push('inline script: ' + el.textContent);
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') found.push('img src=x');
  }
  return found;
}"""


def assert_nothing_runnable(page, screen: str) -> None:
    found = page.evaluate(FIND_RUNNABLE)
    assert found == [], f"{screen}: content made it into the page as live HTML: {found}"


@pytest.fixture
def hostile_question():
    return make_question(id="q-666", question=QUESTION, explanation=EXPLANATION, diagram=DIAGRAM,
                         tags=TAGS, channel="security", sub_channel="xss")


def test_hostile_content_is_shown_as_text_and_never_runs(page, page_problems, hostile_question) -> None:
    make_admin_user(username="mod", role="moderator")
    page.goto("/admin/")
    log_in(page, username="mod")

    # The list: the question's text, literally.
    page.goto("/admin/interview/question/?q=q-666")
    cell = page.locator("#result_list .field-question_short")
    expect(cell).to_contain_text('<script>alert("question")</script>')
    assert_nothing_runnable(page, "questions list")

    # The form: every field holds the text as stored.
    page.locator("#result_list").get_by_role("link", name="q-666", exact=True).click()
    expect(page.locator("#id_question")).to_have_value(QUESTION)
    expect(page.locator("#id_diagram")).to_have_value(DIAGRAM)
    expect(page.locator("#id_tags")).to_have_value("\n".join(TAGS))
    expect(page.locator("#id_explanation")).to_have_value(EXPLANATION)

    # The Markdown preview: rendered, sanitised: the heading stays, the payloads do not.
    markdown = page.locator(".markdown-preview")
    expect(markdown.locator("h2")).to_have_text("Hostile explanation")
    expect(markdown.locator("script")).to_have_count(0)
    expect(markdown.get_by_text("raw link")).to_be_visible()
    # The Mermaid preview: drawn (labels as text) or refused, never HTML.
    mermaid = page.locator(".mermaid-preview .mermaid-output")
    expect(mermaid).not_to_be_empty()
    made = mermaid.evaluate(
        "o => [...o.querySelectorAll('img, script, iframe, a[href]')].map(e => e.outerHTML)"
    )
    assert made == [], (
        "The Mermaid preview turned a diagram label's HTML into live elements "
        f"instead of showing it as text: {made}"
    )
    # The history panel shows the creation entry's values too.
    for summary in page.locator(".question-timeline summary").all():
        summary.click()
    assert_nothing_runnable(page, "question form, previews and history panel")

    # Live previews of newly typed payloads go through the same sanitising.
    page.fill("#id_explanation", EXPLANATION + '\n\n## Typed\n\n<img src=x onerror=alert("typed")>')
    expect(markdown.locator("h2").last).to_have_text("Typed")
    page.fill("#id_diagram", DIAGRAM + "\n  B --> C[\"<img src=x onerror=alert('typed-diagram')>\"]")
    page.wait_for_timeout(800)  # the diagram re-renders after a 500 ms pause in typing
    assert_nothing_runnable(page, "previews after typing")

    # Save a hostile edit, then read it in the history diff: marked, as text.
    page.fill("#id_explanation", EXPLANATION)
    page.fill("#id_diagram", DIAGRAM)
    page.fill("#id_question", EDITED_QUESTION)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto("/admin/interview/question/q-666/history/")
    newest = page.locator(".question-timeline > li").first
    newest.locator("summary").click()
    newest.get_by_role("link", name=re.compile("Open this change")).click()
    question_diff = page.locator("table.comparison tr", has=page.locator("th", has_text="Question"))
    expect(question_diff.locator("ins")).to_contain_text('<b onmouseover=alert("diff")>bold</b>?')
    expect(question_diff).to_contain_text('<script>alert("question")</script>')
    assert_nothing_runnable(page, "history diff")

    # The review queue and the history list show the reason and fields as text too.
    page.goto("/admin/interview/question/q-666/change/")
    page.locator("#id_moderation_reason").fill('<script>alert("reason")</script> onerror=alert(1)')
    page.get_by_role("button", name="Flag for review").click()
    page.goto("/admin/interview/flaggedquestion/")
    expect(page.locator("#result_list .field-flag_reason_display")).to_contain_text('<script>alert("reason")</script>')
    assert_nothing_runnable(page, "review queue")
    page.goto("/admin/interview/questionhistory/?q=q-666")
    assert_nothing_runnable(page, "history list")

    assert page_problems.dialogs == [], page_problems.dialogs
