"""The content admin for questions, one module per concern.

`questions` is the list and the form, `moderation` the moves on a
question's status and the review queue, `history` the recorded changes and
their comparison, `related` the tables that point at questions (channel
mappings, relationships). Importing the package registers them all
(Django's admin autodiscovery imports it).
"""

from interview.admin import history, moderation, questions, related

__all__ = ["history", "moderation", "questions", "related"]
