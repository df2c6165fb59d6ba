"""Template tags of the admin's own templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.sites import all_sites
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def section_crumb(context: template.Context, opts: Any) -> str:
    """The breadcrumb link to the index section a model is listed in.

    Django's templates link the model's app ("Content", "Learning"), which is
    not where the index shows it; this follows the index's sections. A site
    without sections (a plain AdminSite) gets Django's app link.
    """
    request = context.get("request")
    namespace = getattr(getattr(request, "resolver_match", None), "namespace", "") or "admin"
    site = next((s for s in all_sites if s.name == namespace), None)
    if site is not None and hasattr(site, "section_crumb"):
        try:
            name, url = site.section_crumb(opts.model)
            return format_html('<a href="{}">{}</a>', url, name)
        except NoReverseMatch:
            pass
    url = reverse(f"{namespace}:app_list", kwargs={"app_label": opts.app_label})
    return format_html('<a href="{}">{}</a>', url, opts.app_config.verbose_name)
