"""Load benchmark: 8 people at once against the site as `make serve` runs it.

    python bench/load_bench.py [--quick] [--seconds 60] [--clients 8]
                               [--questions 3000] [--database sqlite|sqld|both]

For each database (a local SQLite file, then a fresh `sqld` on loopback):
migrates it, adds --questions questions and a superuser, starts gunicorn with
gunicorn.conf.py (2 workers x 4 threads) on a free 127.0.0.1 port, and runs
--clients signed-in clients (threads, one session each) for --seconds. Each
client picks, at random, a questions list page, a search, a question's
change page, or a save of a question through its change form (a change page
read first, counted as a change page, then the timed POST a browser
sends). Clients save disjoint sets of
questions, so every save must succeed: anything but the expected answer
(200 for reads, the redirect to the list for saves) counts as an error.
Prints a table per database: requests, errors, p50 and p95 per kind.

Everything it starts (gunicorn, sqld) is stopped before it exits; every
request has a timeout, and each client stops at the deadline.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from tests.support.site_server import (  # noqa: E402 - needs the project root on sys.path
    SUPERUSER,
    SUPERUSER_PASSWORD,
    Browser,
    prepare_database,
    site_env,
    start_site,
)
from tests.support.sqld import start_sqld  # noqa: E402

KINDS = ("list", "search", "change page", "save")
# How often each kind is picked (relative weights).
WEIGHTS = (30, 25, 30, 15)
SEARCH_TERMS = ("closure", "kubernetes", "index", "react", "cache", "q-1", "latency")
REQUEST_TIMEOUT_SECONDS = 60.0
# A client never sends more than this many requests, whatever the duration.
MAX_REQUESTS_PER_CLIENT = 100_000
LIST_URL = "/admin/interview/question/"
# The questions list shows this many rows per page (QuestionAdmin.list_per_page).
LIST_PAGE_SIZE = 100
CHANNELS = ("frontend", "backend", "devops", "database", "system-design")


@dataclass
class Tally:
    durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    stale_refusals: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.durations[kind].append(seconds)
            if error is not None:
                self.errors[kind].append(error)


class ChangeForm(HTMLParser):
    """The fields a browser would submit from the question change form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("id") == "question_form":
            self._in_form = True
        if not self._in_form:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = values.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in values:
                return
            self.fields.append((name, values.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((values.get("value", ""), "selected" in values))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the newline that follows <textarea>.
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


def change_url(question_id: str) -> str:
    return f"{LIST_URL}{quote(question_id)}/change/"


def run_client(
    index: int,
    *,
    clients: int,
    site_url: str,
    question_ids: list[str],
    seconds: float,
    ready: threading.Barrier,
    tally: Tally,
    seed: int,
) -> None:
    rng = random.Random(seed)
    browser = Browser(site_url, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        browser.sign_in(SUPERUSER, SUPERUSER_PASSWORD)
    except Exception as exc:  # noqa: BLE001 - counted, the client stops
        tally.record("sign-in", 0.0, f"{type(exc).__name__}: {exc}")
        ready.abort()
        return
    # Everyone starts the clock together, once all are signed in.
    ready.wait(timeout=REQUEST_TIMEOUT_SECONDS * 2)
    deadline = time.monotonic() + seconds
    last_page = max(0, (len(question_ids) - 1) // LIST_PAGE_SIZE)
    # Each client saves only its own questions: no save may be refused.
    own = question_ids[index::clients] or question_ids
    sent = 0
    while time.monotonic() < deadline and sent < MAX_REQUESTS_PER_CLIENT:
        kind = rng.choices(KINDS, WEIGHTS)[0]
        started = time.monotonic()
        error: str | None = None
        try:
            if kind == "list":
                page = rng.randint(0, last_page)
                answer = browser.get(f"{LIST_URL}?p={page}" if page else LIST_URL)
                error = None if answer.status == 200 else f"HTTP {answer.status}"
            elif kind == "search":
                answer = browser.get(f"{LIST_URL}?q={quote(rng.choice(SEARCH_TERMS))}")
                error = None if answer.status == 200 else f"HTTP {answer.status}"
            elif kind == "change page":
                answer = browser.get(change_url(rng.choice(question_ids)))
                error = None if answer.status == 200 else f"HTTP {answer.status}"
            else:
                question_id = rng.choice(own)
                form_page = browser.get(change_url(question_id))
                tally.record(
                    "change page",
                    time.monotonic() - started,
                    None if form_page.status == 200 else f"HTTP {form_page.status}",
                )
                if form_page.status != 200:
                    sent += 1
                    continue
                parser = ChangeForm()
                parser.feed(form_page.body)
                fields = [(name, value) for name, value in parser.fields if name != "answer"]
                fields.append(("answer", f"Answer saved by client {index} at {time.time():.6f}."))
                fields.append(("_save", "Save"))
                started = time.monotonic()
                answer = browser.post(change_url(question_id), fields)
                if answer.status == 302 and answer.headers.get("Location", "").endswith(LIST_URL):
                    error = None
                elif answer.status == 200 and "Someone else saved this question" in answer.body:
                    with tally.lock:
                        tally.stale_refusals += 1
                    error = "refused as a stale copy"
                else:
                    error = f"HTTP {answer.status}: {answer.body[:200]!r}"
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            error = f"{type(exc).__name__}: {exc}"
            browser.close()
        tally.record(kind, time.monotonic() - started, error)
        sent += 1
    browser.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[position]


def print_table(title: str, tally: Tally, seconds: float) -> int:
    print(f"\n### {title}\n", flush=True)
    print("| kind | requests | errors | p50 ms | p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    total_requests = total_errors = 0
    for kind in (*KINDS, "sign-in"):  # sign-in appears only when one failed
        durations = tally.durations.get(kind, [])
        errors = tally.errors.get(kind, [])
        if not durations:
            continue
        total_requests += len(durations)
        total_errors += len(errors)
        print(
            f"| {kind} | {len(durations)} | {len(errors)} | "
            f"{statistics.median(durations) * 1000:.0f} | {percentile(durations, 0.95) * 1000:.0f} |"
        )
    print(f"| all | {total_requests} | {total_errors} | | |")
    print(f"\n{total_requests / seconds:.1f} requests/s over {seconds:.0f} s; "
          f"stale-copy refusals: {tally.stale_refusals}", flush=True)
    for kind, errors in tally.errors.items():
        for error in sorted(set(errors))[:3]:
            print(f"  {kind}: {error}", flush=True)
    return total_errors


def seed_questions(count: int) -> None:
    """Inserts `count` questions (q-1 ... q-N) into the configured database
    (run in a subprocess with the site's environment)."""
    import django

    django.setup()
    from core.databases import content_connection as connection

    columns = (
        "id, question, answer, explanation, difficulty, tags, channel, sub_channel, companies, "
        "videos, status, relevance_score, voice_suitable, is_new, last_updated, created_at"
    )
    statements = []
    for number in range(1, count + 1):
        channel = CHANNELS[number % len(CHANNELS)]
        term = SEARCH_TERMS[number % len(SEARCH_TERMS)]
        statements.append(
            (
                f"INSERT INTO questions ({columns}) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'active', %s, 0, 0, %s, %s)",
                [
                    f"q-{number}",
                    f"Question {number}: how does {term} work in {channel}?",
                    f"An answer about {term}, number {number}.",
                    f"**Why** {term} matters: explanation {number}.",
                    ("beginner", "intermediate", "advanced")[number % 3],
                    f'["{term}","{channel}"]',
                    channel,
                    f"{channel}-basics",
                    '["Acme"]',
                    '{"shortVideo":null,"longVideo":null}',
                    number % 100,
                    "2026-01-13T03:29:00.972Z",
                    "2026-01-10T03:29:00.972Z",
                ],
            )
        )
    connection.execute_batch(statements, want_rows=False)


def run_against(title: str, env: dict[str, str], workdir: Path, args: argparse.Namespace) -> int:
    print(f"\n## {title}: preparing (migrate, {args.questions} questions)", flush=True)
    prepare_database(env)
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--seed-only", str(args.questions)],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=600,
    )
    question_ids = [f"q-{number}" for number in range(1, args.questions + 1)]
    with start_site(env, directory=workdir) as site:
        print(f"gunicorn (2 workers x 4 threads) on {site.url}; {args.clients} clients "
              f"for {args.seconds:.0f} s", flush=True)
        tally = Tally()
        ready = threading.Barrier(args.clients + 1)
        threads = [
            threading.Thread(
                target=run_client,
                kwargs={
                    "index": index,
                    "clients": args.clients,
                    "site_url": site.url,
                    "question_ids": question_ids,
                    "seconds": args.seconds,
                    "ready": ready,
                    "tally": tally,
                    "seed": 1000 + index,
                },
                daemon=True,
            )
            for index in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        try:
            ready.wait(timeout=REQUEST_TIMEOUT_SECONDS * 2)
        except threading.BrokenBarrierError:
            print("a client could not sign in", flush=True)
        started = time.monotonic()
        for thread in threads:
            thread.join(timeout=args.seconds + REQUEST_TIMEOUT_SECONDS * 3)
        elapsed = time.monotonic() - started
        errors = print_table(title, tally, elapsed)
        if errors:
            print("gunicorn log tail:\n" + site.log_tail(2000), flush=True)
        return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="15 s per database (smoke run)")
    parser.add_argument("--seconds", type=float, default=None, help="per database (default 60)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--database", choices=("sqlite", "sqld", "both"), default="both")
    parser.add_argument("--seed-only", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only is not None:
        seed_questions(args.seed_only)
        return
    if args.seconds is None:
        args.seconds = 15.0 if args.quick else 60.0
    errors = 0
    with tempfile.TemporaryDirectory(prefix="oi-load-") as tmp:
        workdir = Path(tmp)
        if args.database in ("sqlite", "both"):
            env = site_env(TURSO_DATABASE_URL=f"file:{workdir / 'load.sqlite3'}")
            errors += run_against("Load on SQLite (local file)", env, workdir, args)
        if args.database in ("sqld", "both"):
            with start_sqld(workdir, jwt_auth=True) as server:
                env = site_env(TURSO_DATABASE_URL=server.url, TURSO_AUTH_TOKEN=server.rw_token or "")
                errors += run_against("Load on a real libSQL server (sqld on loopback)", env, workdir, args)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
