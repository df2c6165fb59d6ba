"""Fixtures for the learning, bots, people, roles and read-only admin tests.

Test modules load them with `pytest_plugins = ["tests.admin_b_fixtures"]`.
Users get their permissions from the groups the `core` roles migration
creates (the test database is migrated), so these tests also prove the
migration gives each role what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from bots.models import BotRun, LedgerEntry
from core import encodings
from core.roles import EDITORS, IMPORTERS, MODERATORS
from interview.models import ChannelMapping, QuestionRelationship
from learning.models import UserSession
from tests.admin_b_helpers import (
    make_certification,
    make_learning_path,
    make_question,
    make_voice_session,
    make_work_item,
)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def build(
        role: str | None,
        *,
        superuser: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> User:
        # No password unless a test logs in through the form: hashing one
        # costs a noticeable fraction of a second per user.
        name = username or (role or ("root" if superuser else "nobody")).lower()
        user = User.objects.create_user(
            username=name, password=password, is_staff=True, is_superuser=superuser
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return build


@pytest.fixture
def login(make_user: Callable[..., User]) -> Callable[..., Client]:
    """A test Client logged in as a new user of `role` (or a superuser)."""

    def build(role: str | None = None, *, superuser: bool = False) -> Client:
        client = Client()
        client.force_login(make_user(role, superuser=superuser))
        return client

    return build


@pytest.fixture
def editor(login: Callable[..., Client]) -> Client:
    return login(EDITORS)


@pytest.fixture
def moderator(login: Callable[..., Client]) -> Client:
    return login(MODERATORS)


@pytest.fixture
def importer(login: Callable[..., Client]) -> Client:
    return login(IMPORTERS)


@pytest.fixture
def superuser(login: Callable[..., Client]) -> Client:
    return login(superuser=True)


@pytest.fixture
def catalog(db: None) -> dict[str, Any]:
    """One row in every table these admins show."""
    questions = [make_question(f"q-{n}") for n in range(1, 4)]
    path = make_learning_path(question_ids=["q-1", "q-2"])
    cert = make_certification()
    voice = make_voice_session(question_ids=["q-2", "q-3"], total_questions=2)
    mapping = ChannelMapping.objects.create(
        channel_id="python", sub_channel="basics", question=questions[0]
    )
    relationship = QuestionRelationship.objects.create(
        source_question=questions[0], target_question=questions[1], relationship_type="follow_up"
    )
    started = encodings.node_now() - timedelta(minutes=5)
    run = BotRun.objects.create(
        bot_name="improve-bot",
        started_at=started,
        completed_at=started + timedelta(seconds=95),
        status="completed",
        items_processed=3,
        summary={"message": "run finished"},
    )
    ledger = LedgerEntry.objects.create(
        bot_name="improve-bot",
        action="update",
        item_type="question",
        item_id="q-1",
        before_state={"answer": "old answer"},
        after_state={"answer": "new answer"},
        reason="answer too short",
    )
    item = make_work_item(item_id="q-1", status="failed")
    session = UserSession.objects.create(
        session_type="voice",
        session_key="voice-python",
        title="Voice: Python",
        total_items=4,
        status="active",
    )
    return {
        "questions": questions,
        "path": path,
        "cert": cert,
        "voice": voice,
        "mapping": mapping,
        "relationship": relationship,
        "run": run,
        "ledger": ledger,
        "work_item": item,
        "user_session": session,
    }


@pytest.fixture
def fast_hasher(settings: Any) -> None:
    """A cheap password hasher for tests that hash (PBKDF2 takes ~1 s here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
