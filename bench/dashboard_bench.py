"""Home-page dashboard and facet-count benchmark at a given number of questions.

    python bench/dashboard_bench.py --questions 30000 [--db PATH] [--views 10]

Builds (or reuses with --db) a legacy SQLite database of exactly
--questions questions (the shared `make_legacy_db.py` rows, replicated
under new ids, as bench/admin_screens.py does), then prints, as a moderator
(a group member, so permission look-ups are paid as in real use), the
queries (content+admin database) and median server time of:

- the admin home page (the dashboard),
- the data-quality recount (the full read the dashboard does not do per view),
- the questions list with "show counts" on (facet counts),
- the questions list plain, for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.admin_screens import bench_user, build_database, measure  # noqa: E402


def build_sized_database(path: Path, *, questions: int) -> None:
    """The shared legacy database with its questions replicated to exactly `questions` rows."""
    build_database(path, questions=questions)


def run(views: int) -> None:
    import time

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse

    from interview.models import Question

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    total = Question.objects.count()
    print(f"content database: {settings.DATABASES['content']['NAME']} ({total} questions)")
    with override_settings(ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
        client = Client()
        client.force_login(bench_user())
        started = time.perf_counter()
        response = client.post(reverse("admin:data_quality_recount"))
        recount_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 302:
            raise SystemExit(f"the recount answered {response.status_code}")
        questions = reverse("admin:interview_question_changelist")
        rows = [
            ("dashboard (home page)", reverse("admin:index")),
            ("questions list, show counts", questions + "?_facets=True"),
            ("questions list", questions),
        ]
        header = f"{'screen':<30} {'queries':>8} {'median ms':>10}"
        print(header)
        print("-" * len(header))
        for name, url in rows:
            queries, median, _ = measure(client, url, views)
            print(f"{name:<30} {queries:>8} {median:>10.1f}", flush=True)
        print(f"{'data-quality recount (POST)':<30} {'':>8} {recount_ms:>10.1f}  (one full read, on request)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=30000, help="questions in the database (default 30,000)")
    parser.add_argument("--db", type=Path, help="reuse this SQLite file (built by an earlier run)")
    parser.add_argument("--views", type=int, default=10, help="page views per screen (default 10)")
    args = parser.parse_args()
    os.environ.setdefault("OI_ALLOW_INSECURE_SECRET_KEY", "1")
    os.environ.setdefault("OI_HTTPS", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ADMIN_DATABASE_URL"] = f"file:{Path(tempfile.mkdtemp(prefix='dashboard-bench-')) / 'admin.sqlite3'}"
    path = args.db
    if path is None or not path.exists():
        path = path or Path(tempfile.mkdtemp(prefix="dashboard-bench-")) / f"questions-{args.questions}.sqlite3"
        build_sized_database(path, questions=args.questions)
    os.environ["TURSO_DATABASE_URL"] = f"file:{path}"
    run(args.views)


if __name__ == "__main__":
    main()
