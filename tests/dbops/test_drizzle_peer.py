"""The Node app's schema tool against a content database the admin has used.

A real sqld holds the app's data (the legacy database built from the real
exports); the admin, on an embedded admin database of its own, migrates,
pushes the content schema, signs in, edits, moderates and imports. Then the
app's maintainers run `drizzle-kit push` with the app's own configuration:
it must find nothing of the admin's to drop, and after `--force` the admin
must work with every one of its rows. drizzle-kit rebuilds the app's tables
from its schema.ts, which lacks the bots' indexes and some defaults:
`db_check` names exactly those, and `db_push` puts the indexes back without
touching a row.

Runs in the normal pass (it starts its own sqld and runs `manage.py` and
`npx drizzle-kit` as processes); see tests/support/drizzle_peer.py for the npm cache
and when it skips (or, with CI=true, fails).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dbops import schema_contract as contract
from tests.support.db_commands import CommandResult, run_manage
from tests.support.drizzle_peer import (
    ADMIN_NAME,
    ADMIN_STILL_WORKS_SCRIPT,
    ADMIN_USE_SCRIPT,
    PushRun,
    drizzle_push,
    load_sqlite_into_sqld,
    peer_folder,
    planned_names,
    remote_objects,
    remote_rows,
    remote_table_hashes,
    require_shared_material,
    script_result,
    sqlite_table_hashes,
    unavailable,
)
from tests.support.shared_data import LEGACY_BUILDER, build_legacy_database
from tests.support.sqld import SqldServer, SqldUnavailable, start_sqld

LEGACY_QUESTIONS = 300
USERNAME = "peer-admin"
PASSWORD = "peer-admin-password-5831"
# Index families the bots' DDL adds and the app's schema.ts does not declare.
BOT_INDEX_PREFIXES = ("idx_work_queue_", "idx_bot_ledger_", "idx_bot_runs_", "idx_user_sessions_")
# What drizzle-kit's rebuilds leave that an additive push cannot restore:
# SQLite changes a column's default or NOT NULL only by rebuilding the table.
NOT_ADDITIVE_AFTER_DRIZZLE = {
    ("bot_ledger", "created_at", contract.DIFFERENT_DEFAULT),
    ("question_history", "created_at", contract.DIFFERENT_DEFAULT),
    ("question_relationships", "created_at", contract.DIFFERENT_DEFAULT),
    ("voice_sessions", "created_at", contract.DIFFERENT_DEFAULT),
    ("work_queue", "created_at", contract.DIFFERENT_DEFAULT),
    ("learning_paths", "created_at", contract.DIFFERENT_NULLABILITY),
    ("user_sessions", "last_accessed_at", contract.DIFFERENT_NULLABILITY),
    ("user_sessions", "started_at", contract.DIFFERENT_NULLABILITY),
}

@dataclass
class PeerRun:
    """Everything observed along the way, for the tests to check."""

    server: SqldServer
    admin_db: Path
    app_tables: set[str]
    admin_use: dict[str, Any] = field(default_factory=dict)
    objects_before_push: dict[str, set[str]] = field(default_factory=dict)
    admin_rows_before_push: dict[str, tuple[int, str]] = field(default_factory=dict)
    kept_rows_before_push: dict[str, tuple[int, str]] = field(default_factory=dict)
    question_ids_before_push: set[str] = field(default_factory=set)
    push: PushRun | None = None
    forced: PushRun | None = None
    objects_after_push: dict[str, set[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def manage(self, *args: str, **env: str) -> CommandResult:
        started = time.monotonic()
        result = run_manage(
            *args,
            url=self.server.url,
            token=self.server.rw_token,
            extra_env={
                "ADMIN_DATABASE_URL": f"file:{self.admin_db}",
                "OI_HTTPS": "0",
                "PEER_ADMIN_USERNAME": USERNAME,
                "PEER_ADMIN_PASSWORD": PASSWORD,
                **env,
            },
        )
        self.seconds[args[0]] = self.seconds.get(args[0], 0.0) + time.monotonic() - started
        return result


def app_table_names() -> set[str]:
    return set(contract.contract_table_names())


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PeerRun]:
    started = time.monotonic()
    require_shared_material(LEGACY_BUILDER)
    folder = peer_folder()
    installed = time.monotonic()
    tmp = tmp_path_factory.mktemp("drizzle-peer")
    legacy = build_legacy_database(tmp / "legacy.sqlite3", limit=LEGACY_QUESTIONS)
    try:
        server = start_sqld(tmp, jwt_auth=True)
    except SqldUnavailable as exc:
        unavailable(str(exc))
    run = PeerRun(server=server, admin_db=tmp / "admin.sqlite3", app_tables=app_table_names())
    run.seconds["npm install (0 when cached)"] = installed - started
    try:
        load_sqlite_into_sqld(legacy, server)

        # The admin is set up and used.
        for command in (("migrate", "--no-input"), ("db_push", "--yes")):
            result = run.manage(*command)
            assert result.returncode == 0, result.output[-3000:]
        used = run.manage("shell", "-c", ADMIN_USE_SCRIPT)
        assert used.returncode == 0, used.output[-3000:]
        run.admin_use = script_result(used.stdout)

        run.objects_before_push = remote_objects(server)
        run.admin_rows_before_push = sqlite_table_hashes(run.admin_db)
        run.kept_rows_before_push = remote_table_hashes(
            server, ["questions", "question_history"], by_rowid=False
        )
        run.question_ids_before_push = {qid for (qid,) in remote_rows(server, "SELECT id FROM questions")}

        # The app's maintainers push their schema, then force it as CI does.
        pushed = time.monotonic()
        run.push = drizzle_push(folder, server)
        run.forced = drizzle_push(folder, server, force=True)
        run.seconds["drizzle-kit push, twice"] = time.monotonic() - pushed
        run.objects_after_push = remote_objects(server)
        yield run
    finally:
        server.stop()
        print(f"\ndrizzle peer timings: {json.dumps({k: round(v, 1) for k, v in run.seconds.items()})}")


def test_the_admin_was_used_before_the_push(peer_run: PeerRun) -> None:
    used = peer_run.admin_use
    assert used["login"][0] == 302, used
    assert used["edit"] == {"get": 200, "post": 302, "saved": True, "errors": ""}
    assert (used["flag"], used["flagged"], used["approve"], used["approved"]) == (
        302, "flagged", 302, "active"
    )
    assert (used["import_upload"], used["import_confirm"], used["imported"]) == (302, 302, True)
    assert used["pending_upload"] == 302
    assert used["history_rows"] == 3  # the edit, the flag, the approval
    # The admin's rows are in its own database, none of them in the content one.
    admin_rows = peer_run.admin_rows_before_push
    for table in ("auth_user", "django_session", "django_admin_log", "core_importupload",
                  "axes_accessattempt", "django_migrations"):
        assert admin_rows[table][0] > 0, (table, admin_rows)
    assert peer_run.objects_before_push["table"] == peer_run.app_tables
    assert "trigger" not in peer_run.objects_before_push
    assert "view" not in peer_run.objects_before_push
    assert not [n for names in peer_run.objects_before_push.values() for n in names
                if ADMIN_NAME.fullmatch(n)]


def test_drizzle_kit_plans_nothing_of_the_admins(peer_run: PeerRun) -> None:
    push = peer_run.push
    assert push is not None and push.returncode == 0, push.output[-4000:] if push else None
    statements = push.statements
    # The content database differs from schema.ts, so there is a plan to read.
    assert statements, push.output[-4000:]
    assert ADMIN_NAME.findall(push.output) == []
    planned = planned_names(statements)
    app_tables = peer_run.app_tables
    rebuilt_copies = {f"__new_{name}" for name in app_tables}
    assert planned.dropped_tables <= app_tables, planned.dropped_tables - app_tables
    assert planned.created_tables <= app_tables | rebuilt_copies
    assert {new for _old, new in planned.renamed_tables} <= app_tables
    assert planned.dropped_indexes <= peer_run.objects_before_push.get("index", set())
    assert {table for _index, table in planned.created_indexes} <= app_tables | rebuilt_copies
    assert planned.triggers_or_views == []
    # Without a TTY drizzle-kit stops at its data-loss prompt (it did, for the
    # admin's tables, when they were in this database); its rebuilds of the
    # app's tables keep their rows, so it applied them. It prints errors and
    # still exits 0: the last line says what happened.
    assert "Found data-loss statements" not in push.output, push.output[-4000:]
    assert "Changes applied" in push.output, push.output[-4000:]


def test_after_drizzle_kit_push_force_the_admin_works_and_lost_no_row(peer_run: PeerRun) -> None:
    forced = peer_run.forced
    assert forced is not None and forced.returncode == 0, forced.output[-4000:] if forced else None
    assert re.search(r"Changes applied|No changes detected", forced.output), forced.output[-4000:]
    assert ADMIN_NAME.findall(forced.output) == []
    assert peer_run.objects_after_push["table"] == peer_run.app_tables

    # Every admin row and every question is still there.
    assert sqlite_table_hashes(peer_run.admin_db) == peer_run.admin_rows_before_push
    assert remote_table_hashes(
        peer_run.server, ["questions", "question_history"], by_rowid=False
    ) == peer_run.kept_rows_before_push
    assert {qid for (qid,) in remote_rows(peer_run.server, "SELECT id FROM questions")} == (
        peer_run.question_ids_before_push
    )

    edited = peer_run.admin_use["edited"]
    works = peer_run.manage("shell", "-c", ADMIN_STILL_WORKS_SCRIPT, PEER_EDITED_QUESTION=edited)
    assert works.returncode == 0, works.output[-3000:]
    result = script_result(works.stdout)
    # Signed in with the password through the sign-in page: the user, its
    # password hash and the throttling tables all survived.
    assert result["login"][0] == 302 and "/login/" not in result["login"][1], result
    assert (result["list"], result["listed"]) == (200, 5), result
    assert result["edit"] == {"get": 200, "post": 302, "saved": True, "errors": ""}
    assert result["history"] == 200 and result["history_names_editor"], result
    assert result["history_rows"] == 2  # the edit before the push and this one
    assert result["newest_history_created_at"], result  # written by the admin, not a default


def test_db_check_names_what_drizzle_kit_left_out_and_db_push_restores_the_indexes(
    peer_run: PeerRun,
) -> None:
    server = peer_run.server
    removed_indexes = peer_run.objects_before_push["index"] - peer_run.objects_after_push.get(
        "index", set()
    )
    for prefix in BOT_INDEX_PREFIXES:
        assert any(name.startswith(prefix) for name in removed_indexes), (prefix, removed_indexes)

    check = peer_run.manage("db_check", "--json")
    assert check.returncode == 1, check.output[-3000:]
    report = json.loads(check.stdout)
    found = {(d["table"], d["name"], d["kind"]) for d in report["differences"]}
    missing_indexes = {name for _table, name, kind in found if kind == contract.MISSING_INDEX}
    assert missing_indexes == removed_indexes
    assert found - {(t, n, k) for t, n, k in found if k == contract.MISSING_INDEX} == (
        NOT_ADDITIVE_AFTER_DRIZZLE
    )
    assert {d["table"] for d in report["differences"]} <= peer_run.app_tables
    assert ADMIN_NAME.findall(check.stdout) == []

    rows_before = remote_table_hashes(server, peer_run.app_tables)
    pushed = peer_run.manage("db_push", "--yes")
    assert pushed.returncode == 0, pushed.output[-3000:]
    assert f"-- Applied {len(removed_indexes)} additive changes." in pushed.stdout, pushed.stdout
    assert remote_table_hashes(server, peer_run.app_tables) == rows_before
    assert remote_objects(server)["index"] >= removed_indexes

    again = peer_run.manage("db_check", "--json")
    assert again.returncode == 1, again.output[-3000:]
    remaining = {(d["table"], d["name"], d["kind"]) for d in json.loads(again.stdout)["differences"]}
    assert remaining == NOT_ADDITIVE_AFTER_DRIZZLE
