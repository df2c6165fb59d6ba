"""The Node app's own schema tool, drizzle-kit, run as the app's maintainers
run it, against a database the admin has used.

`../shared/legacy/drizzle/` holds the app's `schema.ts`, its
`drizzle.config.ts` and a `package.json` pinning drizzle-kit, drizzle-orm
and @libsql/client. `peer_folder()` installs those with npm once into
`$XDG_CACHE_HOME/open-interview-admin/drizzle-peer-<hash of package.json>/`
(default `~/.cache/...`) and reuses it; `drizzle_push()` runs
`npx drizzle-kit push --verbose` there.

Where node, npm or the shared folder are missing the tests skip with the
reason; with CI=true they fail instead, since CI must run them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.shared_data import SHARED_DIR
from tests.support.sqld import SqldServer

PEER_SOURCE = SHARED_DIR / "legacy" / "drizzle"
PEER_FILES = ("package.json", "schema.ts", "drizzle.config.ts")
INSTALL_TIMEOUT_SECONDS = 600
PUSH_TIMEOUT_SECONDS = 180
# Marks a cache folder whose `npm install` finished.
INSTALLED_MARKER = ".installed"

# Names of what Django, django-axes and the admin create: none of them may
# appear in what drizzle-kit plans for the content database.
ADMIN_NAME = re.compile(r"\b(?:django|auth|axes|core)_\w+", re.IGNORECASE)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
IDENTIFIER = r"[`\"]?([\w$]+)[`\"]?"
STATEMENT_START = re.compile(
    r"^\s*(CREATE|DROP|ALTER|INSERT|UPDATE|DELETE|PRAGMA)\b", re.IGNORECASE | re.MULTILINE
)
DROPPED_TABLE = re.compile(rf"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{IDENTIFIER}", re.IGNORECASE)
DROPPED_INDEX = re.compile(rf"\bDROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?{IDENTIFIER}", re.IGNORECASE)
CREATED_TABLE = re.compile(
    rf"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{IDENTIFIER}", re.IGNORECASE
)
CREATED_INDEX = re.compile(
    rf"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?{IDENTIFIER}\s+ON\s+{IDENTIFIER}",
    re.IGNORECASE,
)
RENAMED_TABLE = re.compile(rf"\bALTER\s+TABLE\s+{IDENTIFIER}\s+RENAME\s+TO\s+{IDENTIFIER}", re.IGNORECASE)
TRIGGER_OR_VIEW = re.compile(r"\b(?:CREATE|DROP)\s+(?:TEMP\w*\s+)?(?:TRIGGER|VIEW)\b", re.IGNORECASE)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail where CI must run the test."""
    if running_in_ci():
        pytest.fail(f"The drizzle-kit peer test cannot run with CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require_shared_material(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            unavailable(f"{path} is absent: the shared legacy material is not beside this clone")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "open-interview-admin"


def peer_folder() -> Path:
    """The app's schema files beside an installed node_modules, installed
    once per package.json and reused."""
    require_shared_material(*(PEER_SOURCE / name for name in PEER_FILES))
    for tool in ("node", "npm", "npx"):
        if shutil.which(tool) is None:
            unavailable(f"`{tool}` is not on the PATH: the Node app's drizzle-kit cannot run")
    package_json = (PEER_SOURCE / "package.json").read_bytes()
    folder = cache_root() / f"drizzle-peer-{hashlib.sha256(package_json).hexdigest()[:16]}"
    if not (folder / INSTALLED_MARKER).is_file():
        _install(folder)
    # The schema files are copied every time: they may change without the pins.
    for name in PEER_FILES:
        shutil.copyfile(PEER_SOURCE / name, folder / name)
    return folder


def _install(folder: Path) -> None:
    """`npm install` into a scratch folder, then move it into place, so an
    interrupted install never leaves a folder that looks finished."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{folder.name}-", dir=folder.parent))
    try:
        for name in PEER_FILES:
            shutil.copyfile(PEER_SOURCE / name, scratch / name)
        try:
            completed = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund"],
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            unavailable(f"`npm install` of the pinned drizzle-kit took over {INSTALL_TIMEOUT_SECONDS} s")
        if completed.returncode != 0:
            unavailable(
                "`npm install` of the pinned drizzle-kit failed (is the npm registry reachable?): "
                + (completed.stderr or completed.stdout)[-1500:]
            )
        (scratch / INSTALLED_MARKER).write_text("npm install --no-audit --no-fund\n")
        try:
            scratch.rename(folder)
        except OSError:
            # Another run finished first; its folder is as good as ours.
            if not (folder / INSTALLED_MARKER).is_file():
                shutil.rmtree(folder, ignore_errors=True)
                scratch.rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass
class PushRun:
    returncode: int
    output: str  # stdout and stderr, without terminal escapes

    @property
    def statements(self) -> list[str]:
        """The SQL statements drizzle-kit printed: each from a line starting
        with a statement keyword up to the next such line or blank line."""
        found = []
        for match in STATEMENT_START.finditer(self.output):
            rest = self.output[match.start() :]
            end = re.search(r";\s*$", rest, re.MULTILINE)
            found.append(rest[: end.end()].strip() if end else rest.splitlines()[0].strip())
        return found


def drizzle_push(folder: Path, server: SqldServer, *, force: bool = False) -> PushRun:
    """`npx drizzle-kit push --verbose [--force] </dev/null` with the app's
    configuration, pointed at `server`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURSO_")}
    env.update(TURSO_DATABASE_URL=server.url, TURSO_AUTH_TOKEN=server.rw_token or "")
    command = ["npx", "--no-install", "drizzle-kit", "push", "--verbose"]
    if force:
        command.append("--force")
    completed = subprocess.run(
        command,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=PUSH_TIMEOUT_SECONDS,
    )
    # The cache folder's path (in its "Reading config file" line) is the
    # machine's, not drizzle-kit's plan.
    output = ANSI_ESCAPE.sub("", completed.stdout + completed.stderr).replace(str(folder), "<peer>")
    return PushRun(completed.returncode, output)


@dataclass(frozen=True)
class PlannedNames:
    dropped_tables: set[str]
    created_tables: set[str]
    renamed_tables: set[tuple[str, str]]
    dropped_indexes: set[str]
    created_indexes: set[tuple[str, str]]  # (index, table)
    triggers_or_views: list[str]


def planned_names(statements: Iterable[str]) -> PlannedNames:
    text = "\n".join(statements)
    return PlannedNames(
        dropped_tables=set(DROPPED_TABLE.findall(text)),
        created_tables=set(CREATED_TABLE.findall(text)),
        renamed_tables=set(RENAMED_TABLE.findall(text)),
        dropped_indexes=set(DROPPED_INDEX.findall(text)),
        created_indexes=set(CREATED_INDEX.findall(text)),
        triggers_or_views=[s for s in statements if TRIGGER_OR_VIEW.search(s)],
    )


# ---------------------------------------------------------------------------
# The databases


def load_sqlite_into_sqld(source_path: Path, server: SqldServer) -> None:
    """Copy a SQLite file's schema and rows into an empty sqld."""
    import turso_serverless

    source = sqlite3.connect(source_path)
    # sqld enforces foreign keys; the dump creates tables alphabetically, so
    # channel_mappings' rows arrive before the questions they reference.
    script = "PRAGMA foreign_keys=OFF;\n" + "\n".join(
        line for line in source.iterdump() if line not in ("BEGIN TRANSACTION;", "COMMIT;")
    )
    source.close()
    remote = turso_serverless.connect(server.url, auth_token=server.rw_token)
    try:
        remote.executescript(script)
    finally:
        remote.close()


def remote_rows(server: SqldServer, sql: str) -> list[tuple[Any, ...]]:
    import turso_serverless

    remote = turso_serverless.connect(server.url, auth_token=server.rw_token)
    try:
        return [tuple(row) for row in remote.execute(sql).fetchall()]
    finally:
        remote.close()


def remote_objects(server: SqldServer) -> dict[str, set[str]]:
    """type -> names, of everything in the database but SQLite's own."""
    found: dict[str, set[str]] = {}
    for kind, name in remote_rows(
        server, "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ):
        found.setdefault(kind, set()).add(name)
    return found


def remote_table_hashes(
    server: SqldServer, tables: Iterable[str], *, by_rowid: bool = True
) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row per table: in rowid order, or, with
    `by_rowid=False`, of the sorted rows (a rebuild may hand out new rowids)."""
    result = {}
    for table in sorted(tables):
        order = " ORDER BY rowid" if by_rowid else ""
        rows = [repr(row) for row in remote_rows(server, f'SELECT * FROM "{table}"{order}')]
        if not by_rowid:
            rows.sort()
        result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def sqlite_table_hashes(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per table of an embedded database."""
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        result = {}
        for table in sorted(tables):
            # Sorted here: the search index's FTS5 tables have no rowid to order by.
            rows = sorted(repr(tuple(r)) for r in db.execute(f'SELECT * FROM "{table}"'))
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return result
    finally:
        db.close()


# ---------------------------------------------------------------------------
# The admin, used as people use it: run with `manage.py shell -c` (Django's
# test client, so every page goes through the real middleware, login
# throttling and sessions). Each prints one line `RESULT <json>`.

_ADMIN_HELPERS = textwrap.dedent(
    """
    import json, os
    from django.test.utils import setup_test_environment
    setup_test_environment()  # responses carry their template context
    from django.test import Client
    from django.urls import reverse
    from interview.models import Question, QuestionHistory

    USERNAME = os.environ["PEER_ADMIN_USERNAME"]
    PASSWORD = os.environ["PEER_ADMIN_PASSWORD"]
    HOST = {"HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1"}

    def log_in(client):
        response = client.post(
            reverse("admin:login"),
            {"username": USERNAME, "password": PASSWORD, "next": reverse("admin:index")},
            **HOST,
        )
        return response.status_code, response.get("Location", "")

    def form_data(response):
        form = response.context["adminform"].form
        data = {}
        for name, field in form.fields.items():
            value = field.prepare_value(form[name].value())
            if isinstance(value, bool) or (value is None and type(field).__name__ == "NullBooleanField"):
                data[name] = {True: "true", False: "false", None: "unknown"}[value]
            else:
                data[name] = "" if value is None else value
        return data

    def edit_answer(client, qid, answer):
        url = reverse("admin:interview_question_change", args=[qid])
        page = client.get(url, **HOST)
        data = form_data(page)
        data["answer"] = answer
        response = client.post(url, data, **HOST)
        errors = ""
        if response.status_code != 302 and response.context:
            errors = str(response.context["adminform"].form.errors)
        saved = Question.objects.get(pk=qid).answer == answer
        return {"get": page.status_code, "post": response.status_code, "saved": saved, "errors": errors}
    """
)

ADMIN_USE_SCRIPT = _ADMIN_HELPERS + textwrap.dedent(
    """
    from django.contrib.auth import get_user_model
    from importing.exporting import export_queryset

    get_user_model().objects.create_superuser(USERNAME, "peer@example.com", PASSWORD)
    result = {}
    # A failed sign-in of another name from another address: django-axes
    # keeps the attempt (a success resets those of its name and address).
    result["failed_login"] = Client().post(
        reverse("admin:login"), {"username": "nobody", "password": "wrong"},
        HTTP_HOST="127.0.0.1", REMOTE_ADDR="192.0.2.10",
    ).status_code
    client = Client()
    result["login"] = log_in(client)
    active = list(Question.objects.filter(status="active").order_by("id").values_list("id", flat=True)[:2])
    edited, moderated = active
    result["edited"] = edited
    result["edit"] = edit_answer(client, edited, "Edited in the admin before drizzle-kit push.")
    moderate = reverse("admin:interview_question_moderate", args=[moderated])
    result["flag"] = client.post(moderate, {"action": "flag", "reason": "Checked by the peer"}, **HOST).status_code
    result["flagged"] = Question.objects.get(pk=moderated).status
    result["approve"] = client.post(moderate, {"action": "approve"}, **HOST).status_code
    result["approved"] = Question.objects.get(pk=moderated).status

    # Import through the admin: one file confirmed, one left waiting at its preview.
    exported = json.loads(export_queryset(queryset=Question.objects.filter(pk=edited), file_format="json").content)
    import_url = reverse("admin:interview_question_import")
    def upload(new_id, name):
        record = dict(exported[0], id=new_id, question=f"Imported by the peer test as {new_id}?")
        content = json.dumps([record]).encode()
        from django.core.files.uploadedfile import SimpleUploadedFile
        response = client.post(
            import_url, {"file": SimpleUploadedFile(name, content, "application/json"), "model": "questions"}, **HOST
        )
        return response.status_code, response.get("Location", "")
    status, preview = upload("q-peer-imported", "peer-questions.json")
    result["import_upload"] = status
    result["import_confirm"] = client.post(preview, {"confirm": "1"}, **HOST).status_code
    result["imported"] = Question.objects.filter(pk="q-peer-imported").exists()
    result["pending_upload"] = upload("q-peer-pending", "peer-pending.json")[0]
    result["history_rows"] = QuestionHistory.objects.filter(question_id__in=[edited, moderated]).count()
    print("RESULT " + json.dumps(result))
    """
)

ADMIN_STILL_WORKS_SCRIPT = _ADMIN_HELPERS + textwrap.dedent(
    """
    result = {}
    client = Client()
    result["login"] = log_in(client)
    listing = client.get(reverse("admin:interview_question_changelist"), **HOST)
    page = listing.content.decode()
    newest = list(
        Question.objects.exclude(status="deleted").order_by("-last_updated").values_list("id", flat=True)[:5]
    )
    result["list"] = listing.status_code
    result["listed"] = sum(f">{qid}<" in page for qid in newest)
    edited = os.environ["PEER_EDITED_QUESTION"]
    result["edit"] = edit_answer(client, edited, "Edited in the admin after drizzle-kit push --force.")
    history = client.get(reverse("admin:interview_question_history", args=[edited]), **HOST)
    result["history"] = history.status_code
    result["history_names_editor"] = USERNAME in history.content.decode()
    rows = QuestionHistory.objects.filter(question_id=edited)
    result["history_rows"] = rows.count()
    result["newest_history_created_at"] = str(rows.order_by("-id").values_list("created_at", flat=True)[0] or "")
    print("RESULT " + json.dumps(result))
    """
)


def script_result(output: str) -> dict[str, Any]:
    import json

    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise AssertionError(f"The admin script printed no result:\n{output[-3000:]}")
