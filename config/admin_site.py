"""The admin site: sections people think in, and the read-only deployment.

`OpenInterviewAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS
and makes `OpenInterviewAdminSite` the default site, so `admin.site` and
`@admin.register` everywhere register with it.

Three things are done here once, for every registered ModelAdmin, rather than
in each admin class:

- the index groups models into sections (Content, Moderation, Bots, People,
  Admin access) instead of by Django app;
- when `settings.READ_ONLY` is on (only read-only Turso credentials for the
  content database), every write permission of a content model's admin is
  False, its writing actions disappear and any POST to its views other than
  export is refused with a message. The admin's own screens (users, groups,
  sign-in, password change) live in the admin database and keep working;
- no list may be filtered on a field that holds a secret (`holds_secret`):
  `?password__startswith=pbkdf2_sha256$` answering how many rows match lets
  anyone who can open the list read a hash out a character at a time.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject

from core.databases import is_content_model

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Permission checks that never write; all other `has_<name>_permission`
# methods of a ModelAdmin are answered False in a read-only deployment.
READ_PERMISSION_NAMES = frozenset({"view", "module", "view_or_change", "export"})
# Admin actions allowed in a read-only deployment: those that only need these.
READ_ACTION_PERMISSIONS = frozenset({"view", "export"})
# Content views that may be POSTed to in a read-only deployment: export reads only.
READ_ONLY_POST_VIEWS = frozenset({"export_action"})

_PERMISSION_METHOD = re.compile(r"^has_(?P<name>\w+)_permission$")

# A column whose name says it holds a secret: a password (hash), a token, a key.
SECRET_FIELD_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|secret|token|api_?key|private_?key)(?:_|$)", re.IGNORECASE
)


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    models: tuple[str, ...]  # "app_label.ObjectName", in display order


SECTIONS: tuple[Section, ...] = (
    Section(
        "content",
        "Content",
        (
            "interview.Question",
            "learning.Certification",
            "learning.LearningPath",
            "learning.VoiceSession",
            "interview.ChannelMapping",
            "interview.QuestionRelationship",
        ),
    ),
    Section(
        "moderation",
        "Moderation",
        ("interview.FlaggedQuestion", "interview.ReviewQueue", "interview.QuestionHistory"),
    ),
    Section("bots", "Bots", ("bots.WorkItem", "bots.BotRun", "bots.LedgerEntry")),
    Section("people", "People", ("core.AppUser", "learning.UserSession")),
    Section("admin-access", "Admin access", ("auth.User", "auth.Group")),
)
# Where a model no section names goes, by its app (a ModelAdmin may also set
# `admin_section = "<slug>"`).
APP_DEFAULT_SECTION = {
    "interview": "content",
    "learning": "content",
    "bots": "bots",
    "core": "people",
    "auth": "admin-access",
    "axes": "admin-access",  # sign-in throttling records
}
OTHER_SECTION = Section("other", "Other", ())


def read_only_deployment() -> bool:
    return bool(getattr(settings, "READ_ONLY", False))


def holds_secret(model_field: Any) -> bool:
    """Whether a model field (not a relation) holds a secret, by its name."""
    return not model_field.is_relation and bool(SECRET_FIELD_NAME.search(model_field.name))


def lookup_reaches_secret(model: Any, lookup: str) -> bool:
    """Whether a changelist lookup (`user__password__startswith`) compares a secret.

    Walks the fields the lookup names, across relations in either direction;
    the first part that is not a field ends the path (a lookup or transform).
    """
    for part in lookup.split(LOOKUP_SEP):
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if holds_secret(model_field):
            return True
        if not model_field.is_relation or model_field.related_model is None:
            return False
        model = model_field.related_model
    return False


class SecretLookupGuardMixin:
    """Refuses every list lookup on a secret, whatever the admin class allows.

    Mixed into each registered ModelAdmin by the site; Django answers a
    refused lookup with 400 (DisallowedModelAdminLookup).
    """

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        if lookup_reaches_secret(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


@functools.cache
def with_secret_lookup_guard(admin_class: type) -> type:
    """`admin_class` with SecretLookupGuardMixin in front."""
    if issubclass(admin_class, SecretLookupGuardMixin):
        return admin_class
    guarded = type(admin_class.__name__, (SecretLookupGuardMixin, admin_class), {"__module__": admin_class.__module__})
    guarded.__qualname__ = admin_class.__qualname__
    return guarded


class ReadOnlyDeploymentMixin:
    """Answers every write permission False when the deployment is read-only.

    Mixed into each registered ModelAdmin by the site; checked per request,
    so tests can flip `settings.READ_ONLY` with override_settings.
    """

    def has_add_permission(self, request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
        return not read_only_deployment() and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
        return not read_only_deployment() and super().has_change_permission(
            request, *args, **kwargs
        )

    def has_delete_permission(self, request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
        return not read_only_deployment() and super().has_delete_permission(
            request, *args, **kwargs
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not read_only_deployment():
            return actions
        return {name: entry for name, entry in actions.items() if _action_only_reads(entry[0])}

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type]:
        inlines = super().get_inlines(request, obj)
        return [with_read_only_guard(inline) for inline in inlines]


def _writes_content(view: Any) -> bool:
    """Whether `view` belongs to the admin of a content model. The site's own
    views (index, sign-in, password change) and the admin's own models write
    only the admin database, which a read-only deployment can still write."""
    owner = getattr(view, "__self__", None)
    model = getattr(owner, "model", None)
    return model is not None and is_content_model(model)


def _action_only_reads(action: Any) -> bool:
    needed = getattr(action, "allowed_permissions", None)
    return bool(needed) and set(needed) <= READ_ACTION_PERMISSIONS


def _deny_when_read_only(method: Any) -> Any:
    @functools.wraps(method)
    def guarded(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
        if read_only_deployment():
            return False
        return method(self, request, *args, **kwargs)

    return guarded


@functools.cache
def with_read_only_guard(admin_class: type) -> type:
    """`admin_class` with ReadOnlyDeploymentMixin in front.

    Custom permission checks the class declares (`has_moderate_permission`,
    `has_import_permission`, ...) are wrapped too, so buttons and actions
    that depend on them disappear as well.
    """
    if issubclass(admin_class, ReadOnlyDeploymentMixin):
        return admin_class
    namespace: dict[str, Any] = {"__module__": admin_class.__module__}
    for attribute in dir(admin_class):
        match = _PERMISSION_METHOD.match(attribute)
        if (
            match
            and match["name"] not in READ_PERMISSION_NAMES
            and match["name"] not in {"add", "change", "delete"}
            and callable(getattr(admin_class, attribute))
        ):
            namespace[attribute] = _deny_when_read_only(getattr(admin_class, attribute))
    guarded = type(admin_class.__name__, (ReadOnlyDeploymentMixin, admin_class), namespace)
    guarded.__qualname__ = admin_class.__qualname__
    return guarded


def with_lf_line_ends(data: QueryDict) -> QueryDict:
    """`data` with every CRLF or CR line end turned into LF.

    Browsers submit textarea text with CRLF line ends (the HTML spec says
    so); the Node app and its bots write LF. Without this, saving a question
    in a browser rewrites every untouched multi-line field and records it in
    the history as changed.
    """
    if not any(isinstance(v, str) and "\r" in v for _, values in data.lists() for v in values):
        return data
    normalized = data.copy()
    for key, values in data.lists():
        normalized.setlist(
            key, [v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v for v in values]
        )
    normalized._mutable = False
    return normalized


class OpenInterviewAdminSite(admin.AdminSite):
    site_header = "Open Interview content admin"
    site_title = "Open Interview admin"
    index_title = "Content, moderation, bots and people"
    # The side menu takes 300 of a laptop's 1280 pixels on every page, which
    # pushed a list's columns and the review queue's buttons off screen; the
    # home page and the breadcrumbs (by section) lead everywhere it did.
    enable_nav_sidebar = False

    @property
    def site_url(self) -> str | None:  # type: ignore[override]
        """"View site" leads to the public reading site when one is configured,
        and is left out otherwise: the admin is not a site to go back to."""
        return getattr(settings, "OI_PUBLIC_SITE_URL", "") or None

    def register(
        self, model_or_iterable: Any, admin_class: type | None = None, **options: Any
    ) -> None:
        admin_class = with_secret_lookup_guard(admin_class or admin.ModelAdmin)
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        if any(is_content_model(model) for model in models):
            admin_class = with_read_only_guard(admin_class)
        super().register(model_or_iterable, admin_class, **options)

    # -- read-only deployment ------------------------------------------------

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        view_name = getattr(view, "__name__", "")

        @functools.wraps(view)
        def refuse_writes(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (
                read_only_deployment()
                and request.method not in SAFE_METHODS
                and view_name not in READ_ONLY_POST_VIEWS
                and _writes_content(view)
            ):
                return self.refuse_write(request)
            if request.method == "POST":
                request.POST = with_lf_line_ends(request.POST)
            return view(request, *args, **kwargs)

        return super().admin_view(refuse_writes, cacheable)

    def refuse_write(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.each_context(request),
            "title": "This admin is read-only",
            "back_url": request.META.get("HTTP_REFERER") or "",
        }
        return TemplateResponse(request, "admin/read_only_refused.html", context, status=403)

    # -- sections ------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        from dashboard.views import recount_data_quality

        section_urls = [
            path(
                "section/<slug:section>/",
                self.admin_view(self.section_index),
                name="section",
            ),
            path("data-quality/recount/", self.admin_view(recount_data_quality), name="data_quality_recount"),
        ]
        return section_urls + super().get_urls()

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The home page: the dashboard (templates/admin/index.html), then the sections."""
        from dashboard.views import dashboard_context

        return super().index(request, {**dashboard_context(request), **(extra_context or {})})

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # Its "available_apps" only feeds the side menu, which is off: the
        # list (a permission check per model) is built only if a page reads it.
        request._oi_app_list_on_demand = True
        try:
            return super().each_context(request)
        finally:
            del request._oi_app_list_on_demand

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        if app_label:
            return super().get_app_list(request, app_label)
        if getattr(request, "_oi_app_list_on_demand", False):
            return SimpleLazyObject(lambda: self.get_sections(request))
        return self.get_sections(request)

    def get_sections(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The models this user may see, grouped into SECTIONS, empty ones left out."""
        app_dict = self._build_app_dict(request)
        placed: dict[str, list[dict[str, Any]]] = {}
        order = {key: index for section in SECTIONS for index, key in enumerate(section.models)}
        for app in app_dict.values():
            for model_entry in app["models"]:
                slug = self.section_of(model_entry["model"]).slug
                placed.setdefault(slug, []).append(model_entry)
        sections = []
        for section in (*SECTIONS, OTHER_SECTION):
            models = placed.get(section.slug)
            if not models:
                continue
            models.sort(
                key=lambda m: (
                    order.get(f"{m['model']._meta.app_label}.{m['object_name']}", len(order)),
                    str(m["name"]),
                )
            )
            sections.append(
                {
                    "name": section.name,
                    "app_label": section.slug,
                    "app_url": self._section_url(section.slug),
                    "has_module_perms": True,
                    "models": models,
                }
            )
        return sections

    def section_of(self, model: Any) -> Section:
        """The section a model is shown in on the index, for breadcrumbs."""
        model_admin = self._registry.get(model)
        key = f"{model._meta.app_label}.{model._meta.object_name}"
        slug = (
            getattr(model_admin, "admin_section", None)
            or next((s.slug for s in SECTIONS if key in s.models), None)
            or APP_DEFAULT_SECTION.get(model._meta.app_label, OTHER_SECTION.slug)
        )
        return next((s for s in SECTIONS if s.slug == slug), OTHER_SECTION)

    def section_crumb(self, model: Any) -> tuple[str, str]:
        """(name, address) of a model's section, as the breadcrumbs link it."""
        section = self.section_of(model)
        return section.name, self._section_url(section.slug)

    def _section_url(self, slug: str) -> str:
        return reverse("admin:section", kwargs={"section": slug}, current_app=self.name)

    def section_index(self, request: HttpRequest, section: str) -> HttpResponse:
        matching = [s for s in self.get_sections(request) if s["app_label"] == section]
        if not matching:
            raise Http404("No such section, or nothing in it you may see.")
        context = {
            **self.each_context(request),
            "title": matching[0]["name"],
            "subtitle": None,
            "app_list": matching,
            "app_label": section,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)


class OpenInterviewAdminConfig(AdminConfig):
    """Use in INSTALLED_APPS instead of "django.contrib.admin"."""

    default_site = "config.admin_site.OpenInterviewAdminSite"
