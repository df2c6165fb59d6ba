# Editors may flag a question for review: a permission of its own, apart from moderating.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("interview", "0002_flaggedquestion"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="question",
            options={
                "ordering": ["-last_updated", "id"],
                "permissions": [
                    ("moderate_question", "Can flag, approve, soft-delete and restore questions"),
                    ("flag_question", "Can flag a question for review (a moderator decides)"),
                    ("import_content", "Can bulk import content"),
                    ("export_content", "Can bulk export content"),
                ],
            },
        ),
    ]
