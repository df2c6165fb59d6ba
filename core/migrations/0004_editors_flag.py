"""Editors may flag a question for review."""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

from core.roles import sync_role_groups

_CONTENT = ("interview.question", "learning.certification", "learning.learningpath", "interview.voicesession",
            "interview.channelmapping", "interview.questionrelationship")
_EDITORS = (
    *(f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in _CONTENT for a in ("view", "add", "change")),
    "interview.view_questionhistory", "interview.flag_question",
    "bots.view_workitem", "bots.view_botrun", "bots.view_ledgerentry",
)
# The roles as of this migration, frozen: core/roles.py names permissions
# of later migrations (importing 0002 moved the bulk ones), which do not
# exist yet when a fresh database reaches this one.
ROLES = {
    "Editors": _EDITORS,
    "Moderators": (*_EDITORS, "interview.moderate_question", "bots.change_workitem", "bots.moderate_workitem"),
    "Importers": (
        "interview.import_content", "interview.export_content",
        *(f"{m.split('.')[0]}.view_{m.split('.')[1]}" for m in _CONTENT),
    ),
}


def sync_roles(apps, schema_editor):
    # The new permission exists only once permissions are created for the
    # models as of this migration (normally after `migrate` finishes).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_contenttypes(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        app_config.models_module = None
    sync_role_groups(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        roles=ROLES,
    )


def drop_flag_permission(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    flag = Permission.objects.filter(content_type__app_label="interview", codename="flag_question")
    for group in Group.objects.filter(name__in=list(ROLES)):
        group.permissions.remove(*flag)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_importupload"),
        ("interview", "0003_question_flag_permission"),
    ]

    operations = [migrations.RunPython(sync_roles, drop_flag_permission)]
