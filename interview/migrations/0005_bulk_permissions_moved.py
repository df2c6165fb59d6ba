"""The bulk import/export permissions are the importer's now (importing 0002)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('interview', '0004_dataqualitycount'),
        # Runs after the grants were copied from the old permissions, which
        # importing 0002 deletes; this only changes the migration state.
        ('importing', '0002_bulk_content_permissions'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='question',
            options={'ordering': ['-last_updated', 'id'], 'permissions': [('moderate_question', 'Can flag, approve, soft-delete and restore questions'), ('flag_question', 'Can flag a question for review (a moderator decides)')]},
        ),
    ]
