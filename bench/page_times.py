"""Page times of the admin's main screens: on the server and in a real browser.

    python bench/page_times.py [--quick] [--db PATH] [--copies 3] [--views 9] [--loads 5]

For each main screen (dashboard, questions list, filtered, searched, review
queue, a question's change page, its history, one history entry's
comparison, certifications, a learning path, the work queue, the import
page) prints one markdown table row:

- server ms: median of --views GETs through Django's test Client in this
  process, signed in as the site's superuser, after one warm-up; with the
  queries of one view on the content and the admin database;
- browser ms: median of --loads navigations of headless Chromium (Debian's
  /usr/bin/chromium driven by Playwright, as tests/browser does) to the
  same address on gunicorn as `make serve` runs it (tests/support/site_server.py:
  2 workers x 4 threads, 127.0.0.1 only), after one warm-up, so static
  files come from the browser's cache as they do for someone at work.
  From the page's navigation timing: responseEnd - requestStart (the
  server's answer and its transfer) and loadEventEnd (everything: HTML,
  CSS, scripts, images, until the load event has run).

Data: the shared legacy database (bench/admin_screens.py build_database),
its questions replicated --copies more times (default 3: about 34,000
questions, the size of the full export); `--db PATH` reuses a file built
earlier. Preparation: migrate, db_push --yes and ensure_superuser (as
tests/support/site_server.py does) and `search_index --rebuild`, timed. The admin
database is a new temporary file. Everything started here (gunicorn,
Chromium) is stopped before the script ends; the whole run stops with an
error past --max-seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(PROJECT_DIR / "tests" / "browser"))

from bench.admin_screens import build_database, measure  # noqa: E402
from tests.support.site_server import (  # noqa: E402
    SUPERUSER,
    SUPERUSER_PASSWORD,
    prepare_database,
    site_env,
    start_site,
)

# What a navigation reports, in ms from its start: the answer (request sent
# to last byte received) and the end of the load event.
NAVIGATION_TIMING_JS = """() => {
  const [entry] = performance.getEntriesByType('navigation');
  return {answer: entry.responseEnd - entry.requestStart, load: entry.loadEventEnd, bytes: entry.decodedBodySize};
}"""
LOAD_EVENT_DONE_JS = "() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
NAVIGATION_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Screen:
    name: str
    url: str


@dataclass(frozen=True)
class ServerTime:
    queries: str
    median_ms: float


class Deadline:
    """Stops the run with a clear sentence once `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def check(self, doing: str) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > self.seconds:
            raise SystemExit(f"page_times: stopped after {elapsed:.0f} s (limit {self.seconds:.0f} s) while {doing}.")


def prepare(env: dict[str, str]) -> float:
    """Both databases ready and the search index built; seconds the rebuild took."""
    prepare_database(env)
    started = time.perf_counter()
    rebuild = subprocess.run(
        [sys.executable, "manage.py", "search_index", "--rebuild"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    if rebuild.returncode != 0:
        raise SystemExit(f"page_times: search_index --rebuild failed:\n{rebuild.stderr[-2000:]}")
    return time.perf_counter() - started


def screens() -> list[Screen]:
    """The screens to time, with the sample rows they open (Django set up)."""
    from django.urls import reverse

    from interview.models import Question, QuestionHistory
    from learning.models import LearningPath

    existing = Question.objects.values("pk")
    entry = (
        QuestionHistory.objects.filter(question_type="question", question_id__in=existing)
        .order_by("-pk")
        .first()
    )
    if entry is None:
        raise SystemExit("page_times: the database has no history entry of an existing question.")
    path = LearningPath.objects.order_by("pk").first()
    if path is None:
        raise SystemExit("page_times: the database has no learning path.")
    question_list = reverse("admin:interview_question_changelist")
    question_id = entry.question_id
    return [
        Screen("dashboard", reverse("admin:index")),
        Screen("questions list", question_list),
        Screen("questions list, filtered", question_list + "?channel=algorithms&difficulty__exact=advanced"),
        Screen("questions search", question_list + "?q=kubernetes"),
        Screen("review queue", reverse("admin:interview_flaggedquestion_changelist")),
        Screen("question change page", reverse("admin:interview_question_change", args=[question_id])),
        Screen("question history", reverse("admin:interview_question_history", args=[question_id])),
        Screen("history entry diff", reverse("admin:interview_question_history_entry", args=[question_id, entry.pk])),
        Screen("certifications list", reverse("admin:learning_certification_changelist")),
        Screen("learning path change page", reverse("admin:learning_learningpath_change", args=[path.pk])),
        Screen("work queue list", reverse("admin:bots_workitem_changelist")),
        Screen("import page", reverse("admin:interview_question_import")),
    ]


def server_times(pages: list[Screen], *, views: int, deadline: Deadline) -> dict[str, ServerTime]:
    from django.contrib.auth.models import User
    from django.db import connections
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=SUPERUSER))
    times = {}
    for screen in pages:
        deadline.check(f"timing {screen.name} on the server")
        queries, median_ms, _trips = measure(client, screen.url, views)
        times[screen.name] = ServerTime(queries, median_ms)
        print(f"  server: {screen.name}: {median_ms:.1f} ms, {queries} queries", flush=True)
    connections.close_all()
    return times


def browser_times(
    pages: list[Screen], *, site_url: str, loads: int, deadline: Deadline
) -> dict[str, tuple[float, float]]:
    """{screen: (median responseEnd - requestStart, median loadEventEnd)} in ms."""
    from browser_support import CHROMIUM_ARGS, find_chromium
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise SystemExit("page_times: no Chromium at /usr/bin/chromium (or $CHROMIUM_BIN): install Debian's `chromium`.")
    times = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
        try:
            context = chromium.new_context(base_url=site_url, viewport={"width": 1280, "height": 800})
            context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
            page = context.new_page()
            # A stylesheet or script that failed would make the load look fast.
            failed: list[str] = []
            page.on("response", lambda answer: answer.status >= 400 and failed.append(f"{answer.status} {answer.url}"))
            page.goto("/admin/login/")
            page.fill("#id_username", SUPERUSER)
            page.fill("#id_password", SUPERUSER_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state("load")
            if "/login/" in page.url:
                raise SystemExit(f"page_times: the browser could not sign in as {SUPERUSER}.")
            for screen in pages:
                answers, full_loads, html_bytes = [], [], 0
                for attempt in range(loads + 1):
                    deadline.check(f"loading {screen.name} in the browser")
                    response = page.goto(screen.url, wait_until="load")
                    if response is None or response.status != 200:
                        status = None if response is None else response.status
                        raise SystemExit(f"page_times: the browser got HTTP {status} for {screen.url}.")
                    page.wait_for_function(LOAD_EVENT_DONE_JS)
                    timing = page.evaluate(NAVIGATION_TIMING_JS)
                    if attempt:  # the first load is the warm-up
                        answers.append(timing["answer"])
                        full_loads.append(timing["load"])
                        html_bytes = timing["bytes"]
                if failed:
                    raise SystemExit(f"page_times: {screen.url} loaded with failed requests: {', '.join(failed[:5])}")
                times[screen.name] = (statistics.median(answers), statistics.median(full_loads))
                print(
                    f"  browser: {screen.name}: answer {times[screen.name][0]:.1f} ms, "
                    f"load {times[screen.name][1]:.1f} ms, HTML {html_bytes / 1024:.0f} KB",
                    flush=True,
                )
            context.close()
        finally:
            chromium.close()
    return times


def print_table(pages: list[Screen], server: dict[str, ServerTime], browser: dict[str, tuple[float, float]]) -> None:
    print("| screen | server ms (median) | browser responseEnd ms | browser load ms | queries (content+admin) |")
    print("|---|---:|---:|---:|---:|")
    for screen in pages:
        answer, load = browser[screen.name]
        print(
            f"| {screen.name} | {server[screen.name].median_ms:.1f} | {answer:.1f} | {load:.1f} "
            f"| {server[screen.name].queries} |"
        )


def run(database: Path, workdir: Path, *, views: int, loads: int, deadline: Deadline) -> None:
    env = site_env(TURSO_DATABASE_URL=f"file:{database}")
    env["ADMIN_DATABASE_URL"] = f"file:{workdir / 'admin.sqlite3'}"
    rebuild_seconds = prepare(env)
    deadline.check("preparing the databases")
    # This process serves the test Client's views from the same two files.
    os.environ.update(env)
    # WhiteNoise's note that STATIC_ROOT was not collected: files come from the finders.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from interview.models import Question

    total = Question.objects.count()
    pages = screens()
    print(f"content database: {database} ({total:,} questions); admin database: {workdir / 'admin.sqlite3'}")
    print(f"search_index --rebuild: {rebuild_seconds:.1f} s")
    print(f"server: median of {views} views (test Client); browser: median of {loads} loads (headless Chromium)")
    print(f"signed in as the superuser '{SUPERUSER}'; load average at start: {load_average()}\n", flush=True)
    server = server_times(pages, views=views, deadline=deadline)
    # Playwright's sync API runs an event loop in this thread; the ORM is
    # done with by now, and the site answers from gunicorn's processes.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with start_site(env, directory=workdir) as site:
        browser = browser_times(pages, site_url=site.url, loads=loads, deadline=deadline)
    print()
    print_table(pages, server, browser)
    print(f"\nload average at the end: {load_average()}; run took {time.monotonic() - deadline.started:.0f} s")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the shared questions only, 3 views and loads (smoke run)")
    parser.add_argument("--db", type=Path, help="reuse this SQLite file (built by an earlier run)")
    parser.add_argument("--copies", type=int, help="extra copies of the shared questions (default 3: ~34,000; quick 0)")
    parser.add_argument("--views", type=int, help="server views per screen (default 9; quick 3)")
    parser.add_argument("--loads", type=int, help="browser loads per screen (default 5; quick 3)")
    parser.add_argument("--max-seconds", type=float, help="stop past this run time (default 330; quick 110)")
    args = parser.parse_args()
    copies = args.copies if args.copies is not None else (0 if args.quick else 3)
    views = args.views or (3 if args.quick else 9)
    loads = args.loads or (3 if args.quick else 5)
    deadline = Deadline(args.max_seconds or (110 if args.quick else 330))
    with tempfile.TemporaryDirectory(prefix="page-times-") as tmp:
        workdir = Path(tmp)
        database = args.db
        if database is None or not database.exists():
            database = database or workdir / "legacy.sqlite3"
            build_database(database, copies=copies)
        run(database, workdir, views=views, loads=loads, deadline=deadline)


if __name__ == "__main__":
    main()
