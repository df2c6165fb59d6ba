"""The explanation as readers see it: Markdown rendered, then sanitised.

Markdown lets raw HTML through, and the content comes from people and
bots, so the rendered HTML goes through nh3 (an allow-list sanitiser):
`<script>`, `<style>`, event-handler attributes and `javascript:` URLs are
removed, whatever the input. Only the result of `render_markdown` may be
marked safe.

Rendering runs on every view of a question's page and on every keystroke
pause in the editor, so its cost must stay bounded whatever the text:
- markdown-it-py follows CommonMark's reference algorithms, which are linear
  in the input (Python-Markdown's bracket and backtick handling is quadratic
  or worse: 8,000 `[` took 13 s);
- nh3's HTML parser still slows down with the square of the nesting depth
  of raw HTML (`<div>` repeated), and no renderer is free, so text longer
  than MARKDOWN_RENDER_LIMIT characters is shown escaped, as plain text,
  with a sentence saying why. The limit is 2.5 times the longest real
  explanation (about 12,000 characters); at the limit the slowest known
  input renders in well under a second.
"""

from __future__ import annotations

import nh3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

MARKDOWN_RENDER_LIMIT = 30_000

# CommonMark with GitHub-style tables; fenced code keeps its `language-…`
# class. Its default nesting cap (20 levels) bounds lists and blockquotes.
# One shared instance: render() keeps its state per call, but each rule
# chain is compiled lazily on first use, which two threads could interleave;
# rendering once here compiles every chain before any request arrives.
MARKDOWN = MarkdownIt("commonmark").enable("table")
MARKDOWN.render("# a\n\n> *b* [c](d)\n")

ALLOWED_TAGS = set(nh3.ALLOWED_TAGS)
ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    # Fenced code keeps its language class (`language-python`).
    "code": {"class"},
    "pre": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> SafeString:
    text = text or ""
    if len(text) > MARKDOWN_RENDER_LIMIT:
        return format_html(
            '<p class="markdown-too-long">This text is {} characters long; Markdown is rendered only up to {} '
            "characters, so it is shown as plain text.</p>"
            '<pre class="markdown-source">{}</pre>',
            f"{len(text):,}",
            f"{MARKDOWN_RENDER_LIMIT:,}",
            text,
        )
    cleaned = nh3.clean(
        MARKDOWN.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above
