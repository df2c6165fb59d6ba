"""The question list's fast paths: `{% fast_result_list cl %}` and `{% fast_list_filter cl spec %}`.

Django's `{% result_list cl %}` and `{% admin_list_filter cl spec %}`, with
the same HTML written by interview.list_rows and interview.list_filters.
"""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from interview.list_filters import filter_html
from interview.list_rows import fast_result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser: template.base.Parser, token: template.base.Token) -> InclusionAdminNode:
    return InclusionAdminNode(
        parser, token, func=fast_result_list, template_name="change_list_results.html", takes_context=False
    )


@register.simple_tag(name="fast_list_filter")
def fast_list_filter(cl, spec):  # noqa: ANN001, ANN201 - a template tag's arguments
    return filter_html(cl, spec)
