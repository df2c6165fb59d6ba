"""Markdown rendering costs time linear in the text, stays sanitised, and the
live preview endpoint has a per-user budget.

Timing uses a wall-clock alarm rather than a measurement after the fact, so a
renderer with a quadratic case fails in seconds instead of running for
minutes. The bounds are generous for a busy shared machine: the inputs here
take well under a second with the linear renderer and minutes with
Python-Markdown.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.urls import reverse

from interview.preview import MARKDOWN_RENDER_LIMIT, render_markdown
from tests.support.question_admin import change_url, insert_question

SECONDS_PER_RENDER = 4.0
XSS = '<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3)) '

# Known pathological shapes for Markdown parsers: unclosed and nested link
# and image brackets, link destinations, reference definitions, emphasis
# runs, raw HTML that nests, code-span backticks, quotes, tables.
PATHOLOGICAL_UNITS = [
    "[", "![", "[![", "*[", "[a](", "[a][", "]([\n", "[]( \"", "[x]: ", "a <![CDATA[",
    "*_", "**a", "***a", "_a", "**<a>**a", "`a", "``a", "> ", ">\n", "- ",
    "<", "<div>", "<ul><li>", "<b></p>", "|a|\n|-|\n", "&#",
]


class RenderTooSlow(Exception):
    pass


@contextmanager
def within_seconds(seconds: float, what: str) -> Iterator[None]:
    def too_slow(signum: int, frame: object) -> None:
        raise RenderTooSlow(f"{what} took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ActiveMarkup(HTMLParser):
    """Collects what could run in a browser: script-like elements, on* attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "iframe", "object", "embed", "svg", "math"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def repeated(unit: str, length: int) -> str:
    """`unit` repeated, the XSS probe at both ends, `length` characters in all."""
    body = (unit * (length // len(unit) + 1))[: length - 2 * len(XSS)]
    return XSS + body + XSS


def test_pathological_markdown_up_to_the_render_limit_renders_in_seconds_and_sanitised() -> None:
    for unit in PATHOLOGICAL_UNITS:
        text = repeated(unit, MARKDOWN_RENDER_LIMIT)
        with within_seconds(SECONDS_PER_RENDER, f"rendering {unit!r} repeated to {len(text)} characters"):
            html = render_markdown(text)
        assert "markdown-too-long" not in html, unit  # rendered as Markdown, not the fallback
        assert active_markup(html) == [], unit


@pytest.mark.parametrize("unit", ["[", "*", "<", "`", ">", "<div>", "![", "a <![CDATA["])
def test_text_longer_than_the_render_limit_is_shown_as_plain_text_with_a_sentence(unit: str) -> None:
    text = repeated(unit, 50_000)
    with within_seconds(1.0, f"rendering {unit!r} repeated to 50,000 characters"):
        html = render_markdown(text)
    assert html.startswith(
        '<p class="markdown-too-long">This text is 50,000 characters long; Markdown is rendered only up to '
        f"{MARKDOWN_RENDER_LIMIT:,} characters, so it is shown as plain text.</p>"
    )
    assert active_markup(html) == []
    source = html.split('<pre class="markdown-source">', 1)[1]
    assert source.endswith("</pre>") and "<" not in source[: -len("</pre>")]  # every character escaped


def test_ordinary_markdown_renders_as_before_and_a_list_right_after_a_line_is_a_list() -> None:
    text = (
        "# Title\n\n## Why\n\nA **bold** and *em* [link](https://example.com/a).\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "| Name | Cost |\n|------|------|\n| a | 1 |\n\n"
        "```python\nprint(1 < 2)\n```\n\n"
        "Steps:\n1. scale up\n2. scale down\n"
    )
    html = render_markdown(text)
    for fragment in [
        "<h1>Title</h1>",
        "<h2>Why</h2>",
        "<strong>bold</strong>",
        "<em>em</em>",
        '<a href="https://example.com/a" rel="noopener noreferrer nofollow">link</a>',
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
        "<ol>\n<li>first</li>\n<li>second</li>\n</ol>",
        "<th>Name</th>",
        "<td>a</td>",
        '<pre><code class="language-python">print(1 &lt; 2)\n</code></pre>',
        # CommonMark: a list may follow a paragraph line directly (Python-Markdown
        # showed "1. scale up" as text inside the paragraph).
        "<p>Steps:</p>\n<ol>\n<li>scale up</li>\n<li>scale down</li>\n</ol>",
    ]:
        assert fragment in html, fragment


@pytest.mark.sqld
def test_a_pathological_explanation_renders_within_seconds_on_the_page_and_in_the_preview(editor_client) -> None:
    explanation = repeated("[", 20_000)
    insert_question("q-1", explanation=explanation)
    with within_seconds(SECONDS_PER_RENDER + 2, "the question page"):
        page = editor_client.get(change_url("q-1"))
    assert page.status_code == 200
    assert active_markup(page.content.decode().split('class="question-preview markdown-preview"', 1)[1].split("</div>", 1)[0]) == []
    with within_seconds(SECONDS_PER_RENDER, "the preview endpoint"):
        preview = editor_client.post(reverse("admin:interview_question_preview"), {"text": explanation})
    assert preview.status_code == 200
    assert active_markup(preview.json()["html"]) == []


def test_the_preview_endpoint_refuses_with_429_and_a_sentence_after_the_per_user_limit(
    editor_client, moderator_client, settings, monkeypatch
) -> None:
    settings.OI_PREVIEW_RATE_LIMIT_PER_MINUTE = 3
    window_start = 60.0 * 30_000_000
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: window_start + 15))
    url = reverse("admin:interview_question_preview")

    for _ in range(3):
        assert editor_client.post(url, {"text": "**ok**"}).status_code == 200
    refused = editor_client.post(url, {"text": "**ok**"})
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "Preview paused: more than 3 previews in a minute. It resumes in 45 seconds; your text is not lost."
    }
    assert refused["Retry-After"] == "45"

    # Another user has a budget of their own.
    other = moderator_client.post(url, {"text": "**ok**"})
    assert other.status_code == 200 and "<strong>ok</strong>" in other.json()["html"]

    # The next minute starts a fresh budget.
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: window_start + 61))
    again = editor_client.post(url, {"text": "**ok**"})
    assert again.status_code == 200 and "<strong>ok</strong>" in again.json()["html"]
