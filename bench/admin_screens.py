"""Admin screens benchmark: queries and median time per page view.

    python bench/admin_screens.py [--db PATH] [--copies 4] [--views 15]

For the questions list, the review queue, a question's change page and its
history page, prints the number of queries (each one a network round trip
on Turso) and the median wall time of --views page views through Django's
test Client, as a moderator (a group member, so permission look-ups are
paid as in real use), beside a plain `ModelAdmin` with the same list
filters on the same data.

Data: without TURSO_DATABASE_URL, a legacy database built by the shared
`make_legacy_db.py` from the real exports (8,546 questions), with the
questions replicated --copies more times under new ids (default 3, about
34,000 questions). `--db PATH`
reuses a file built earlier. With TURSO_DATABASE_URL set (a libSQL server,
e.g. sqld, holding the app's data), it runs against the data loaded there.
The admin's own tables and a bench user go to ADMIN_DATABASE_URL (default:
a new temporary file).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
SHARED_DIR = Path(os.environ.get("OI_SHARED_DIR") or PROJECT_DIR.parent / "shared")
LEGACY_BUILDER = SHARED_DIR / "legacy" / "make_legacy_db.py"
BENCH_USER = "bench-moderator"
MODERATOR_PERMISSIONS = [
    ("interview", "view_question"),
    ("interview", "change_question"),
    ("interview", "add_question"),
    ("interview", "moderate_question"),
    ("interview", "view_questionhistory"),
]


RAW_INSERT_RATE = re.compile(r"([\d,.]+)\s*rows/s")


def build_database(path: Path, *, copies: int = 3, questions: int | None = None) -> float:
    """The shared legacy database, its questions replicated `copies` more
    times under new ids, or up to exactly `questions` rows. Returns the raw
    insert rate (rows/s) the builder printed: the floor an import is
    measured against."""
    if not LEGACY_BUILDER.exists():
        sys.exit(f"{LEGACY_BUILDER} is absent: pass --db PATH to a database built earlier.")
    built = subprocess.run(
        [sys.executable, str(LEGACY_BUILDER), str(path)], check=True, capture_output=True, text=True
    )
    rates = RAW_INSERT_RATE.findall(built.stdout + built.stderr)
    db = sqlite3.connect(path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
    others = ", ".join(c for c in columns if c != "id")
    base = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    with db:
        copy = 0
        while True:
            count = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
            missing = (questions - count) if questions is not None else (base if copy < copies else 0)
            if missing <= 0:
                break
            copy += 1
            db.execute(
                f"INSERT INTO questions (id, {others}) SELECT id || '-c{copy}', {others} FROM questions "
                f"WHERE id NOT LIKE '%-c%' ORDER BY rowid LIMIT {min(base, missing)}"
            )
    count = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    db.close()
    print(f"built {path}: {count:,} questions", flush=True)
    return float(rates[-1].replace(",", "")) if rates else 0.0


def plain_admin_urls() -> types.ModuleType:
    """A second admin site with plain ModelAdmins on the same models and filters."""
    from django.contrib import admin
    from django.urls import path

    from interview import models

    site = admin.AdminSite(name="plain")

    class PlainQuestionAdmin(admin.ModelAdmin):
        list_display = ["id", "question", "channel", "sub_channel", "difficulty", "status", "relevance_score", "last_updated"]
        list_filter = ["status", "channel", "sub_channel", "difficulty", "voice_suitable", "is_new", "relevance_score", "created_at", "last_updated"]
        search_fields = ["=id", "question", "answer", "tags", "companies"]
        list_per_page = 100

    class PlainReviewAdmin(admin.ModelAdmin):
        """What one writes first: filter flagged rows, look up each row's latest flag."""

        list_display = ["id", "question", "channel", "difficulty", "latest_flag_reason", "flagged_by"]
        list_filter = ["channel", "difficulty"]
        list_per_page = 50

        def get_queryset(self, request):
            return super().get_queryset(request).filter(status="flagged")

        def has_view_permission(self, request, obj=None):
            return request.user.has_perm("interview.moderate_question")

        def _latest(self, obj):
            return models.QuestionHistory.objects.filter(question_id=obj.pk, event_type="flagged").order_by("-created_at").first()

        def latest_flag_reason(self, obj):
            latest = self._latest(obj)
            return latest.reason if latest else ""

        def flagged_by(self, obj):
            latest = self._latest(obj)
            return latest.source_name if latest else ""

    site.register(models.Question, PlainQuestionAdmin)
    site.register(models.FlaggedQuestion, PlainReviewAdmin)
    from config.urls import urlpatterns as project_urls

    module = types.ModuleType("bench_admin_urls")
    module.urlpatterns = [path("plain-admin/", site.urls), *project_urls]
    return module


