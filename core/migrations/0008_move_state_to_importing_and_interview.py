"""The importer's uploads and jobs moved to `importing`, the data-quality count to `interview`."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_data_quality_count'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are; only the model's app changes.
            state_operations=[
            migrations.RemoveField(
                model_name='backgroundjob',
                name='upload',
            ),
            migrations.RemoveField(
                model_name='backgroundjob',
                name='user',
            ),
            migrations.RemoveField(
                model_name='backgroundjobpart',
                name='job',
            ),
            migrations.DeleteModel(
                name='DataQualityCount',
            ),
            migrations.RemoveField(
                model_name='importupload',
                name='user',
            ),
            migrations.RemoveField(
                model_name='importuploadpart',
                name='upload',
            ),
            migrations.DeleteModel(
                name='BackgroundJob',
            ),
            migrations.DeleteModel(
                name='BackgroundJobPart',
            ),
            migrations.DeleteModel(
                name='ImportUpload',
            ),
            migrations.DeleteModel(
                name='ImportUploadPart',
            ),
            ],
        ),
    ]
