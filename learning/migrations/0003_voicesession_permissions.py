"""The voice sessions' permissions follow the model to `learning`
(`interview.<action>_voicesession` -> `learning.<action>_voicesession`),
without anyone losing access.

Every group and every user holding an old permission is granted the new
one, the role groups are set to the roles as of this migration, the admin
log's entries for voice sessions point at the new content type (so each
session's history still shows), and the old permission rows are deleted,
with their content type once nothing refers to it, so no stale grant is
left to mislead whoever reads a user's permissions. Reversing does the
opposite: the interview permissions come back to whoever holds the learning
ones, the roles go back to what importing 0002 gave them, and the learning
rows are deleted.
"""

from django.conf import settings
from django.db import migrations

from core.roles import sync_role_groups

MODEL = "voicesession"
ACTIONS = (
    ("add", "Can add voice session"),
    ("change", "Can change voice session"),
    ("delete", "Can delete voice session"),
    ("view", "Can view voice session"),
)


def _content(voice_app_label):
    return ("interview.question", "learning.certification", "learning.learningpath", f"{voice_app_label}.{MODEL}",
            "interview.channelmapping", "interview.questionrelationship")


def _roles(voice_app_label):
    # The roles as of this migration (frozen: a later change of core/roles.py
    # comes with its own migration), with the voice sessions in one app.
    content = _content(voice_app_label)
    editors = (
        *(f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in content for a in ("view", "add", "change")),
        "interview.view_questionhistory", "interview.flag_question",
        "bots.view_workitem", "bots.view_botrun", "bots.view_ledgerentry",
    )
    return {
        "Editors": editors,
        "Moderators": (*editors, "interview.moderate_question", "bots.change_workitem", "bots.moderate_workitem"),
        "Importers": (
            "importing.import_content", "importing.export_content",
            *(f"{m.split('.')[0]}.view_{m.split('.')[1]}" for m in content),
        ),
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


def _move(apps, schema_editor, *, source_app_label, target_app_label):
    db = schema_editor.connection.alias
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    log_entry_model = apps.get_model("admin", "LogEntry")
    # The permissions and their content type are normally created after
    # `migrate` finishes; the grants need them now.
    target_type, _ = content_type_model.objects.using(db).get_or_create(app_label=target_app_label, model=MODEL)
    source_type = content_type_model.objects.using(db).filter(app_label=source_app_label, model=MODEL).first()
    for action, name in ACTIONS:
        target, _ = permission_model.objects.using(db).get_or_create(
            content_type=target_type, codename=f"{action}_{MODEL}", defaults={"name": name}
        )
        if source_type is None:
            continue
        for source in permission_model.objects.using(db).filter(content_type=source_type, codename=f"{action}_{MODEL}"):
            _copy_grants(group_model.permissions.through, "group", db=db, source=source, target=target)
            _copy_grants(user_model.user_permissions.through, "user", db=db, source=source, target=target)
    sync_role_groups(group_model=group_model, permission_model=permission_model, roles=_roles(target_app_label))
    if source_type is None:
        return
    # The admin's history of a row is looked up by the model's content type.
    log_entry_model.objects.using(db).filter(content_type=source_type).update(content_type=target_type)
    # Deleting the rows deletes every grant of them with them.
    permission_model.objects.using(db).filter(
        content_type=source_type, codename__in=[f"{action}_{MODEL}" for action, _ in ACTIONS]
    ).delete()
    still_used = (
        permission_model.objects.using(db).filter(content_type=source_type).exists()
        or log_entry_model.objects.using(db).filter(content_type=source_type).exists()
    )
    if not still_used:
        content_type_model.objects.using(db).filter(pk=source_type.pk).delete()


def to_learning(apps, schema_editor):
    _move(apps, schema_editor, source_app_label="interview", target_app_label="learning")


def to_interview(apps, schema_editor):
    _move(apps, schema_editor, source_app_label="learning", target_app_label="interview")


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0002_voicesession_from_interview'),
        # The roles as of importing 0002 and the models they name.
        ('importing', '0002_bulk_content_permissions'),
        ('interview', '0006_voicesession_moved_to_learning'),
        ('bots', '0001_initial'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(to_learning, to_interview),
    ]
