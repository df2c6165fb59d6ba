"""Import/export resources for questions and what hangs off them (columns: the app's camelCase keys)."""

from __future__ import annotations

from importing.resources import NodeModelResource
from interview.models import (
    ChannelMapping,
    Question,
    QuestionHistory,
    QuestionRelationship,
)


class QuestionResource(NodeModelResource):
    class Meta:
        model = Question
        import_id_fields = ("id",)


class ChannelMappingResource(NodeModelResource):
    class Meta:
        model = ChannelMapping
        import_id_fields = ("id",)


class QuestionRelationshipResource(NodeModelResource):
    class Meta:
        model = QuestionRelationship
        import_id_fields = ("id",)


class QuestionHistoryResource(NodeModelResource):
    """Export only: history is written by the services, never imported."""

    class Meta:
        model = QuestionHistory
