"""Helpers for the real-browser tests: finding Chromium, watching a page
for JavaScript errors and dialogs, keeping failure artifacts, logging in,
and the users and questions the journeys start from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Debian's Chromium; Playwright's own browser download does not work here.
DEFAULT_CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
PASSWORD = "correct horse battery staple 42"
# Actions wait this long for an element before failing (milliseconds).
DEFAULT_TIMEOUT_MS = 10_000


def find_chromium(*, environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The Chromium binary to drive: `CHROMIUM_BIN` when set (and then only
    it, as tests/browser/ensure_chromium.sh does), else Debian's."""
    override = environ.get("CHROMIUM_BIN")
    candidates = (override,) if override else DEFAULT_CHROMIUM_PATHS
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def running_in_ci(*, environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    return environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@dataclass
class PageProblems:
    """What went wrong in the page while a test drove it: console errors,
    uncaught exceptions and dialogs (alert/confirm/prompt), each with the
    address of the screen it happened on."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    screens: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("dialog", self._on_dialog(page))
        page.on("framenavigated", self._on_navigation(page))

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url") or "?"
        self.console_errors.append(f"{url}: {message.text}")

    def _on_dialog(self, page: Any) -> Any:
        def record_and_dismiss(dialog: Any) -> None:
            self.dialogs.append(f"{page.url}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        return record_and_dismiss

    def _on_navigation(self, page: Any) -> Any:
        def record(frame: Any) -> None:
            if frame == page.main_frame:
                self.screens.append(frame.url)

        return record

    def __bool__(self) -> bool:
        return bool(self.console_errors or self.page_errors or self.dialogs)

    def describe(self) -> str:
        lines = []
        for title, entries in (
            ("JavaScript console errors", self.console_errors),
            ("Uncaught JavaScript exceptions", self.page_errors),
            ("Dialogs opened (a script ran that should not have)", self.dialogs),
        ):
            if entries:
                lines.append(f"{title}:")
                lines += [f"  {entry}" for entry in entries]
        return "\n".join(lines)

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.dialogs.clear()


def artifact_stem(nodeid: str) -> str:
    """A file name for a test's artifacts: its node id, made path-safe."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:180]


def save_artifacts(*, page: Any, problems: PageProblems | None, nodeid: str,
                   directory: Path = ARTIFACTS_DIR) -> list[Path]:
    """A screenshot, the page's HTML and what the page reported, for a
    failed test. Never raises: the page may be gone."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = artifact_stem(nodeid)
    written = []
    try:
        shot = directory / f"{stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        written.append(shot)
    except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the failure
        (directory / f"{stem}.screenshot-error.txt").write_text(str(error))
    try:
        html = directory / f"{stem}.html"
        html.write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
        written.append(html)
    except Exception as error:  # noqa: BLE001
        (directory / f"{stem}.html-error.txt").write_text(str(error))
    if problems is not None:
        log = directory / f"{stem}.console.txt"
        screens = "\n".join(f"  {url}" for url in problems.screens)
        log.write_text(f"Screens visited:\n{screens}\n{problems.describe()}\n", encoding="utf-8")
        written.append(log)
    return written


# -- people and content -------------------------------------------------------

ROLE_NAMES = ("editor", "moderator", "importer")


def make_admin_user(*, username: str, role: str) -> Any:
    """A staff user in the role's group (from core.roles, created if the
    database was emptied since migrating), or a superuser for 'superuser'."""
    from django.contrib.auth.models import Group, Permission, User

    from core import roles

    if role == "superuser":
        return User.objects.create_superuser(username=username, email=f"{username}@example.com",
                                             password=PASSWORD)
    group_name = {"editor": roles.EDITORS, "moderator": roles.MODERATORS,
                  "importer": roles.IMPORTERS}[role]
    if not Group.objects.filter(name=group_name).exists():
        roles.sync_role_groups(group_model=Group, permission_model=Permission,
                               roles={group_name: roles.ROLES[group_name]})
    user = User.objects.create_user(username=username, email=f"{username}@example.com",
                                    password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def log_in(page: Any, *, username: str, password: str = PASSWORD) -> None:
    """Log in through the admin's login page, as a person would."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def make_question(**values: Any) -> Any:
    """A question as the Node app would store it, via the project's service
    so its history starts the way the admin's does."""
    from interview.models import Question
    from interview.services import create_question

    defaults: dict[str, Any] = {
        "question": "What is a race condition?",
        "answer": "Two operations whose outcome depends on their timing.",
        "explanation": "## Why it matters\n\nIt is **hard** to reproduce.",
        "diagram": "graph TD\n  A[Thread 1] --> C[Shared counter]\n  B[Thread 2] --> C",
        "difficulty": "intermediate",
        "tags": ["concurrency", "threads"],
        "channel": "backend",
        "sub_channel": "concurrency",
        "companies": ["Stripe"],
        "status": "active",
        "relevance_score": 70,
    }
    defaults.update(values)
    return create_question(question=Question(**defaults), source_name="seed-bot",
                           event_source="bot").question
