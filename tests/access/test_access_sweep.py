"""The access sweep: every admin URL the resolver knows, as every kind of visitor.

URLs come from the URL resolver, not a hand-kept list, so a screen or a
ModelAdmin added later is swept too. For each visitor:

- anonymous, inactive and non-staff users are sent to the sign-in page
  from every page but the sign-in page itself;
- a staff user without permissions reaches only the site pages (index,
  sections, own password) and gets 403 everywhere else;
- each role (and the superuser) gets exactly what the role matrix
  (core/roles.py) gives it for the standard views, with the few places an
  admin deliberately refuses stated in tests/support/admin_sweep.py; a
  custom view answers only to a user the matrix lets use it;
- POSTs (changelist actions, add/change/delete forms, custom views) by a
  visitor without the permission are refused and change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.support.admin_sweep import (
    MODEL_PERMISSION_INSTEAD,
    OPEN_TO_ALL_STAFF,
    ROLE_KINDS,
    AdminURL,
    admin_urls,
    database_fingerprint,
    django_permission,
    expected_allowed,
    load_sweep_content,
    login_redirect,
    make_user,
    request_for,
    role_may,
)

pytestmark = pytest.mark.django_db

# Custom views that need more than their model's permissions: moderating and
# hard-deleting change what readers see, so only moderators and superusers may.
CUSTOM_VIEW_PERMISSION = {
    "interview_question_moderate": "interview.moderate_question",
    "interview_question_hard_delete": "superuser",
}


def custom_view_permission(name: str) -> str | None:
    """The permission a custom view requires beyond its model's, if any."""
    if name in CUSTOM_VIEW_PERMISSION:
        return CUSTOM_VIEW_PERMISSION[name]
    if name.endswith(("_import", "_import_preview")):
        return "importing.import_content"
    if name.endswith("_export"):
        return "importing.export_content"
    return None


