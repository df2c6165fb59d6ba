"""What moderation does, written out by hand: the truth the table and every screen are checked against.

Kept apart from `interview.moderation.TRANSITIONS` on purpose: a test that
derived its expectations from the table would pass whatever the table said.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User

from core.roles import EDITORS, IMPORTERS, MODERATORS
from interview.models import Question, QuestionHistory

UNKNOWN_STATUS = "archived"  # a value outside the choices: the app shows it as active
STATUSES: tuple[Any, ...] = ("active", "flagged", "deleted", None, UNKNOWN_STATUS)
LIVE = {"active", None, UNKNOWN_STATUS}

# move: (statuses it moves from, status it leads to, roles that may make it)
MOVES: dict[str, tuple[set[Any], str, set[str]]] = {
    "flag": (LIVE, "flagged", {"editor", "moderator", "operator"}),
    "approve": ({"flagged"}, "active", {"moderator", "operator"}),
    "delete": (LIVE | {"flagged"}, "deleted", {"moderator", "operator"}),
    "restore": ({"deleted"}, "active", {"moderator", "operator"}),
}
# The words on each move's button on a question's page.
BUTTONS = {"flag": "Flag for review", "approve": "Approve (unflag)", "delete": "Soft-delete", "restore": "Restore"}
BULK_ACTIONS = {
    "flag": "flag_selected",
    "approve": "approve_selected",
    "delete": "soft_delete_selected",
    "restore": "restore_selected",
}

ROLE_GROUPS = {"editor": EDITORS, "moderator": MODERATORS, "importer": IMPORTERS}


def role_user(role: str, *, active: bool = True) -> User:
    """A staff user in the role's group as the roles migration made it ("nobody": no group)."""
    user = User.objects.create_user(f"{role}-{'on' if active else 'off'}", password=None, is_staff=True, is_active=active)
    if role in ROLE_GROUPS:
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user


def expected_moves(*, role: str, status: Any) -> list[str]:
    """The moves `role` may make on a question in `status`, in the order the page lists them."""
    return [name for name, (sources, _, roles) in MOVES.items() if status in sources and role in roles]


def add_question(qid: str, *, status: Any) -> Question:
    """A question in `status` (None and values outside the choices included)."""
    return Question.objects.create(
        id=qid, question=f"Question {qid}?", answer="An answer.", explanation="Why.", difficulty="beginner",
        channel="backend", sub_channel="apis", status=status,
    )


def stored_status(qid: str) -> Any:
    return Question.objects.filter(pk=qid).values_list("status", flat=True).get()


def history_events(qid: str) -> list[str]:
    return list(QuestionHistory.objects.filter(question_id=qid).order_by("id").values_list("event_type", flat=True))
