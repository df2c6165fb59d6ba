"""Fixtures shared by every test folder; a folder's own live in its conftest.py.

Helpers that are not fixtures live in tests/support/ and are imported by
name. One meaning per name: `editor`, `moderator` and `superuser` are Users
with exactly the question admin's permissions; `editor_in_role` and
`moderator_in_role` are Users of the roles in core/roles.py (their group
from the roles migration, so those tests also prove the migration gives
each role what it needs); a `_client` suffix is a test Client signed in
as that user; `make_user(role)` builds more role users and `login(role)`
more signed-in clients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from core.roles import EDITORS, MODERATORS
from tests.support.content_factories import (
    make_certification,
    make_learning_path,
    make_question,
    make_voice_session,
    make_work_item,
)
from tests.support.question_admin import client_for
from tests.support.sqld import SqldServer, start_sqld
from tests.support.sqld import on_real_server as _on_real_server


@pytest.fixture(scope="session")
def sqld_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqldServer]:
    """A JWT-authenticated sqld for the whole session (`.url`, `.rw_token`, `.ro_token`)."""
    server = start_sqld(Path(tmp_path_factory.mktemp("sqld")), jwt_auth=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_real_server() -> bool:
    """True in the sqld pass, where the default database is a libSQL server."""
    return _on_real_server()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: the question list keeps its
    channel choices for minutes, which would leak one test's data into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every database test may use both databases: the admin's own (`default`)
    and the Node app's content (`content`). A test that names its databases
    keeps its choice."""
    from pytest_django.fixtures import validate_django_db

    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            transaction, reset_sequences, databases, serialized_rollback, available_apps = (
                validate_django_db(marker)
            )
            if databases is not None:
                continue
        elif {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
            transaction = reset_sequences = serialized_rollback = False
            available_apps = None
        else:
            continue
        item.add_marker(
            pytest.mark.django_db(
                transaction=transaction,
                reset_sequences=reset_sequences,
                databases="__all__",
                serialized_rollback=serialized_rollback,
                available_apps=available_apps,
            ),
            append=False,
        )


@pytest.fixture(autouse=True)
def empty_search_index_after_committing_tests(
    request: pytest.FixtureRequest, django_db_blocker: Any
) -> Iterator[None]:
    """A test that commits (transactional_db, live_server) ends with Django
    flushing the tables of models; the full-text index is an FTS5 table, not
    a model, so it is emptied here, or its rows would be found by the next
    test's searches."""
    yield
    marker = request.node.get_closest_marker("django_db")
    committed = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    if not committed and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    from django.db import connections

    from core.databases import ADMIN_DB
    from search.index import FTS_TABLE

    with django_db_blocker.unblock():
        with connections[ADMIN_DB].cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """The test content database gets the Node app's 12 tables the way a real
    one does: from the schema contract (`db_push`), not from migrations."""
    from django.db import connections

    from core.databases import CONTENT_DB
    from dbops.schema_sync import apply_push, plan_push

    with django_db_blocker.unblock():
        connection = connections[CONTENT_DB]
        apply_push(connection=connection, plan=plan_push(connection=connection))


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """`make_user(role)`: a new staff user in the role's group (None: no group)."""

    def build(
        role: str | None,
        *,
        superuser: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> User:
        # No password unless a test signs in through the form: hashing one
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
    """`login(role)` / `login(superuser=True)`: a test Client signed in as a new user."""

    def build(role: str | None = None, *, superuser: bool = False) -> Client:
        return client_for(make_user(role, superuser=superuser))

    return build


# Users with exactly the permissions the question admin checks, given here
# (a group for the moderator, so its permission look-up is the group query a
# real moderator pays) and independent of the roles migration, so they exist
# in transactional tests too, where the migration's groups are flushed.
QUESTION_EDITOR_PERMISSIONS = (
    "interview.view_question",
    "interview.add_question",
    "interview.change_question",
    "interview.view_questionhistory",
)
QUESTION_MODERATOR_PERMISSIONS = (
    *QUESTION_EDITOR_PERMISSIONS,
    "interview.moderate_question",
    "bots.moderate_workitem",
)


def _permissions(dotted: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in dotted:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@pytest.fixture
def editor(db: None) -> User:
    """Edits questions; neither flags nor moderates."""
    user = User.objects.create_user("edna", password=None, is_staff=True)
    user.user_permissions.set(_permissions(QUESTION_EDITOR_PERMISSIONS))
    return user


@pytest.fixture
def moderator(db: None) -> User:
    """Edits and moderates questions and the work queue's proposals."""
    group = Group.objects.create(name="Test moderators")
    group.permissions.set(_permissions(QUESTION_MODERATOR_PERMISSIONS))
    user = User.objects.create_user("moe", password=None, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", password=None, email="root@example.com")


@pytest.fixture
def editor_client(editor: User) -> Client:
    return client_for(editor)


@pytest.fixture
def moderator_client(moderator: User) -> Client:
    return client_for(moderator)


@pytest.fixture
def superuser_client(superuser: User) -> Client:
    return client_for(superuser)


# Users of the roles in core/roles.py, with the permissions the roles
# migration gives their group (only where that migration's data exists).
@pytest.fixture
def editor_in_role(make_user: Callable[..., User]) -> User:
    return make_user(EDITORS, username="edna")


@pytest.fixture
def moderator_in_role(make_user: Callable[..., User]) -> User:
    return make_user(MODERATORS, username="moe")


@pytest.fixture
def editor_in_role_client(editor_in_role: User) -> Client:
    return client_for(editor_in_role)


@pytest.fixture
def moderator_in_role_client(moderator_in_role: User) -> Client:
    return client_for(moderator_in_role)


@pytest.fixture
def fast_hasher(settings: Any) -> None:
    """A cheap password hasher for tests that hash (PBKDF2 takes ~1 s here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog(db: None) -> dict[str, Any]:
    """One row in every table the learning, bots and people admins show."""
    from bots.models import BotRun, LedgerEntry
    from core import encodings
    from interview.models import ChannelMapping, QuestionRelationship
    from learning.models import UserSession

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
