"""Voice sessions, moved from `interview` with their table (`voice_sessions`) unchanged."""

import core.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0001_initial'),
        ('interview', '0006_voicesession_moved_to_learning'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # `voice_sessions` is the Node app's table (db_push owns it);
            # only the model's app changes.
            state_operations=[
                migrations.CreateModel(
                    name='VoiceSession',
                    fields=[
                        ('id', core.fields.TextColumnField(max_length=255, primary_key=True, serialize=False, verbose_name='ID')),
                        ('topic', core.fields.TextColumnField(max_length=255)),
                        ('description', models.TextField(blank=True, null=True)),
                        ('channel', core.fields.TextColumnField(max_length=255)),
                        ('difficulty', core.fields.ChoiceTextField(choices=[('beginner', 'Beginner'), ('intermediate', 'Intermediate'), ('advanced', 'Advanced')], max_length=255)),
                        ('question_ids', core.fields.NodeJSONField()),
                        ('total_questions', models.IntegerField()),
                        ('estimated_minutes', models.IntegerField(blank=True, db_default=5, default=5, null=True)),
                        ('created_at', core.fields.NodeTimestampField(blank=True, db_default=core.fields.CurrentTimestamp(), null=True, set_on_create=True)),
                        ('last_updated', core.fields.NodeTimestampField(blank=True, null=True, set_on_change=True)),
                    ],
                    options={
                        'db_table': 'voice_sessions',
                        'ordering': ['channel', 'id'],
                        'indexes': [models.Index(fields=['channel'], name='idx_voice_sessions_channel')],
                    },
                ),
            ],
        ),
    ]