def bench_user():
    from django.contrib.auth.models import Group, Permission, User

    group, _ = Group.objects.get_or_create(name="Bench moderators")
    group.permissions.set(
        [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in MODERATOR_PERMISSIONS]
    )
    user, _ = User.objects.get_or_create(username=BENCH_USER, defaults={"is_staff": True})
    user.is_staff = True
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.add(group)
    return user


def measure(client, url: str, views: int) -> tuple[str, float, int | None]:
    """("content+admin" queries, median ms, content round trips) for `views`
    GETs of `url` after one warm-up."""
    from django.db import connection as admin_connection
    from django.test.utils import CaptureQueriesContext

    from core.databases import content_connection as connection

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    timings = []
    queries = ""
    trips_before = getattr(connection, "round_trips", None)
    for _ in range(views):
        with CaptureQueriesContext(connection) as captured, CaptureQueriesContext(admin_connection) as admin:
            start = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        queries = f"{len(captured)}+{len(admin)}"
    trips_after = getattr(connection, "round_trips", None)
    trips = None if trips_before is None or trips_after is None else (trips_after - trips_before) // views
    return queries, statistics.median(timings), trips


def run(views: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse

    from interview.models import Question, QuestionHistory

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    target = settings.DATABASES["content"]["NAME"]
    admin_target = settings.DATABASES["default"]["NAME"]
    total = Question.objects.count()
    flagged = Question.objects.filter(status="flagged").order_by("id").first()
    with_history = (
        QuestionHistory.objects.filter(question_type="question").values_list("question_id", flat=True).first()
    )
    sample = flagged or Question.objects.order_by("id").first()
    history_id = with_history or sample.pk
    print(f"content database: {target}  ({total} questions); admin database: {admin_target}")
    print(f"page views per screen: {views} (median), as '{BENCH_USER}' (group member, not superuser)")
    print("queries: content+admin database; trips: content round trips (on a libSQL server)\n")

    urlconf = plain_admin_urls()
    with override_settings(ROOT_URLCONF=urlconf, ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
        from django.urls import clear_url_caches

        clear_url_caches()
        client = Client()
        client.force_login(bench_user())
        screens = [
            ("questions list", reverse("admin:interview_question_changelist"), reverse("plain:interview_question_changelist")),
            (
                "questions list, filtered",
                reverse("admin:interview_question_changelist") + "?channel=algorithms&difficulty__exact=advanced",
                reverse("plain:interview_question_changelist") + "?channel=algorithms&difficulty__exact=advanced",
            ),
            ("review queue", reverse("admin:interview_flaggedquestion_changelist"), reverse("plain:interview_flaggedquestion_changelist")),
            ("change page", reverse("admin:interview_question_change", args=[sample.pk]), reverse("plain:interview_question_change", args=[sample.pk])),
            ("history page", reverse("admin:interview_question_history", args=[history_id]), reverse("plain:interview_question_history", args=[history_id])),
        ]
        header = f"{'screen':<26} {'ours: queries':>13} {'median ms':>10} {'trips':>6}   {'plain: queries':>14} {'median ms':>10} {'trips':>6}"  # noqa: E501
        print(header)
        print("-" * len(header))
        for name, ours_url, plain_url in screens:
            ours = measure(client, ours_url, views)
            plain = measure(client, plain_url, views)
            trips = lambda value: "-" if value is None else str(value)  # noqa: E731
            print(
                f"{name:<26} {ours[0]:>13} {ours[1]:>10.1f} {trips(ours[2]):>6}   "
                f"{plain[0]:>14} {plain[1]:>10.1f} {trips(plain[2]):>6}",
                flush=True,
            )
        clear_url_caches()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse this SQLite file (built by an earlier run)")
    parser.add_argument("--copies", type=int, default=3, help="extra copies of the shared questions (default 3: ~34,000)")
    parser.add_argument("--views", type=int, default=15, help="page views per screen (default 15)")
    args = parser.parse_args()
    os.environ.setdefault("OI_ALLOW_INSECURE_SECRET_KEY", "1")
    os.environ.setdefault("OI_HTTPS", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("ADMIN_DATABASE_URL"):
        os.environ["ADMIN_DATABASE_URL"] = f"file:{Path(tempfile.mkdtemp(prefix='admin-bench-')) / 'admin.sqlite3'}"
    if not os.environ.get("TURSO_DATABASE_URL"):
        path = args.db
        if path is None or not path.exists():
            path = path or Path(tempfile.mkdtemp(prefix="admin-bench-")) / "legacy.sqlite3"
            build_database(path, copies=args.copies)
        os.environ["TURSO_DATABASE_URL"] = f"file:{path}"
    run(args.views)


if __name__ == "__main__":
    main()
