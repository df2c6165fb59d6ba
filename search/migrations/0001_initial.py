from django.db import migrations, models

# The FTS5 table as search/index.py FTS_DDL creates it on a rebuild.
FTS_DDL = (
    "CREATE VIRTUAL TABLE search_question_fts USING fts5("
    "question, answer, explanation, tags, companies, ident, "
    "qid UNINDEXED, channel UNINDEXED, status UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="IndexedQuestion",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("question_id", models.TextField(unique=True)),
                ("bucket", models.IntegerField(db_index=True)),
                ("fingerprint", models.BigIntegerField()),
                ("status", models.TextField(null=True)),
            ],
            options={"db_table": "search_indexed_question"},
        ),
        migrations.CreateModel(
            name="IndexState",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("built_at", models.DateTimeField(null=True)),
                ("checked_at", models.DateTimeField(null=True)),
                ("claimed_at", models.DateTimeField(null=True)),
                ("last_changes", models.IntegerField(default=0)),
            ],
            options={"db_table": "search_index_state"},
        ),
        migrations.RunSQL(FTS_DDL, reverse_sql="DROP TABLE IF EXISTS search_question_fts"),
    ]
