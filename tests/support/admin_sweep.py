"""Helpers for the access sweep and the security tests: users for every
kind of visitor, a row in every admin table, the admin's URL space as
concrete URLs, what each role may do (from the role matrix in
core/roles.py, never from the admin's own answer), and a fingerprint of
the database to prove a refused request changed nothing."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import roles
from demo.content import load_demo_content

PASSWORD = "correct-horse-battery-staple-42"

# Every kind of visitor the sweep tries: None is anonymous.
ROLE_KINDS = ("anonymous", "inactive_staff", "not_staff", "staff_no_perms", *roles.ROLES, "superuser")

# Admin pages any signed-in staff user may open, whatever their permissions.
OPEN_TO_ALL_STAFF = {"index", "password_change", "password_change_done", "jsi18n", "section", "login"}


def make_user(kind: str) -> User | None:
    """A user of the given kind (a ROLE_KINDS entry), or None for anonymous."""
    if kind == "anonymous":
        return None
    user = User.objects.create_user(
        username=f"sweep-{kind.lower()}",
        password=PASSWORD,
        is_staff=kind != "not_staff",
        is_active=kind != "inactive_staff",
        is_superuser=kind == "superuser",
    )
    if kind in roles.ROLES:
        user.groups.add(Group.objects.get(name=kind))
    # Fresh instance: no permission cache from before the group was added.
    return User.objects.get(pk=user.pk)


def load_sweep_content() -> None:
    """Demo content plus one row in each admin table the demo leaves empty."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from core.models import AppUser
    from learning.models import UserSession

    load_demo_content()
    app_user = AppUser(username="sweep-app-user")
    app_user.set_password("app-user-password-123")
    app_user.save()
    UserSession.objects.create(
        user_id=app_user.id,
        session_type="certification",
        session_key="sweep-key",
        title="Sweep session",
        total_items=3,
        status="active",
    )
    User.objects.create_user(username="sweep-bystander", password=PASSWORD)
    AccessLog.objects.create(username="someone", ip_address="192.0.2.1", user_agent="sweep", http_accept="*/*", path_info="/")
    AccessFailureLog.objects.create(
        username="someone", ip_address="192.0.2.1", user_agent="sweep", http_accept="*/*", path_info="/", locked_out=False
    )
    AccessAttempt.objects.create(
        username="someone",
        ip_address="192.0.2.1",
        user_agent="sweep",
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )


def registered_admins() -> dict[str, admin.ModelAdmin]:
    """`app_label_modelname` (the admin URL-name prefix) -> its ModelAdmin."""
    return {f"{m._meta.app_label}_{m._meta.model_name}": ma for m, ma in admin.site._registry.items()}


@dataclass(frozen=True)
class AdminURL:
    name: str  # URL name without the "admin:" namespace
    url: str
    model_admin: admin.ModelAdmin | None  # the ModelAdmin the URL belongs to
    obj: models.Model | None
    view: str  # changelist/add/change/delete/history for ModelAdmin's own views; else "custom"/"site"


STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")


