"""What moderation may do to a question's status, and who may do it: one table.

A question's `status` (active, flagged, deleted) is what moderation
decides. `TRANSITIONS` names each move once: the statuses it starts from,
the status it leads to, the permission it takes, the history event it
leaves and the words people see. The service that writes the change
(`interview.services.change_status`), the admin's bulk actions, the
buttons on a question's page and in the review queue all read it, so a
new move is a new row here, not an edit of four places that must agree.

Flagging is the one move that is a request rather than a decision:
whoever holds FLAG_PERMISSION (editors) may flag a question for review,
with a reason. Moderators (MODERATE_PERMISSION) may make every move.
This module holds data only; it reads no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from interview.models import HistoryEventType, QuestionStatus

MODERATE_PERMISSION = "interview.moderate_question"
FLAG_PERMISSION = "interview.flag_question"

# The permissions a move may name, by the name the admin asks them under
# (`has_<name>_permission`). Moderators hold every move whatever it names.
PERMISSIONS: dict[str, str] = {
    "moderate": MODERATE_PERMISSION,
    "flag": FLAG_PERMISSION,
}

STATUS_RULE = "only moderators may change the status of a question"


@dataclass(frozen=True)
class AskedReason:
    """The words around the reason a move requires."""

    help: str  # under the reason's box
    title: str  # the page that asks it for the questions selected in a list
    prompt: str


@dataclass(frozen=True)
class Transition:
    """One moderation move, as the service enforces it and the admin offers it."""

    # The move's name: the `change` the service takes, the value its button posts.
    name: str
    from_statuses: frozenset[str]
    to_status: str
    # A key of PERMISSIONS: who besides moderators may make this move.
    permission: str
    event_type: str
    # The button on a question's page, and its shorter form in a review queue row.
    button: str
    row_button: str
    # The bulk action on a list of questions: its name and its menu text.
    action_name: str
    action_description: str
    # "A reason is required to <verb> a question."
    verb: str
    # Set when the move takes a reason (a request to others, say).
    reason: AskedReason | None = None
    # What someone who may make only some moves is told they may do here.
    invitation: str = ""
    # Shown as the page's default (emphasised) button.
    primary: bool = False

    @property
    def reason_required(self) -> bool:
        return self.reason is not None

    def applies_to(self, status: str | None) -> bool:
        return effective_status(status) in self.from_statuses

    @property
    def django_permission(self) -> str:
        return PERMISSIONS[self.permission]


def effective_status(status: str | None) -> str:
    """The status the app acts on: NULL, empty and unknown values read as active
    (the app shows those questions to readers)."""
    return status if status in QuestionStatus.values else QuestionStatus.ACTIVE


TRANSITIONS: dict[str, Transition] = {
    transition.name: transition
    for transition in (
        Transition(
            name="flag",
            from_statuses=frozenset({QuestionStatus.ACTIVE}),
            to_status=QuestionStatus.FLAGGED,
            permission="flag",
            event_type=HistoryEventType.FLAGGED,
            button="Flag for review",
            row_button="Flag",
            action_name="flag_selected",
            action_description="Flag selected questions for review…",
            verb="flag",
            reason=AskedReason(
                help="Why this question needs review. Shown in the review queue.",
                title="Flag questions for review",
                prompt="Flag these questions for review:",
            ),
            invitation="flag a question for review, with a reason",
        ),
        Transition(
            name="approve",
            from_statuses=frozenset({QuestionStatus.FLAGGED}),
            to_status=QuestionStatus.ACTIVE,
            permission="moderate",
            event_type=HistoryEventType.APPROVED,
            button="Approve (unflag)",
            row_button="Approve",
            action_name="approve_selected",
            action_description="Approve (unflag) selected questions",
            verb="approve",
            primary=True,
        ),
        Transition(
            name="delete",
            from_statuses=frozenset({QuestionStatus.ACTIVE, QuestionStatus.FLAGGED}),
            to_status=QuestionStatus.DELETED,
            permission="moderate",
            event_type=HistoryEventType.DELETED,
            button="Soft-delete",
            row_button="Delete",
            action_name="soft_delete_selected",
            action_description="Soft-delete selected questions",
            verb="soft-delete",
        ),
        Transition(
            name="restore",
            from_statuses=frozenset({QuestionStatus.DELETED}),
            to_status=QuestionStatus.ACTIVE,
            permission="moderate",
            event_type=HistoryEventType.RESTORED,
            button="Restore",
            row_button="Restore",
            action_name="restore_selected",
            action_description="Restore selected deleted questions",
            verb="restore",
            primary=True,
        ),
    )
}


def transitions_from(status: str | None) -> list[Transition]:
    """The moves that apply to a question in `status`, in the table's order."""
    return [transition for transition in TRANSITIONS.values() if transition.applies_to(status)]
