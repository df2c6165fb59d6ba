"""Admin for the app's own users, and small display helpers the admins share.

The site itself (sections, read-only deployment) is config/admin_site.py.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import quote
from django.contrib.auth.password_validation import validate_password
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import get_language

from core import encodings
from core.models import AppUser

# -- display helpers -----------------------------------------------------------


def admin_change_url(app_label: str, model_name: str, pk: Any) -> str | None:
    """The change page of a row, or None when that model has no admin (yet)."""
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[quote(pk)])
    except NoReverseMatch:
        return None


def badge(value: str, title: str = "") -> str:
    """A coloured label; the CSS class is chosen from known values only."""
    known = {"failed", "missing", "running", "processing", "completed", "pending", "cancelled"}
    kind = value if value in known else "default"
    return format_html(
        '<span class="oi-badge oi-badge--{}" title="{}">{}</span>', kind, title, value
    )


def truncate(text: str | None, length: int = 80) -> str:
    if not text:
        return ""
    return text if len(text) <= length else text[: length - 1] + "…"


def formatted_json(value: Any) -> str:
    """A JSON value as indented, escaped text; stored text that is not JSON shown as such."""
    if value is None:
        return "—"
    if isinstance(value, encodings.InvalidJSON):
        return format_html(
            '<span class="oi-badge oi-badge--warning">not valid JSON</span>'
            '<pre class="oi-json">{}</pre>',
            str(value),
        )
    return format_html(
        '<pre class="oi-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False)
    )


# -- the action menu -------------------------------------------------------------


def _frozen(value: Any) -> Any:
    """`value` as a hashable key: sequences and mappings as tuples, the rest as text."""
    if isinstance(value, dict):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return (type(value).__name__, str(value))


class RememberedSelect(forms.Select):
    """A Select rendered once per name, value, attributes, choices and language.

    A list page's action menu is the same few options on every view, and
    each option goes through the form templates again; the HTML is kept
    (at most MAX_REMEMBERED menus per process).
    """

    MAX_REMEMBERED = 256
    _rendered: ClassVar[dict[Any, str]] = {}

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        key = (
            type(self), name, _frozen(value), _frozen({**self.attrs, **(attrs or {})}),
            _frozen(list(self.choices)), get_language(), id(renderer),
        )
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) >= self.MAX_REMEMBERED:
                self._rendered.clear()
            html = self._rendered[key] = super().render(name, value, attrs, renderer)
        return html


class RememberedActionForm(ActionForm):
    """The admin's action form, its menu rendered once (`RememberedSelect`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        field.widget = RememberedSelect(choices=field.choices)


# -- the app's users -----------------------------------------------------------


class ReadOnlyAdminMixin:
    """A record people read here and never add, edit or delete: the bots' own
    tables, the question history, the review queue (it changes questions
    through its moves, not through a form)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppUserForm(forms.ModelForm):
    """Username plus a password to set; the stored hash is never sent to the browser."""

    new_password = forms.CharField(
        label="Set password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the current password. It is stored as a hash.",
    )
    confirm_password = forms.CharField(
        label="Confirm password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = AppUser
        fields = ["username"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.fields["new_password"].required = True
            self.fields["new_password"].help_text = "Stored as a hash."
            self.fields["confirm_password"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password = cleaned.get("new_password") or ""
        if password:
            if password != (cleaned.get("confirm_password") or ""):
                self.add_error("confirm_password", "The two passwords differ.")
            else:
                try:
                    validate_password(password)
                except forms.ValidationError as error:
                    self.add_error("new_password", error)
        return cleaned

    def save(self, commit: bool = True) -> AppUser:
        user = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            user.set_password(self.cleaned_data["new_password"])
        if commit:
            user.save()
        return user


@admin.register(AppUser)
class AppUserAdmin(admin.ModelAdmin):
    form = AppUserForm
    list_display = ["username", "id", "has_password"]
    search_fields = ["username", "id"]
    readonly_fields = ["id"]
    fields = ["id", "username", "new_password", "confirm_password"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> Any:
        # The hash is never displayed, so it is never even read: only whether one is set.
        return (
            super()
            .get_queryset(request)
            .defer("password")
            .annotate(
                password_is_set=ExpressionWrapper(
                    Q(password__isnull=False) & ~Q(password=""), output_field=BooleanField()
                )
            )
        )

    def get_fields(self, request: HttpRequest, obj: AppUser | None = None) -> list[str]:
        return self.fields if obj is not None else ["username", "new_password", "confirm_password"]

    @admin.display(boolean=True, description="password set", ordering="password_is_set")
    def has_password(self, obj: AppUser) -> bool:
        return bool(obj.password_is_set)


def _without_the_job_runners_own_admin() -> None:
    """The job runner's queue (django-tasks-db registers it here) is not a
    screen of this admin: a job is read on its own page, by its owner
    (importing/job_views.py), and the queue rows hold tracebacks."""
    from django_tasks_db.models import DBTaskResult

    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)


_without_the_job_runners_own_admin()
