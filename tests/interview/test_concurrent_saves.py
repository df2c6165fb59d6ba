"""Several editors saving at the same moment, through the admin's change form.

Each thread has its own Django test client and its own database connection,
as gunicorn's threads do. On SQLite the threads share a database file (an
in-memory database is one connection's), copied from the test database; in
the sqld pass they share the server. Every round starts the saves together
behind a barrier, so the transactions really overlap.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from core.databases import ADMIN_DB, CONTENT_DB
from core.db.backends.libsql.base import DatabaseWrapper
from tests.support.question_admin import (
    change_url,
    client_for,
    form_data,
    history_rows,
    insert_question,
)
from tests.support.raw_sql import read_raw

pytestmark = [pytest.mark.sqld, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
STALE_COPY_REFUSAL = "Someone else saved this question after you opened it"


@dataclass
class Outcome:
    status: int | None
    location: str
    body: str
    error: str | None = None


SharedDatabase = Callable[[], Any]


@pytest.fixture
def shared_database(tmp_path: Path, on_real_server: bool) -> Iterator[SharedDatabase]:
    """A context manager that points the calling thread's connections at the
    databases every thread shares: the test servers in the sqld pass, else
    a file copy of each test database (in-memory ones cannot be shared
    between writers the way files and servers are)."""
    aliases = (CONTENT_DB, ADMIN_DB)
    if on_real_server:

        @contextmanager
        def server() -> Iterator[None]:
            try:
                yield
            finally:
                for alias in aliases:
                    connections[alias].close()

        yield server
        return
    settings_dicts = {
        alias: {**connections[alias].settings_dict, "NAME": str(tmp_path / f"{alias}.sqlite3")}
        for alias in aliases
    }
    copied = False

    @contextmanager
    def database_files() -> Iterator[None]:
        nonlocal copied
        if not copied:
            for alias in aliases:
                source = connections[alias]
                source.ensure_connection()
                target = sqlite3.connect(settings_dicts[alias]["NAME"])
                source.connection.backup(target)
                target.close()
            copied = True
        own = {alias: connections[alias] for alias in aliases}
        files = {alias: DatabaseWrapper(settings_dicts[alias], alias) for alias in aliases}
        for alias in aliases:
            connections[alias] = files[alias]
        try:
            yield
        finally:
            for alias in aliases:
                files[alias].close()
                connections[alias] = own[alias]

    yield database_files


def save_all_at_once(
    shared_database: SharedDatabase, posts: list[tuple[Client, str, dict[str, Any]]]
) -> list[Outcome]:
    barrier = threading.Barrier(len(posts))
    outcomes: list[Outcome | None] = [None] * len(posts)

    def save(index: int, client: Client, url: str, data: dict[str, Any]) -> None:
        with shared_database():
            try:
                barrier.wait(timeout=30)
                response = client.post(url, data)
                outcomes[index] = Outcome(
                    status=response.status_code,
                    location=response.get("Location", ""),
                    body=response.content.decode(errors="replace"),
                )
            except Exception as exc:  # noqa: BLE001 - reported by the assertions below
                outcomes[index] = Outcome(None, "", "", error=f"{type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=save, args=(index, *post), daemon=True)
        for index, post in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a save never finished"
    return [outcome for outcome in outcomes if outcome is not None]


def describe(outcomes: list[Outcome]) -> list[str]:
    return [
        outcome.error or f"{outcome.status} {outcome.location} {outcome.body[:300]}"
        for outcome in outcomes
    ]


def saved(outcome: Outcome) -> bool:
    return outcome.status == 302 and outcome.location == reverse(
        "admin:interview_question_changelist"
    )


def editors(editor: Any, count: int) -> list[Client]:
    return [client_for(editor) for _ in range(count)]


@pytest.mark.parametrize("threads", [2, 8])
def test_editors_saving_different_questions_at_once_all_succeed(
    editor: Any, shared_database: SharedDatabase, threads: int
) -> None:
    ids = [insert_question(f"q-{n}") for n in range(1, threads + 1)]
    clients = editors(editor, threads)
    for round_number in range(1, ROUNDS + 1):
        with shared_database():
            posts = []
            for client, qid in zip(clients, ids, strict=True):
                data = form_data(client.get(change_url(qid)))
                data["answer"] = f"Round {round_number} answer for {qid}."
                posts.append((client, change_url(qid), data))
        outcomes = save_all_at_once(shared_database, posts)
        assert len(outcomes) == threads
        assert all(saved(outcome) for outcome in outcomes), describe(outcomes)
        with shared_database():
            for qid in ids:
                answer = read_raw("questions", qid, ["answer"])["answer"]
                assert answer == f"Round {round_number} answer for {qid}."
                assert len(history_rows(qid)) == round_number


@pytest.mark.parametrize("threads", [2, 8])
def test_editors_saving_the_same_question_at_once_one_wins_the_rest_are_refused(
    editor: Any, shared_database: SharedDatabase, threads: int
) -> None:
    qid = insert_question("q-1")
    clients = editors(editor, threads)
    for round_number in range(1, ROUNDS + 1):
        with shared_database():
            posts = []
            for index, client in enumerate(clients):
                data = form_data(client.get(change_url(qid)))
                data["answer"] = f"Round {round_number}, editor {index}."
                posts.append((client, change_url(qid), data))
        outcomes = save_all_at_once(shared_database, posts)
        assert len(outcomes) == threads
        winners = [index for index, outcome in enumerate(outcomes) if saved(outcome)]
        refused = [
            outcome
            for outcome in outcomes
            if outcome.status == 200 and STALE_COPY_REFUSAL in outcome.body
        ]
        assert len(winners) == 1, describe(outcomes)
        assert len(refused) == threads - 1, describe(outcomes)
        with shared_database():
            answer = read_raw("questions", qid, ["answer"])["answer"]
            assert answer == f"Round {round_number}, editor {winners[0]}."
            assert len(history_rows(qid)) == round_number
