"""The uploads and jobs, moved from `core` with their tables (`core_*`) unchanged."""


import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0008_move_state_to_importing_and_interview'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are; only the model's app changes.
            state_operations=[
            migrations.CreateModel(
                name='ImportUpload',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('filename', models.CharField(max_length=255)),
                    ('file_format', models.CharField(max_length=8)),
                    ('size', models.PositiveBigIntegerField(help_text='Bytes uploaded (before compression).')),
                    ('model', models.CharField(blank=True, default='', max_length=64)),
                    ('skip_invalid', models.BooleanField(default=False)),
                    ('assign_ids', models.BooleanField(default=False)),
                    ('on_duplicate', models.CharField(db_default='refuse', default='refuse', max_length=8)),
                    ('overwrite_newer', models.BooleanField(db_default=False, default=False)),
                    ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'import upload',
                    'db_table': 'core_importupload',
                },
            ),
            migrations.CreateModel(
                name='BackgroundJob',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('kind', models.CharField(choices=[('import', 'import'), ('export', 'export')], max_length=8)),
                    ('label', models.CharField(max_length=255)),
                    ('model', models.CharField(max_length=64)),
                    ('file_format', models.CharField(blank=True, default='', max_length=8)),
                    ('query', models.TextField(blank=True, default='')),
                    ('admin_site', models.CharField(blank=True, default='', max_length=64)),
                    ('state', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed'), ('cancelled', 'cancelled')], default='queued', max_length=12)),
                    ('stage', models.CharField(blank=True, default='', max_length=64)),
                    ('stage_started_at', models.DateTimeField(blank=True, null=True)),
                    ('rows_done', models.PositiveIntegerField(default=0)),
                    ('rows_total', models.PositiveIntegerField(default=0)),
                    ('cancel_requested', models.BooleanField(default=False)),
                    ('error', models.TextField(blank=True, default='')),
                    ('summary', models.TextField(blank=True, default='')),
                    ('filename', models.CharField(blank=True, default='', max_length=255)),
                    ('content_type', models.CharField(blank=True, default='', max_length=128)),
                    ('size', models.PositiveBigIntegerField(default=0)),
                    ('task_id', models.CharField(blank=True, default='', max_length=64)),
                    ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ('started_at', models.DateTimeField(blank=True, null=True)),
                    ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('upload', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='importing.importupload')),
                ],
                options={
                    'verbose_name': 'background job',
                    'db_table': 'core_backgroundjob',
                },
            ),
            migrations.CreateModel(
                name='BackgroundJobPart',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveIntegerField()),
                    ('data', models.BinaryField()),
                    ('job', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='parts', to='importing.backgroundjob')),
                ],
                options={
                    'verbose_name': 'background job part',
                    'db_table': 'core_backgroundjobpart',
                    'constraints': [models.UniqueConstraint(fields=('job', 'number'), name='core_backgroundjobpart_unique')],
                },
            ),
            migrations.CreateModel(
                name='ImportUploadPart',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('file', 'file'), ('report', 'report')], max_length=8)),
                    ('number', models.PositiveIntegerField()),
                    ('data', models.BinaryField()),
                    ('upload', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='parts', to='importing.importupload')),
                ],
                options={
                    'verbose_name': 'import upload part',
                    'db_table': 'core_importuploadpart',
                    'constraints': [models.UniqueConstraint(fields=('upload', 'kind', 'number'), name='core_importuploadpart_unique')],
                },
            ),
            ],
        ),
    ]
