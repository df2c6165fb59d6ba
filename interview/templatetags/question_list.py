"""`{% fast_result_list cl %}`: Django's `{% result_list cl %}` with rows rendered by interview.list_rows."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from interview.list_rows import fast_result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser: template.base.Parser, token: template.base.Token) -> InclusionAdminNode:
    return InclusionAdminNode(
        parser, token, func=fast_result_list, template_name="change_list_results.html", takes_context=False
    )
