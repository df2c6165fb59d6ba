"""Certifications, learning paths and voice sessions as the import engine sees them (importing/specs.py)."""

from __future__ import annotations

from typing import Any

from importing.specs import ModelSpec, register
from interview.compare import word_diff_sides
from learning.models import Certification, LearningPath, VoiceSession
from learning.resources import CertificationResource, LearningPathResource, VoiceSessionResource


def learning_path_defaults(record: dict[str, Any]) -> dict[str, Any]:
    # The app's learning-paths.json omits pathType and channels (NOT NULL
    # columns); the app itself derives the type from the id's prefix.
    path_id = str(record.get("id") or "")
    filled: dict[str, Any] = {}
    if record.get("pathType") is None:
        for prefix, path_type in (
            ("company-", "company"),
            ("job-title-", "job-title"),
            ("job-", "job-title"),
            ("cert-", "certification"),
            ("certification-", "certification"),
        ):
            if path_id.startswith(prefix):
                filled["pathType"] = path_type
                break
        else:
            filled["pathType"] = "skill"
    if record.get("channels") is None:
        filled["channels"] = []
    return filled



register(
    ModelSpec(
        name="certifications",
        model=Certification,
        resource=CertificationResource,
        mark_change=word_diff_sides,
        file_stems=("certifications",),
        recognized_by=(frozenset({"provider"}),),
    )
)
register(
    ModelSpec(
        name="learning-paths",
        model=LearningPath,
        resource=LearningPathResource,
        create_defaults=learning_path_defaults,
        mark_change=word_diff_sides,
        file_stems=("learning-paths", "learning_paths"),
        recognized_by=(frozenset({"pathType"}), frozenset({"title", "questionIds"})),
    )
)
register(
    ModelSpec(
        name="voice-sessions",
        model=VoiceSession,
        resource=VoiceSessionResource,
        mark_change=word_diff_sides,
        file_stems=("voice-sessions", "voice_sessions"),
        recognized_by=(frozenset({"topic", "questionIds"}),),
    )
)
