"""The explanation as readers see it: Markdown rendered, then sanitised.

Markdown lets raw HTML through, and the content comes from people and
bots, so the rendered HTML goes through nh3 (an allow-list sanitiser):
`<script>`, `<style>`, event-handler attributes and `javascript:` URLs are
removed, whatever the input. Only the result of `render_markdown` may be
marked safe.
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS)
ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    # Fenced code keeps its language class (`language-python`).
    "code": {"class"},
    "pre": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> SafeString:
    html = markdown.markdown(text or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above
