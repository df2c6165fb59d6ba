"""Each role sees and can do exactly its part, checked over HTTP.

`ACCESS` is the whole matrix as data: a page or a POST, and who may reach or
do it. Every role (and an anonymous visitor) is run over every row: an
allowed page answers 200, a forbidden one 403 (or the login redirect); an
allowed POST makes its change, a forbidden one is refused and changes
nothing. A hidden button is not enough: the POST itself is sent.

To cover a new control, add a row. A row whose URL does not resolve in this
build fails: a renamed or removed screen must be taken out of the matrix
on purpose, not pass unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse

from bots.models import WorkItem
from core.models import AppUser
from core.roles import EDITORS, IMPORTERS, MODERATORS, ROLES
from interview.models import Question
from learning.models import Certification, LearningPath
from tests.support.content_factories import make_question, make_work_item

pytestmark = pytest.mark.django_db

SUPERUSER = "superuser"
ANONYMOUS = "anonymous"
EVERY_ROLE = frozenset({EDITORS, MODERATORS, IMPORTERS, SUPERUSER})
CONTENT_EDITORS = frozenset({EDITORS, MODERATORS, SUPERUSER})
MODERATION = frozenset({MODERATORS, SUPERUSER})
IMPORT_EXPORT = frozenset({IMPORTERS, SUPERUSER})
SUPERUSER_ONLY = frozenset({SUPERUSER})

Env = dict[str, Any]


def url(name: str, *args: Any) -> Callable[[Env], str]:
    return lambda env: reverse(name, args=[a(env) if callable(a) else a for a in args])


@dataclass(frozen=True)
class Access:
    label: str
    allowed: frozenset[str]
    url: Callable[[Env], str]
    method: str = "GET"
    data: Callable[[Env], dict[str, Any]] = field(default=lambda env: {})
    # For a POST: whether its change happened.
    effect: Callable[[Env], bool] | None = None
    # Changelist actions a user may not run are dropped by the admin (no 403),
    # so only "nothing changed" is checked for them.
    is_action: bool = False


def _actions(ids: Callable[[Env], list[Any]], action: str) -> Callable[[Env], dict[str, Any]]:
    return lambda env: {
        "action": action,
        "_selected_action": [str(i) for i in ids(env)],
        "index": "0",
    }


ACCESS: list[Access] = [
    # -- pages ---------------------------------------------------------------
    Access("admin index", EVERY_ROLE, url("admin:index")),
    Access("questions list", EVERY_ROLE, url("admin:interview_question_changelist")),
    Access("a question", EVERY_ROLE, url("admin:interview_question_change", "q-1")),
    Access("add question", CONTENT_EDITORS, url("admin:interview_question_add")),
    Access("review queue", MODERATION, url("admin:interview_flaggedquestion_changelist")),
    Access("history", CONTENT_EDITORS, url("admin:interview_questionhistory_changelist")),
    Access("certifications", EVERY_ROLE, url("admin:learning_certification_changelist")),
    Access("add certification", CONTENT_EDITORS, url("admin:learning_certification_add")),
    Access("a learning path", EVERY_ROLE, url("admin:learning_learningpath_change", "path-1")),
    Access("voice sessions", EVERY_ROLE, url("admin:learning_voicesession_changelist")),
    Access("add channel mapping", CONTENT_EDITORS, url("admin:interview_channelmapping_add")),
    Access("relationships", EVERY_ROLE, url("admin:interview_questionrelationship_changelist")),
    Access("work queue", CONTENT_EDITORS, url("admin:bots_workitem_changelist")),
    Access("bot runs", CONTENT_EDITORS, url("admin:bots_botrun_changelist")),
    Access("bot ledger", CONTENT_EDITORS, url("admin:bots_ledgerentry_changelist")),
    Access("app users", SUPERUSER_ONLY, url("admin:core_appuser_changelist")),
    Access("user sessions", SUPERUSER_ONLY, url("admin:learning_usersession_changelist")),
    Access("admin users", SUPERUSER_ONLY, url("admin:auth_user_changelist")),
    Access("admin groups", SUPERUSER_ONLY, url("admin:auth_group_changelist")),
    Access(
        "hard delete page", SUPERUSER_ONLY, url("admin:interview_question_hard_delete", "q-hard")
    ),
    Access("import questions page", IMPORT_EXPORT, url("admin:interview_question_import")),
    Access("import certifications page", IMPORT_EXPORT, url("admin:learning_certification_import")),
    Access(
        "export certifications",
        IMPORT_EXPORT,
        lambda env: reverse("admin:learning_certification_export") + "?format=json",
    ),
    # -- writes --------------------------------------------------------------
    Access(
        "add a certification",
        CONTENT_EDITORS,
        url("admin:learning_certification_add"),
        method="POST",
        data=lambda env: {
            "id": "cert-new",
            "name": "New",
            "provider": "PSF",
            "description": "d",
            "difficulty": "beginner",
            "category": "c",
            "status": "active",
        },
        effect=lambda env: Certification.objects.filter(pk="cert-new").exists(),
    ),
    Access(
        "edit a learning path",
        CONTENT_EDITORS,
        url("admin:learning_learningpath_change", "path-1"),
        method="POST",
        data=lambda env: {
            "title": "Edited title",
            "description": "d",
            "path_type": "skill",
            "difficulty": "beginner",
            "question_ids": "q-1",
            "channels": "python",
            "status": "active",
        },
        effect=lambda env: LearningPath.objects.get(pk="path-1").title == "Edited title",
    ),
    Access(
        "flag a question",
        # A request for review, not a decision: editors may ask, moderators decide.
        CONTENT_EDITORS,
        url("admin:interview_question_moderate", "q-2"),
        method="POST",
        data=lambda env: {"action": "flag", "reason": "wrong answer"},
        effect=lambda env: Question.objects.get(pk="q-2").status == "flagged",
    ),
    Access(
        "retry a failed work item",
        MODERATION,
        url("admin:bots_workitem_changelist"),
        method="POST",
        data=_actions(lambda env: [env["failed_item"].pk], "retry_items"),
        effect=lambda env: WorkItem.objects.get(pk=env["failed_item"].pk).status == "pending",
        is_action=True,
    ),
    Access(
        "approve a delete proposal",
        MODERATION,
        url("admin:bots_workitem_changelist"),
        method="POST",
        data=_actions(lambda env: [env["proposal"].pk], "approve_proposals"),
        effect=lambda env: Question.objects.get(pk="q-3").status == "deleted",
        is_action=True,
    ),
    Access(
        "delete a certification",
        SUPERUSER_ONLY,
        url("admin:learning_certification_delete", "cert-1"),
        method="POST",
        data=lambda env: {"post": "yes"},
        effect=lambda env: not Certification.objects.filter(pk="cert-1").exists(),
    ),
    Access(
        "hard-delete a question",
        SUPERUSER_ONLY,
        url("admin:interview_question_hard_delete", "q-hard"),
        method="POST",
        data=lambda env: {"confirm": "q-hard", "reason": "spam"},
        effect=lambda env: not Question.objects.filter(pk="q-hard").exists(),
    ),
    Access(
        "add an app user",
        SUPERUSER_ONLY,
        url("admin:core_appuser_add"),
        method="POST",
        data=lambda env: {
            "username": "new-reader",
            "new_password": "Reader-pass-2026",
            "confirm_password": "Reader-pass-2026",
        },
        effect=lambda env: AppUser.objects.filter(username="new-reader").exists(),
    ),
]


@pytest.fixture
def env(catalog: dict[str, Any], fast_hasher: None) -> Env:
    make_question("q-hard")
    return {
        **catalog,
        "failed_item": catalog["work_item"],
        "proposal": make_work_item(item_id="q-3", action="delete", reason="duplicate"),
    }


def _client_for(role: str, login: Callable[..., Client]) -> Client:
    if role == ANONYMOUS:
        return Client()
    if role == SUPERUSER:
        return login(superuser=True)
    return login(role)


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and reverse("admin:login") in response["Location"]


def check_access(role: str, client: Client, env: Env, access: Access) -> str | None:
    """None when `role` gets exactly what `access` says, else what went wrong."""
    try:
        target = access.url(env)
    except NoReverseMatch:
        return f"{access.label}: its URL does not resolve in this build"
    allowed = role in access.allowed
    if access.method == "GET":
        response = client.get(target)
        if allowed and response.status_code != 200:
            return f"{access.label}: expected 200, got {response.status_code}"
        if not allowed and not (response.status_code == 403 or _is_login_redirect(response)):
            return f"{access.label}: expected 403 or login, got {response.status_code}"
        return None
    assert access.effect is not None
    if access.effect(env):
        return f"{access.label}: already done before the POST"
    response = client.post(target, access.data(env))
    happened = access.effect(env)
    if allowed and not happened:
        return f"{access.label}: allowed but nothing changed (HTTP {response.status_code})"
    if not allowed:
        if happened:
            return f"{access.label}: FORBIDDEN POST CHANGED DATA (HTTP {response.status_code})"
        refused = response.status_code == 403 or _is_login_redirect(response)
        if not refused and not access.is_action:
            return f"{access.label}: expected 403 or login, got {response.status_code}"
    return None


@pytest.mark.parametrize("role", [EDITORS, MODERATORS, IMPORTERS, SUPERUSER, ANONYMOUS])
def test_role_gets_exactly_its_part(role, env, login):
    client = _client_for(role, login)
    problems = [
        problem for access in ACCESS if (problem := check_access(role, client, env, access))
    ]
    assert problems == []


def test_matrix_reaches_the_screens_it_names(env):
    """Every row of the matrix names a screen this build has."""
    missing = []
    for access in ACCESS:
        try:
            access.url(env)
        except NoReverseMatch:
            missing.append(access.label)
    assert missing == []


@pytest.mark.sqld
def test_groups_hold_exactly_the_role_permissions(db):
    for group_name, wanted in ROLES.items():
        group = Group.objects.get(name=group_name)
        held = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == set(wanted), group_name


def test_no_role_may_delete_or_editors_moderate(db):
    for group_name in ROLES:
        codenames = set(
            Permission.objects.filter(group__name=group_name).values_list("codename", flat=True)
        )
        assert not any(c.startswith("delete_") for c in codenames), group_name
    editor_codenames = set(
        Permission.objects.filter(group__name=EDITORS).values_list("codename", flat=True)
    )
    assert not editor_codenames & {
        "moderate_question",
        "moderate_workitem",
        "import_content",
        "change_workitem",
    }
    importer_codenames = set(
        Permission.objects.filter(group__name=IMPORTERS).values_list("codename", flat=True)
    )
    assert not any(c.startswith(("add_", "change_")) for c in importer_codenames)


def test_roles_migration_is_idempotent_and_rebuilds_groups(db):
    from django.apps import apps as global_apps

    from core.roles import sync_role_groups

    Group.objects.get(name=EDITORS).permissions.clear()
    sync_role_groups(group_model=Group, permission_model=Permission, roles=ROLES)
    sync_role_groups(group_model=Group, permission_model=Permission, roles=ROLES)

    assert Group.objects.filter(name__in=list(ROLES)).count() == len(ROLES)
    assert Group.objects.get(name=EDITORS).permissions.count() == len(set(ROLES[EDITORS]))
    assert global_apps.is_installed("core")