# Answers that refuse nothing and reveal nothing for a user who may not use the page:
# Django's "no such page" for a section/app with nothing visible, a view_on_site
# for a model without public URLs, 405 for a GET on a POST-only view.
NEUTRAL = {
    "section": {404}, "app_list": {404}, "view_on_site": {404}, "autocomplete": {403}, "data_quality_recount": {405},
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def hands_over(response: Any) -> bool:
    """A redirect to another admin page (not sign-in): that page is swept in its own right."""
    return response.status_code == 302 and not login_redirect(response)


@pytest.fixture
def sweep() -> list[AdminURL]:
    load_sweep_content()
    cases, unfilled = admin_urls()
    # Every named admin URL but the catch-all must be reachable by the sweep.
    assert unfilled == [], f"the sweep could not build these admin URLs: {unfilled}"
    assert len(cases) > 50
    return cases


def client_for(kind: str) -> tuple[Client, Any]:
    client = Client()
    user = make_user(kind)
    if user is not None:
        client.force_login(user)
    return client, user


@pytest.mark.parametrize("kind", ["anonymous", "inactive_staff", "not_staff"])
def test_signed_out_visitors_are_sent_to_sign_in_everywhere(sweep: list[AdminURL], kind: str) -> None:
    client, _ = client_for(kind)
    before = database_fingerprint()
    wrong = []
    for case in sweep:
        if case.name == "login":
            continue
        get = client.get(case.url)
        post = client.post(case.url, {"action": "delete_selected", "post": "yes", "_selected_action": "1"})
        if case.name == "logout":
            # Signing out is allowed to anyone; it only ends a session.
            ok = get.status_code in (302, 405) and post.status_code in (200, 302)
        else:
            ok = login_redirect(get) and login_redirect(post)
        if not ok:
            wrong.append((case.name, get.status_code, post.status_code))
    assert wrong == [], f"{kind}: pages not redirected to sign-in: {wrong}"
    assert database_fingerprint() == before


def test_staff_without_permissions_reaches_only_site_pages(sweep: list[AdminURL]) -> None:
    client, _ = client_for("staff_no_perms")
    wrong = []
    for case in sweep:
        if case.name == "logout":
            continue
        response = client.get(case.url)
        status = response.status_code
        if case.name in OPEN_TO_ALL_STAFF:
            ok = status in (200, 302) or status in NEUTRAL.get(case.name, ())
        else:
            ok = status in (403, 405) or status in NEUTRAL.get(case.name, ()) or hands_over(response)
        if not ok:
            wrong.append((case.name, status))
    assert wrong == [], f"staff user without permissions got: {wrong}"


def custom_view_allowed(case: AdminURL, kind: str) -> bool:
    """Whether the role matrix lets `kind` use a custom view: its stated
    permission, else viewing or changing the model (or its governing permission)."""
    required = custom_view_permission(case.name)
    if required is not None:
        return role_may(kind, required)
    label = case.model_admin.model._meta.label_lower
    if label in MODEL_PERMISSION_INSTEAD:
        return role_may(kind, MODEL_PERMISSION_INSTEAD[label])
    return any(role_may(kind, django_permission(case, action)) for action in ("view", "change"))


def action_allowed(case: AdminURL, kind: str, action: Any) -> bool:
    """Whether the role matrix lets `kind` run a changelist action: it may use
    the list, and holds each permission the action declares it needs."""
    if not expected_allowed(case, kind):
        return False
    opts = case.model_admin.model._meta
    needs = getattr(action, "allowed_permissions", ())
    return all(role_may(kind, f"{opts.app_label}.{need}_{opts.model_name}") for need in needs)


@pytest.mark.parametrize("kind", [k for k in ROLE_KINDS if k not in ("anonymous", "inactive_staff", "not_staff", "staff_no_perms")])
def test_each_role_gets_exactly_what_the_role_matrix_allows(sweep: list[AdminURL], kind: str) -> None:
    client, _user = client_for(kind)
    wrong = []
    for case in sweep:
        if case.name == "logout":
            continue
        response = client.get(case.url)
        status = response.status_code
        allowed = expected_allowed(case, kind)
        if allowed is not None:
            ok = status == 200 if allowed else status == 403
            ok = ok or hands_over(response)
        elif case.view == "custom":
            # GET on a view that only takes POST may answer 405; never 200 without the permission.
            # With the permission a view may still refuse (e.g. import on an
            # export-only model, or an import preview token that does not exist);
            # without it, it must.
            may = custom_view_allowed(case, kind)
            ok = status < 500 if may else status in (403, 405) or hands_over(response)
        else:
            ok = status in (200, 302) or status in NEUTRAL.get(case.name, ())
        if status >= 500:
            ok = False
        if not ok:
            wrong.append((case.name, status))
    assert wrong == [], f"{kind}: unexpected answers: {wrong}"


@pytest.mark.parametrize("kind", [k for k in ROLE_KINDS if k in ("staff_no_perms", "Editors", "Moderators", "Importers")])
def test_forbidden_posts_change_nothing(sweep: list[AdminURL], kind: str) -> None:
    """Forged POSTs to actions, forms and custom views the role may not use: refused, nothing written."""
    client, _user = client_for(kind)
    superuser_request = request_for(make_user("superuser"))
    before = database_fingerprint()
    wrong = []
    tried = 0
    for case in sweep:
        ma = case.model_admin
        if ma is None:
            continue
        if case.view == "changelist":
            # Every action there is (what a superuser is offered), minus those the matrix grants.
            for name, (function, _name, _description) in ma.get_actions(superuser_request).items():
                if action_allowed(case, kind, function):
                    continue
                tried += 1
                response = client.post(
                    case.url,
                    {"action": name, "_selected_action": [str(case.obj.pk)], "post": "yes", "index": "0"},
                )
                if response.status_code not in (302, 403, 200) or database_fingerprint() != before:
                    wrong.append((case.name, name, response.status_code))
        elif case.view in ("add", "change", "delete", "custom"):
            if case.view == "custom":
                may = custom_view_allowed(case, kind)
            else:
                may = expected_allowed(case, kind)
            if may:
                continue
            tried += 1
            response = client.post(case.url, {"post": "yes", "reason": "forged", "question": "forged"})
            # A standard view must refuse outright; a custom one may answer with
            # a page (read-only views render on POST too) but must write nothing.
            refused = response.status_code in (403, 405) or hands_over(response)
            if case.view == "custom":
                refused = response.status_code < 500
            if not refused or database_fingerprint() != before:
                wrong.append((case.name, response.status_code))
    assert tried > 0
    assert wrong == [], f"{kind}: forbidden POSTs that were not refused or changed data: {wrong}"
