"""Bookkeeping of the search index, in the admin's own database.

The index itself is an FTS5 table (`search_question_fts`, created by the
migration: Django has no model for a virtual table). These tables say what
it holds: one row per indexed question with the fingerprint of the content
row it was built from, so a sync can find what changed without reading
texts; and one row of timing for the sync that keeps it fresh.
"""

from __future__ import annotations

from django.db import models


class IndexedQuestion(models.Model):
    """A question present in the index. `id` is the FTS rowid of its document."""

    id = models.AutoField(primary_key=True)
    question_id = models.TextField(unique=True)
    # `rowid % BUCKETS` of the content row: the sync compares counts and
    # fingerprint sums per bucket, then rows only in the buckets that differ.
    bucket = models.IntegerField(db_index=True)
    fingerprint = models.BigIntegerField()
    # Read with the ranked ids (the deleted-only hint) without loading documents.
    status = models.TextField(null=True)

    class Meta:
        db_table = "search_indexed_question"

    def __str__(self) -> str:
        return self.question_id


class IndexState(models.Model):
    """One row: when the index was last built and last compared with the content."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    built_at = models.DateTimeField(null=True)
    checked_at = models.DateTimeField(null=True)
    # Written when a sync starts, so that one process of several does it.
    claimed_at = models.DateTimeField(null=True)
    last_changes = models.IntegerField(default=0)

    class Meta:
        db_table = "search_index_state"

    def __str__(self) -> str:
        return f"search index checked {self.checked_at}"
