"""Bar charts drawn on the server as SVG, for the admin's home page.

No script draws them (the pages' Content-Security-Policy allows only the
site's own scripts, and a chart library would be one more to load): each
chart is an inline `<svg>` built with format_html, every label escaped.
Colours come from classes in core/admin.css, so they follow the admin's
light and dark themes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

CHART_WIDTH = 480
LABEL_WIDTH = 170
VALUE_WIDTH = 64
ROW_HEIGHT = 20
BAR_HEIGHT = 14
# A label longer than this is cut with an ellipsis (the whole one is in the bar's tooltip).
LABEL_CHARACTERS = 26


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    url: str | None = None  # where clicking the bar leads (a filtered list)
    tone: str = "default"  # a CSS modifier: default, warning, danger, success, muted


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(*, title: str, bars: Sequence[Bar]) -> SafeString:
    """A horizontal bar chart, one row per bar, scaled to the largest value."""
    if not bars:
        return format_html('<p class="oi-chart-empty">{}: nothing to show.</p>', title)
    largest = max(bar.value for bar in bars) or 1
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW_HEIGHT * len(bars)
    rows = []
    for index, bar in enumerate(bars):
        top = index * ROW_HEIGHT
        length = round(span * max(bar.value, 0) / largest, 1)
        # A non-zero value keeps a visible sliver however small it is beside the largest.
        if bar.value > 0:
            length = max(length, 2)
        row = format_html(
            '<g class="oi-bar oi-bar--{}"><title>{}: {}</title>'
            '<text class="oi-bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
            '<text class="oi-bar-value" x="{}" y="{}">{}</text></g>',
            bar.tone,
            bar.label,
            f"{bar.value:,}",
            LABEL_WIDTH - 6,
            top + BAR_HEIGHT - 2,
            _short(bar.label),
            LABEL_WIDTH,
            top + 1,
            length,
            BAR_HEIGHT,
            LABEL_WIDTH + length + 4,
            top + BAR_HEIGHT - 2,
            f"{bar.value:,}",
        )
        rows.append((format_html('<a href="{}">{}</a>', bar.url, row) if bar.url else row,))
    return format_html(
        '<svg class="oi-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        title,
        CHART_WIDTH,
        height,
        CHART_WIDTH,
        height,
        format_html_join("", "{}", rows),
    )
