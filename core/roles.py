"""The admin's roles as data: group name -> permissions ("app_label.codename").

The `core` migration 0002_roles creates the groups from this, and the tests
check each role's HTTP access against it. Editing a role means changing this
and adding a migration that calls `sync_role_groups` again.

- Editors edit content (view/add/change, no delete: removing content is a
  moderation or superuser decision), see history and the bots' tables, may
  flag a question for review (with a reason; a moderator decides), and
  neither moderate nor import.
- Moderators are editors who also moderate questions and act on the work
  queue (retry, cancel, reprioritise, release, approve/reject proposals).
- Importers bulk import and export, and see the content they import.
- Superusers have every permission by definition; no group is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONTENT_MODELS = (
    "interview.question",
    "learning.certification",
    "learning.learningpath",
    "learning.voicesession",
    "interview.channelmapping",
    "interview.questionrelationship",
)
BOT_MODELS = ("bots.workitem", "bots.botrun", "bots.ledgerentry")


def _model_permissions(models: tuple[str, ...], *actions: str) -> list[str]:
    perms = []
    for model in models:
        app_label, model_name = model.split(".")
        perms += [f"{app_label}.{action}_{model_name}" for action in actions]
    return perms


EDITORS = "Editors"
MODERATORS = "Moderators"
IMPORTERS = "Importers"

EDITOR_PERMISSIONS = (
    *_model_permissions(CONTENT_MODELS, "view", "add", "change"),
    "interview.view_questionhistory",
    "interview.flag_question",
    *_model_permissions(BOT_MODELS, "view"),
)
MODERATOR_PERMISSIONS = (
    *EDITOR_PERMISSIONS,
    # Also opens the review queue, whose admin checks this permission.
    "interview.moderate_question",
    "bots.change_workitem",
    "bots.moderate_workitem",
)
IMPORTER_PERMISSIONS = (
    "importing.import_content",
    "importing.export_content",
    *_model_permissions(CONTENT_MODELS, "view"),
)

ROLES: dict[str, tuple[str, ...]] = {
    EDITORS: EDITOR_PERMISSIONS,
    MODERATORS: MODERATOR_PERMISSIONS,
    IMPORTERS: IMPORTER_PERMISSIONS,
}


@dataclass(frozen=True)
class CommandLineOperator:
    """Whoever runs a management command on the server.

    They hold the database credentials and could change any row without
    this site, so the site's roles do not bind them; naming them makes a
    command's authority explicit instead of implied by a missing user.
    Kept here, beside the roles, so any command may act as the operator
    without importing the app whose rules it passes through.
    """


OPERATOR = CommandLineOperator()


class UnknownPermission(LookupError):
    pass


def sync_role_groups(
    *, group_model: Any, permission_model: Any, roles: dict[str, tuple[str, ...]]
) -> None:
    """Create each group and give it exactly its role's permissions.

    Takes the models as arguments so a migration can pass its historical
    ones. Every permission must exist: a typo fails the migration loudly
    instead of silently creating a weaker role.
    """
    for group_name, wanted in roles.items():
        permissions = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            found = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is None:
                raise UnknownPermission(f"Role {group_name}: no permission {dotted}")
            permissions.append(found)
        group, _ = group_model.objects.get_or_create(name=group_name)
        group.permissions.set(permissions)
