"""The list's filter sidebar, rendered as Django's `admin/filter.html` renders it, without the template engine.

Each filter's choices go through a small template on every list page:
ten filters of a few links each are a tenth of a search page's server
time. `filter_html` writes the same HTML for a filter that uses Django's
default template (a link per choice) and leaves any other filter (the
channel picker, the ranges) to `admin_list_filter`, so the output never
differs.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.template.defaultfilters import iriencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from interview.list_rows import template_escape

DEFAULT_TEMPLATE = "admin/filter.html"


def filter_html(cl: Any, spec: Any) -> SafeString:
    """One filter's sidebar section."""
    if spec.template != DEFAULT_TEMPLATE:
        return admin_list_filter(cl, spec)
    title = template_escape(spec.title)
    # {% blocktranslate with filter_title=title %} By {{ filter_title }} {% endblocktranslate %}
    summary = gettext(" By %(filter_title)s ") % {"filter_title": title}
    items = "".join(
        "\n    <li{}>\n    <a href=\"{}\">{}</a></li>\n  ".format(
            ' class="selected"' if choice["selected"] else "",
            template_escape(iriencode(choice["query_string"])),
            template_escape(choice["display"]),
        )
        for choice in spec.choices(cl)
    )
    return SafeString(
        # The line break the template's `{% load i18n %}` line leaves first.
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {summary}\n  </summary>\n'
        f"  <ul>\n  {items}\n  </ul>\n</details>\n"
    )
