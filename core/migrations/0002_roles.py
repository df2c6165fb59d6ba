"""The admin's roles: groups Editors, Moderators and Importers (see core/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

from core.roles import sync_role_groups

_CONTENT = ("interview.question", "learning.certification", "learning.learningpath", "interview.voicesession",
            "interview.channelmapping", "interview.questionrelationship")
_EDITORS = (
    *(f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in _CONTENT for a in ("view", "add", "change")),
    "interview.view_questionhistory", "bots.view_workitem", "bots.view_botrun", "bots.view_ledgerentry",
)
# The roles as this migration created them. Later migrations change them
# (0004 lets editors flag); a permission added later does not exist yet here.
ROLES = {
    "Editors": _EDITORS,
    "Moderators": (*_EDITORS, "interview.moderate_question", "bots.change_workitem", "bots.moderate_workitem"),
    "Importers": (
        "interview.import_content", "interview.export_content",
        *(f"{m.split('.')[0]}.view_{m.split('.')[1]}" for m in _CONTENT),
    ),
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after `migrate` finishes; on a fresh
    # database they do not exist yet, so create them (and their content
    # types) now from the models as of this migration.
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


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("interview", "0001_initial"),
        ("learning", "0001_initial"),
        ("bots", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
