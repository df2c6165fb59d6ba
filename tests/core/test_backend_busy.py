"""Writers wait their turn: a transaction that reads and then writes, while
another connection is writing, waits for it instead of failing, and gives up
with a sentence in words only after the busy timeout. A dump's snapshot is a
reader and holds up no one."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction
from django.db.utils import ConnectionHandler

from core.db.errors import describe_database_error, is_busy_error
from dbops.backup import dump_database

HOLD_SECONDS = 0.6


@pytest.fixture
def shared_database(
    tmp_path: Path, django_db_blocker: Any, on_real_server: bool
) -> Iterator[ConnectionHandler]:
    """A connection handler (one connection per thread) on a database file,
    or in the sqld pass on the test server, holding an empty `busy_probe`."""
    entry = dict(connections["default"].settings_dict)
    if not on_real_server:
        entry["NAME"] = str(tmp_path / "busy.sqlite3")
    entry["OPTIONS"] = {**entry.get("OPTIONS", {}), "busy_timeout": 0.4}
    handler = ConnectionHandler({"default": entry})
    with django_db_blocker.unblock():
        with handler["default"].cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS busy_probe")
            cursor.execute("CREATE TABLE busy_probe (id INTEGER PRIMARY KEY, note TEXT)")
        handler["default"].close()
        try:
            yield handler
        finally:
            with handler["default"].cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS busy_probe")
            handler.close_all()


@contextmanager
def own_connection(handler: ConnectionHandler) -> Iterator[Any]:
    """The calling thread's default connection is `handler`'s for a while,
    so `transaction.atomic()` applies to it."""
    previous = connections["default"]
    database = handler["default"]
    connections["default"] = database
    try:
        yield database
    finally:
        database.close()
        connections["default"] = previous


def hold_the_write_lock(handler: ConnectionHandler, *, seconds: float, started: threading.Event) -> threading.Thread:
    def hold() -> None:
        try:
            with own_connection(handler) as database, transaction.atomic(), database.cursor() as cursor:
                cursor.execute("INSERT INTO busy_probe (note) VALUES ('holder')")
                started.set()
                time.sleep(seconds)
        finally:
            started.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def read_then_write(handler: ConnectionHandler) -> None:
    with own_connection(handler) as database, transaction.atomic(), database.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM busy_probe")
        cursor.fetchone()
        cursor.execute("INSERT INTO busy_probe (note) VALUES ('waiter')")


@pytest.mark.sqld
def test_a_reading_then_writing_transaction_waits_for_another_writer(
    shared_database: ConnectionHandler,
) -> None:
    started = threading.Event()
    holder = hold_the_write_lock(shared_database, seconds=HOLD_SECONDS / 2, started=started)
    assert started.wait(timeout=10)
    began = time.monotonic()
    read_then_write(shared_database)
    waited = time.monotonic() - began
    holder.join(timeout=10)
    with shared_database["default"].cursor() as cursor:
        cursor.execute("SELECT note FROM busy_probe ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["holder", "waiter"]
    assert waited < 5


def test_a_local_writer_gives_up_after_the_busy_timeout_with_a_sentence(
    shared_database: ConnectionHandler,
) -> None:
    """Not in the sqld pass: sqld queues a waiting writer itself, for up to
    5 seconds, then ends the other transaction instead."""
    started = threading.Event()
    holder = hold_the_write_lock(shared_database, seconds=3, started=started)
    assert started.wait(timeout=10)
    began = time.monotonic()
    with pytest.raises(OperationalError) as caught:
        read_then_write(shared_database)
    waited = time.monotonic() - began
    holder.join(timeout=10)
    assert 0.3 <= waited < 2.0
    assert is_busy_error(caught.value)
    assert describe_database_error(caught.value, url="busy.sqlite3") == (
        "Another save is in progress and this one could not wait any longer, so this "
        "change was not saved; nothing was lost. Try again in a moment."
    )


@pytest.mark.sqld
def test_a_save_during_a_dump_neither_waits_for_it_nor_shows_up_in_it(
    shared_database: ConnectionHandler,
) -> None:
    with own_connection(shared_database) as database, database.cursor() as cursor:
        cursor.execute("INSERT INTO busy_probe (note) VALUES ('before the dump')")
    saved: list[float] = []
    failures: list[BaseException] = []

    def save() -> None:
        began = time.monotonic()
        try:
            with own_connection(shared_database) as database, transaction.atomic(), database.cursor() as cursor:
                cursor.execute("INSERT INTO busy_probe (note) VALUES ('saved during the dump')")
            saved.append(time.monotonic() - began)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)

    def save_once_mid_dump(message: str) -> None:
        if saved or failures:
            return
        writer = threading.Thread(target=save, daemon=True)
        writer.start()
        writer.join(timeout=3)

    out = io.StringIO()
    with own_connection(shared_database) as database:
        dump_database(connection=database, out=out, progress=save_once_mid_dump, batch_rows=1)
    assert failures == [] and len(saved) == 1
    assert saved[0] < 1.0
    dump = out.getvalue()
    assert "before the dump" in dump and "saved during the dump" not in dump
