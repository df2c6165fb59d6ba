"""Search benchmark: the question list's full-text search beside the plain LIKE search.

    python bench/search_bench.py [--db PATH] [--questions 305650] [--views 9]

Prints the time to build the index (`search_index --rebuild`) from the
content database, then for a few searches the queries (content+admin) and
the median server time of the questions list page (Django test Client,
as a moderator), ours against a plain `ModelAdmin` whose search is
`LIKE '%…%'` over id, question, answer, tags and companies, on the same
data in the same run; then the median time of the duplicate suggestions
endpoint, and the cost of one freshness check (round trips and bytes on a
libSQL server).

Data: without TURSO_DATABASE_URL, the shared legacy database
(bench/admin_screens.py) with its questions replicated under new ids up to
--questions. With TURSO_DATABASE_URL set (e.g. sqld holding the app's
data), it runs against that. The index and the admin's tables go to
ADMIN_DATABASE_URL (default: a new temporary file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.admin_screens import bench_user, build_database, plain_admin_urls  # noqa: E402

SEARCHES = [
    ("one word", "kubernetes"),
    ("two words", "kubernetes pod"),
    ("a word found nowhere", "xylophonist"),
    ("a phrase", '"load balancer"'),
    ("an id prefix", "q-100"),
]



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

    started = time.perf_counter()
    built = index.rebuild()
    print(f"search_index --rebuild: {built:,} questions in {time.perf_counter() - started:.1f} s\n", flush=True)

    urlconf = plain_admin_urls()
    with override_settings(ROOT_URLCONF=urlconf, ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
        clear_url_caches()
        client = Client()
        client.force_login(bench_user())
        ours_url = reverse("admin:interview_question_changelist")
        plain_url = reverse("plain:interview_question_changelist")

        def page(url: str, term: str) -> tuple[str, float, float, int]:
            """(queries, median page ms, median ms spent in the databases, rows found)."""
            response = client.get(url, {"q": term})
            assert response.status_code == 200, (url, term, response.status_code)
            page_ms, db_ms = [], []
            for _ in range(views):
                with CaptureQueriesContext(connections[CONTENT_DB]) as content, CaptureQueriesContext(connections[ADMIN_DB]) as admin:
                    start = time.perf_counter()
                    client.get(url, {"q": term})
                    page_ms.append((time.perf_counter() - start) * 1000)
                db_ms.append(1000 * sum(float(q["time"]) for q in [*content.captured_queries, *admin.captured_queries]))
            found = response.context["cl"].result_count
            return f"{len(content)}+{len(admin)}", statistics.median(page_ms), statistics.median(db_ms), found

        print("queries: content+admin; page: median server time of the page; db: of that, time in the databases")
        header = (
            f"{'search':<21} {'typed':<16} {'ours: queries':>13} {'page ms':>8} {'db ms':>7} {'found':>7}"
            f"   {'LIKE: queries':>13} {'page ms':>8} {'db ms':>7} {'found':>7}"
        )
        print(header)
        print("-" * len(header))
        for name, term in SEARCHES:
            ours = page(ours_url, term)
            plain = page(plain_url, term)
            print(
                f"{name:<21} {term:<16} {ours[0]:>13} {ours[1]:>8.1f} {ours[2]:>7.1f} {ours[3]:>7,}"
                f"   {plain[0]:>13} {plain[1]:>8.1f} {plain[2]:>7.1f} {plain[3]:>7,}",
                flush=True,
            )
        unsearched = page(ours_url, "")
        print(f"{'(the list, no search)':<38} {unsearched[0]:>13} {unsearched[1]:>8.1f} {unsearched[2]:>7.1f} {unsearched[3]:>7,}")

        similar_url = reverse("admin:interview_question_similar")
        text = "How does Kubernetes schedule pods onto nodes when resources are limited?"
        similar = median_ms(lambda: client.get(similar_url, {"text": text, "exclude": "q-1"}), views)
        direct = median_ms(lambda: selectors.similar_questions(text=text, exclude_id="q-1"), views)
        print(f"\nduplicate suggestions (endpoint, median of {views}): {similar:.1f} ms; the index query alone {direct:.1f} ms")
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
