"""The bulk import/export permissions move from the questions' model to the
importer's (`interview.import_content` -> `importing.import_content`, same
for `export_content`), without anyone losing access.

Every group and every user holding an old permission is granted the new
one, the role groups are set to the roles as of this migration, and the old
permission rows are deleted, so no stale grant is left to mislead whoever
reads a user's permissions. Reversing does the opposite: the interview
permissions come back to whoever holds the importing ones, the roles go
back to what core 0004 gave them, and the importing rows are deleted.
"""

from django.conf import settings
from django.db import migrations

from core.roles import sync_role_groups

BULK_PERMISSIONS = (
    ("import_content", "Can bulk import content"),
    ("export_content", "Can bulk export content"),
)
# The model each side's permissions hang on: (app_label, model).
IMPORTING_MODEL = ("importing", "importupload")
INTERVIEW_MODEL = ("interview", "question")

_CONTENT = ("interview.question", "learning.certification", "learning.learningpath", "interview.voicesession",
            "interview.channelmapping", "interview.questionrelationship")
_EDITORS = (
    *(f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in _CONTENT for a in ("view", "add", "change")),
    "interview.view_questionhistory", "interview.flag_question",
    "bots.view_workitem", "bots.view_botrun", "bots.view_ledgerentry",
)
_MODERATORS = (*_EDITORS, "interview.moderate_question", "bots.change_workitem", "bots.moderate_workitem")
_CONTENT_VIEWS = tuple(f"{m.split('.')[0]}.view_{m.split('.')[1]}" for m in _CONTENT)


def _roles(bulk_app_label):
    # The roles as of this migration (frozen: a later change of core/roles.py
    # comes with its own migration), with the bulk permissions of one side.
    return {
        "Editors": _EDITORS,
        "Moderators": _MODERATORS,
        "Importers": tuple(f"{bulk_app_label}.{codename}" for codename, _ in BULK_PERMISSIONS) + _CONTENT_VIEWS,
    }


def _copy_grants(through, owner_field, *, db, source, target):
    """Grant `target` to every owner (group or user) `through` says holds `source`."""
    already = through.objects.using(db).filter(permission=target).values(owner_field)
    owners = (
        through.objects.using(db)
        .filter(permission=source)
        .exclude(**{f"{owner_field}__in": already})
        .values_list(owner_field, flat=True)
    )
    through.objects.using(db).bulk_create(
        [through(**{f"{owner_field}_id": owner, "permission": target}) for owner in owners]
    )


def _move(apps, schema_editor, *, source_model, target_model, roles):
    db = schema_editor.connection.alias
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    # The permissions and their content type are normally created after
    # `migrate` finishes; the grants need them now.
    app_label, model = target_model
    target_type, _ = content_type_model.objects.using(db).get_or_create(app_label=app_label, model=model)
    for codename, name in BULK_PERMISSIONS:
        target, _ = permission_model.objects.using(db).get_or_create(
            content_type=target_type, codename=codename, defaults={"name": name}
        )
        sources = permission_model.objects.using(db).filter(
            content_type__app_label=source_model[0], content_type__model=source_model[1], codename=codename
        )
        for source in sources:
            _copy_grants(group_model.permissions.through, "group", db=db, source=source, target=target)
            _copy_grants(user_model.user_permissions.through, "user", db=db, source=source, target=target)
    sync_role_groups(group_model=group_model, permission_model=permission_model, roles=roles)
    # Deleting the rows deletes every grant of them with them.
    permission_model.objects.using(db).filter(
        content_type__app_label=source_model[0],
        content_type__model=source_model[1],
        codename__in=[codename for codename, _ in BULK_PERMISSIONS],
    ).delete()


def to_importing(apps, schema_editor):
    _move(apps, schema_editor, source_model=INTERVIEW_MODEL, target_model=IMPORTING_MODEL, roles=_roles("importing"))


def to_interview(apps, schema_editor):
    _move(apps, schema_editor, source_model=IMPORTING_MODEL, target_model=INTERVIEW_MODEL, roles=_roles("interview"))


class Migration(migrations.Migration):

    dependencies = [
        ('importing', '0001_initial'),
        # The roles as of core 0004 (flagging editors) and the models they name.
        ('core', '0004_editors_flag'),
        ('interview', '0004_dataqualitycount'),
        ('learning', '0001_initial'),
        ('bots', '0001_initial'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='importupload',
            options={'permissions': [('import_content', 'Can bulk import content'), ('export_content', 'Can bulk export content')], 'verbose_name': 'import upload'},
        ),
        migrations.RunPython(to_importing, to_interview),
    ]
