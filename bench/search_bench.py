"""Search benchmark: the question list's full-text search beside the plain LIKE search.

    python bench/search_bench.py [--db PATH] [--questions 305650] [--views 9]

Prints the time to build the index (`search_index --rebuild`, as run by
hand, with its progress lines) from the content database, then for a few
searches the queries (content+admin) and the median server time of the
questions list page (Django test Client, as a moderator), ours against a
plain `ModelAdmin` whose search is `LIKE '%…%'` over id, question, answer,
tags and companies, on the same data in the same run; then the median time
of the duplicate suggestions endpoint, the cost of one freshness check
(round trips and bytes on a libSQL server), and each goal met or missed:
a search page under 30 ms on SQLite at 305,650 questions (60 ms on a
loopback sqld) within the list's content round trips, suggestions under
50 ms, a rebuild under 15 s from sqld at 30,000 questions.

Data: without TURSO_DATABASE_URL, the shared legacy database
(bench/admin_screens.py) with its questions replicated under new ids up to
--questions. With TURSO_DATABASE_URL set (e.g. sqld holding the app's
data), it runs against that. The index and the admin's tables go to
ADMIN_DATABASE_URL (default: a new temporary file).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.admin_screens import bench_user, build_database, plain_admin_urls  # noqa: E402

# (what it is, what is typed, the list's filters)
SEARCHES = [
    ("one word", "kubernetes", {}),
    ("two words", "kubernetes pod", {}),
    ("a word found nowhere", "xylophonist", {}),
    ("a phrase", '"load balancer"', {}),
    ("an id prefix", "q-100", {}),
    ("a word in most", "design", {}),
    ("one word, filtered", "kubernetes", {"difficulty": "advanced"}),
]
SIMILAR_TEXTS = [
    "How does Kubernetes schedule pods onto nodes when resources are limited?",
    "What is a closure in JavaScript?",
    "Design a rate limiter for an API gateway",
]
PAGE_GOAL_MS = {"sqlite": 30.0, "sqld": 60.0}
SIMILAR_GOAL_MS = 50.0
REBUILD_GOAL_S = 15.0



class ByteCounter:
    """Bytes and round trips through the libSQL HTTP transport, while active."""

    def __init__(self) -> None:
        from core.db.backends.libsql import hrana

        self.transport = hrana.Transport
        self.sent = self.received = self.trips = 0

    def __enter__(self) -> ByteCounter:
        original = self.original = self.transport.post
        counter = self

        def post(transport, path, body):
            answer = original(transport, path, body)
            counter.sent += len(body)
            counter.received += len(answer)
            counter.trips += 1
            return answer

        self.transport.post = post
        return self

    def __exit__(self, *exc: object) -> None:
        self.transport.post = self.original


def median_ms(action, repeat: int) -> float:
    action()  # warm-up
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def run(views: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
    from django.urls import clear_url_caches, reverse

    from core.databases import ADMIN_DB, CONTENT_DB
    from search import freshness, index, selectors

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    total = index.content_count()
    remote = bool((connections[CONTENT_DB].settings_dict.get("OPTIONS") or {}).get("url"))
    where = "a libSQL server (sqld)" if remote else "SQLite (local file)"
    print(f"content database: {where}, {total:,} questions; index in the admin database")

    progress = io.StringIO()
    started = time.perf_counter()
    call_command("search_index", "--rebuild", stdout=io.StringIO(), stderr=progress)
    rebuild_s = time.perf_counter() - started
    lines = progress.getvalue().splitlines()
    print(f"search_index --rebuild: {index.indexed_count():,} questions in {rebuild_s:.1f} s", flush=True)
    if lines:
        print(f"  progress: {len(lines)} lines, {lines[1] if len(lines) > 2 else lines[0]} … {lines[-1]}\n", flush=True)

    urlconf = plain_admin_urls()
    with override_settings(ROOT_URLCONF=urlconf, ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
        clear_url_caches()
        client = Client()
        client.force_login(bench_user())
        ours_url = reverse("admin:interview_question_changelist")
        plain_url = reverse("plain:interview_question_changelist")

        def pages(url: str, searches: list[dict[str, str]]) -> list[tuple[str, float, float, int]]:
            """For each search: (queries, median page ms, median ms spent in the databases, rows found).

            The views go round the searches (one view of each, `views` times), so
            that a moment when the machine is slow lands on one view of each
            search instead of on every view of one.
            """
            found = []
            for params in searches:
                response = client.get(url, params)
                assert response.status_code == 200, (url, params, response.status_code)
                found.append(response.context["cl"].result_count)
            page_ms: list[list[float]] = [[] for _ in searches]
            db_ms: list[list[float]] = [[] for _ in searches]
            queries = [""] * len(searches)
            for _ in range(views):
                for index, params in enumerate(searches):
                    with CaptureQueriesContext(connections[CONTENT_DB]) as content, CaptureQueriesContext(connections[ADMIN_DB]) as admin:
                        start = time.perf_counter()
                        client.get(url, params)
                        page_ms[index].append((time.perf_counter() - start) * 1000)
                    db_ms[index].append(1000 * sum(float(q["time"]) for q in [*content.captured_queries, *admin.captured_queries]))
                    queries[index] = f"{len(content)}+{len(admin)}"
            return [
                (queries[i], statistics.median(page_ms[i]), statistics.median(db_ms[i]), found[i]) for i in range(len(searches))
            ]

        print(f"queries: content+admin; page: median server time of the page ({views} views); db: of that, time in the databases")
        header = (
            f"{'search':<21} {'typed':<16} {'ours: queries':>13} {'page ms':>8} {'db ms':>7} {'found':>7}"
            f"   {'LIKE: queries':>13} {'page ms':>8} {'db ms':>7} {'found':>7}"
        )
        searches = [{"q": term, **filters} for _, term, filters in SEARCHES]
        ours_all = pages(ours_url, [*searches, {}])
        plain_all = pages(plain_url, searches)
        print(header)
        print("-" * len(header))
        slowest_page = 0.0
        round_trips_kept = True
        for (name, term, _), ours, plain in zip(SEARCHES, ours_all, plain_all, strict=False):
            slowest_page = max(slowest_page, ours[1])
            print(
                f"{name:<21} {term:<16} {ours[0]:>13} {ours[1]:>8.1f} {ours[2]:>7.1f} {ours[3]:>7,}"
                f"   {plain[0]:>13} {plain[1]:>8.1f} {plain[2]:>7.1f} {plain[3]:>7,}",
                flush=True,
            )
            if ours[3]:
                round_trips_kept &= int(ours[0].split("+")[0]) <= 2
        unsearched = ours_all[-1]
        print(f"{'(the list, no search)':<38} {unsearched[0]:>13} {unsearched[1]:>8.1f} {unsearched[2]:>7.1f} {unsearched[3]:>7,}")

        similar_url = reverse("admin:interview_question_similar")
        slowest_similar = 0.0
        print(f"\nduplicate suggestions (median of {views}): endpoint ms, the index queries alone ms")
        for text in SIMILAR_TEXTS:
            similar = median_ms(lambda text=text: client.get(similar_url, {"text": text, "exclude": "q-1"}), views)
            direct = median_ms(lambda text=text: selectors.similar_questions(text=text, exclude_id="q-1"), views)
            slowest_similar = max(slowest_similar, similar)
            print(f"  {similar:6.1f} {direct:6.1f}  {text}")
        clear_url_caches()

    # One freshness check with nothing changed: what every sync period costs.
    started = time.perf_counter()
    with ByteCounter() as counted:
        drift = index.find_drift()
    seconds = time.perf_counter() - started
    line = f"freshness check, nothing changed: {seconds * 1000:.0f} ms, {drift.buckets_compared} buckets compared"
    if remote:
        line += f"; content round trips {counted.trips}, {counted.sent:,} bytes sent, {counted.received:,} received"
    print(line)
    period = settings.OI_SEARCH_SYNC_SECONDS
    print(f"(one check per {period} s: {60 // period} per minute)")
    del freshness

    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    kind = "sqld" if remote else "sqlite"
    print(f"\ngoals at {total:,} questions on {where}:")
    print(
        f"  search page under {PAGE_GOAL_MS[kind]:.0f} ms within the list's 2 content round trips: slowest "
        f"{slowest_page:.1f} ms, round trips {'kept' if round_trips_kept else 'NOT kept'}: "
        f"{verdict(slowest_page < PAGE_GOAL_MS[kind] and round_trips_kept)}"
    )
    print(f"  duplicate suggestions under {SIMILAR_GOAL_MS:.0f} ms: slowest {slowest_similar:.1f} ms: {verdict(slowest_similar < SIMILAR_GOAL_MS)}")
    if remote:
        print(f"  rebuild from sqld under {REBUILD_GOAL_S:.0f} s: {rebuild_s:.1f} s: {verdict(rebuild_s < REBUILD_GOAL_S)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse this SQLite file (built by an earlier run)")
    parser.add_argument("--questions", type=int, default=305_650, help="questions in the built database (default 305,650)")
    parser.add_argument("--views", type=int, default=9, help="page views per measure (median; default 9)")
    parser.add_argument("--build-only", action="store_true", help="only build the --db file")
    args = parser.parse_args()
    if args.build_only:
        if args.db is None:
            parser.error("--build-only needs --db")
        build_database(args.db, questions=args.questions)
        return
    os.environ.setdefault("OI_ALLOW_INSECURE_SECRET_KEY", "1")
    os.environ.setdefault("OI_HTTPS", "0")
    os.environ.setdefault("OI_SEARCH_BACKGROUND_SYNC", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("ADMIN_DATABASE_URL"):
        os.environ["ADMIN_DATABASE_URL"] = f"file:{Path(tempfile.mkdtemp(prefix='search-bench-')) / 'admin.sqlite3'}"
    if not os.environ.get("TURSO_DATABASE_URL"):
        path = args.db
        if path is None or not path.exists():
            path = path or Path(tempfile.mkdtemp(prefix="search-bench-")) / "legacy.sqlite3"
            build_database(path, questions=args.questions)
        os.environ["TURSO_DATABASE_URL"] = f"file:{path}"
    run(args.views)


if __name__ == "__main__":
    main()