def _walk(patterns: list[Any], namespace: str | None = None) -> Iterator[tuple[str | None, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield namespace, pattern


class UnfilledURL(Exception):
    """An admin URL the sweep has no concrete value for (named, so a KeyError
    or IndexError from a bug in the sweep itself is never taken for one)."""


def admin_urls() -> tuple[list[AdminURL], list[str]]:
    """Every named admin URL made concrete with an existing object, and the names it could not fill."""
    from interview.models import QuestionHistory

    admins = registered_admins()
    prefixes = sorted(admins, key=len, reverse=True)
    cases: list[AdminURL] = []
    unfilled: list[str] = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace != "admin" or not pattern.name:
            continue
        name = pattern.name
        params = set(pattern.pattern.regex.groupindex)
        prefix = next((p for p in prefixes if name.startswith(p + "_")), None)
        model_admin = admins.get(prefix) if prefix else None
        view = name[len(prefix) + 1 :] if prefix else "site"
        if prefix and view not in STANDARD_VIEWS:
            view = "custom"
        obj = model_admin.model._default_manager.order_by("pk").first() if model_admin else None
        kwargs: dict[str, Any] = {}
        try:
            # entry_id and content_type_id choose their own object_id: fill them first.
            for param in sorted(params, key=lambda p: p == "object_id"):
                if param == "object_id" and obj is not None and param not in kwargs:
                    kwargs[param] = obj.pk
                elif param == "id" and obj is not None:
                    kwargs[param] = obj.pk
                elif param == "entry_id":
                    entry = QuestionHistory.objects.order_by("pk").first()
                    if entry is None:
                        raise UnfilledURL("no history entry")
                    kwargs[param] = entry.pk
                    kwargs["object_id"] = entry.question_id
                elif param == "section":
                    from config.admin_site import SECTIONS

                    kwargs[param] = SECTIONS[0].slug
                elif param == "app_label":
                    kwargs[param] = "interview"
                elif param == "content_type_id":
                    from interview.models import Question

                    question = Question.objects.order_by("pk").first()
                    kwargs[param] = ContentType.objects.get_for_model(Question).pk
                    kwargs["object_id"] = question.pk
                elif param == "token":
                    kwargs[param] = "sweep-unknown-token"  # an import preview that does not exist
                elif param == "url":
                    raise UnfilledURL("catch-all")
                elif param not in kwargs:
                    raise UnfilledURL(param)
            url = reverse(f"admin:{name}", kwargs=kwargs)
        except UnfilledURL:
            unfilled.append(name)
            continue
        cases.append(AdminURL(name=name, url=url, model_admin=model_admin, obj=obj, view=view))
    return cases, unfilled


def request_for(user: User) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


# What a standard view needs: any one of these Django permissions.
VIEW_NEEDS = {
    "changelist": ("view", "change"),
    "change": ("view", "change"),
    "history": ("view", "change"),
    "add": ("add",),
    "delete": ("delete",),
}
# Screens governed by a custom permission instead of their model's own.
MODEL_PERMISSION_INSTEAD = {"interview.flaggedquestion": "interview.moderate_question"}
# Where an admin deliberately refuses even a holder of the permission, and
# why. Stated here, not asked of the admin, so a ModelAdmin that narrows or
# widens access differently fails the sweep.
NOBODY = frozenset({*roles.ROLES, "superuser"})
ADMIN_REFUSES: dict[tuple[str, str], frozenset[str]] = {
    # Sign-in records are written by the throttling, never by hand.
    ("axes.accessattempt", "add"): NOBODY,
    ("axes.accesslog", "add"): NOBODY,
    ("axes.accessfailurelog", "add"): NOBODY,
    # A question is removed by moderation (soft delete) or on the hard-delete screen.
    ("interview.question", "delete"): NOBODY,
    # The review queue lists flagged questions; it has no rows of its own.
    ("interview.flaggedquestion", "add"): NOBODY,
    ("interview.flaggedquestion", "delete"): NOBODY,
    # History is appended by the services and kept.
    ("interview.questionhistory", "add"): NOBODY,
    ("interview.questionhistory", "delete"): NOBODY,
    # The Node app and the bots write these; the admin shows and acts on them.
    ("learning.usersession", "add"): NOBODY,
    ("bots.workitem", "add"): NOBODY,
    ("bots.botrun", "add"): NOBODY,
    ("bots.botrun", "delete"): NOBODY,
    ("bots.ledgerentry", "add"): NOBODY,
    ("bots.ledgerentry", "delete"): NOBODY,
}


def granted_permissions(kind: str) -> frozenset[str] | None:
    """The permissions the role matrix gives `kind`; None for a superuser (all of them)."""
    if kind == "superuser":
        return None
    return frozenset(roles.ROLES.get(kind, ()))


def role_may(kind: str, permission: str) -> bool:
    """Whether the role matrix gives `kind` this permission ("superuser" alone: every one)."""
    if permission == "superuser":
        return kind == "superuser"
    granted = granted_permissions(kind)
    return granted is None or permission in granted


def expected_allowed(case: AdminURL, kind: str) -> bool | None:
    """Whether the role matrix lets `kind` GET this standard view; None for other URLs."""
    if case.model_admin is None or case.view not in STANDARD_VIEWS:
        return None
    opts = case.model_admin.model._meta
    if kind in ADMIN_REFUSES.get((opts.label_lower, case.view), ()):
        return False
    if opts.label_lower in MODEL_PERMISSION_INSTEAD:
        needs = [MODEL_PERMISSION_INSTEAD[opts.label_lower]]
    else:
        needs = [django_permission(case, action) for action in VIEW_NEEDS[case.view]]
    return any(role_may(kind, permission) for permission in needs)


def django_permission(case: AdminURL, action: str) -> str:
    opts = case.model_admin.model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def database_fingerprint() -> str:
    """A hash of every row of every table an admin page can write (auth/session/axes bookkeeping aside)."""
    digest = hashlib.sha256()
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        if model._meta.app_label in ("axes",) or model._meta.proxy:
            continue
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    for row in Group.objects.order_by("pk").values_list("name", "permissions"):
        digest.update(repr(row).encode())
    for row in User.objects.order_by("pk").values_list("username", "is_staff", "is_superuser", "is_active", "password"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


@contextmanager
def captured_console_log() -> Iterator[StringIO]:
    """What the configured console handler (LOGGING, with its formatter and filters) writes."""
    from config.logging import OneLineFormatter

    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, OneLineFormatter)
    ]
    assert handlers, "LOGGING has no console handler with the one-line formatter"
    buffer = StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def login_redirect(response: Any) -> bool:
    """True when the response sends the browser to the admin's sign-in page."""
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
