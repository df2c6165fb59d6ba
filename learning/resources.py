"""Import/export resources for certifications and learning paths (columns: the app's camelCase keys)."""

from __future__ import annotations

from importing.resources import NodeModelResource
from learning.models import Certification, LearningPath


class CertificationResource(NodeModelResource):
    class Meta:
        model = Certification
        import_id_fields = ("id",)


class LearningPathResource(NodeModelResource):
    class Meta:
        model = LearningPath
        import_id_fields = ("id",)
