# The review queue's proxy model: no table, only its admin screen.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("interview", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="FlaggedQuestion",
            fields=[],
            options={
                "verbose_name": "flagged question",
                "verbose_name_plural": "review queue",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("interview.question",),
        ),
    ]
