"""The data-quality count, moved from `core` with its table unchanged."""


import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_move_state_to_importing_and_interview'),
        ('interview', '0003_question_flag_permission'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are; only the model's app changes.
            state_operations=[
            migrations.CreateModel(
                name='DataQualityCount',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('counted_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ('counted_by', models.CharField(help_text='Who asked for the count.', max_length=150)),
                    ('question_total', models.PositiveIntegerField(help_text='Questions read (not deleted).')),
                    ('counts', models.JSONField()),
                    ('seconds', models.FloatField(help_text='How long the count took.')),
                ],
                options={
                    'verbose_name': 'data-quality count',
                    'db_table': 'core_dataqualitycount',
                    'ordering': ['-counted_at', '-id'],
                },
            ),
            ],
        ),
    ]
