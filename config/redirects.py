"""Permanent redirects for admin addresses that moved with their model.

A model that changes app changes its admin address; bookmarks, links in
mail and browser history still name the old one.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.encoding import escape_uri_path


def moved_admin_model(request: HttpRequest, *, rest: str, moved_to: str) -> HttpResponsePermanentRedirect:
    """The same page (`rest` under the model's admin) and query at the model's new address.

    `moved_to` is "<app_label>/<model_name>/"; `rest` arrives decoded and is
    quoted again so an object id with reserved characters survives.
    """
    target = f"{reverse('admin:index')}{moved_to}{escape_uri_path(rest)}"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
