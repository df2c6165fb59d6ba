"""Import/export resources for certifications, learning paths and voice sessions (columns: the app's camelCase keys)."""

from __future__ import annotations

from importing.resources import NodeModelResource
from learning.models import Certification, LearningPath, VoiceSession


class CertificationResource(NodeModelResource):
    class Meta:
        model = Certification
        import_id_fields = ("id",)


class LearningPathResource(NodeModelResource):
    class Meta:
        model = LearningPath
        import_id_fields = ("id",)


class VoiceSessionResource(NodeModelResource):
    class Meta:
        model = VoiceSession
        import_id_fields = ("id",)
