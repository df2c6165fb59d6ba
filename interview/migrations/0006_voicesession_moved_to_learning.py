"""Voice sessions are the learning app's model now (learning 0002); the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('interview', '0005_bulk_permissions_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # `voice_sessions` is the Node app's table (db_push owns it);
            # only the model's app changes.
            state_operations=[
                migrations.DeleteModel(
                    name='VoiceSession',
                ),
            ],
        ),
    ]
