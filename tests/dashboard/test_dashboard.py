"""The admin's home page: the dashboard's panels, their links, and its query budget."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.urls import reverse

from core.databases import ADMIN_DB, CONTENT_DB
from core.roles import EDITORS, IMPORTERS, MODERATORS
from dashboard import selectors as dashboard
from interview.models import DataQualityCount
from tests.support.question_admin import insert_history, insert_question
from tests.support.raw_sql import insert_raw

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 8


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


NOW = datetime.now(UTC)
RECENT = iso(NOW - timedelta(days=2))
LAST_MONTH = iso(NOW - timedelta(days=30))


def build_fixture() -> None:
    """17 channels (so 2 fall into "other"), every status, bot runs in and out of the window."""
    for n in range(17):
        for k in range(20 - n):  # channel c00 has 20 questions, c16 has 4
            insert_question(f"q-c{n:02}-{k}", channel=f"c{n:02}", sub_channel="s", difficulty=("beginner", "advanced")[k % 2])
    insert_question("q-flagged", channel="c00", status="flagged", difficulty="intermediate")
    insert_question("q-deleted", channel="c16", status="deleted", difficulty="intermediate")
    insert_question("q-tags", channel="c01", tags="react, javascript", explanation="")
    insert_question("q-companies", channel="c01", companies="", diagram="graph TD; A-->B")
    insert_question("q-deleted-bad", channel="c01", status="deleted", tags="not json", explanation="")
    for status in ("pending", "pending", "failed"):
        insert_raw("work_queue", {"item_type": "question", "item_id": "q-c00-1", "action": "improve", "status": status})
    for bot, status, started in (
        ("improve-bot", "completed", RECENT),
        ("improve-bot", "completed", RECENT),
        ("improve-bot", "failed", RECENT),
        ("session-builder", "completed", RECENT),
        ("session-builder", "failed", LAST_MONTH),  # outside the 14 days
    ):
        insert_raw("bot_runs", {"bot_name": bot, "status": status, "started_at": started})
    insert_raw("certifications", {
        "id": "c02", "name": "C two", "provider": "P", "description": "d", "difficulty": "beginner",
        "category": "cloud", "question_count": 3,  # live: 18
    })
    insert_raw("certifications", {
        "id": "c03", "name": "C three", "provider": "P", "description": "d", "difficulty": "beginner",
        "category": "cloud", "question_count": 17,  # agrees
    })
    insert_history("q-c00-1", event_source="user", source_name="edna", event_type="updated",
                   changed_fields='["sub_channel","eli5"]', created_at=iso(NOW - timedelta(hours=1)))
    insert_history("q-c00-2", event_source="bot", source_name="improve-bot", created_at=iso(NOW - timedelta(hours=3)))
    insert_history("q-c00-3", event_source="import", source_name="importer", event_type="imported",
                   created_at=(NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"))
    insert_history("q-c00-4", event_source="bot", source_name="old-bot", created_at=LAST_MONTH)


def panel(html: str, title_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{title_id}".*?</section>', html, re.DOTALL)
    assert match, f"no panel {title_id}"
    return re.sub(r"\s+", " ", match.group(0))


def bars(chart_html: str) -> list[tuple[str, str]]:
    return re.findall(r"<title>(.*?): ([\d,]+)</title>", chart_html)


@pytest.mark.sqld
def test_the_dashboard_holds_its_query_budget_on_both_databases(login, django_assert_max_num_queries) -> None:
    build_fixture()
    client = login(MODERATORS)
    client.get(reverse("admin:index"))  # sessions and content types warmed as in use
    client.post(reverse("admin:data_quality_recount"))

    with django_assert_max_num_queries(3, connection=connections[CONTENT_DB]) as content, \
            django_assert_max_num_queries(QUERY_BUDGET, connection=connections[ADMIN_DB]) as admin:
        response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert len(content) + len(admin) <= QUERY_BUDGET, [q["sql"][:80] for q in [*content, *admin]]


@pytest.mark.sqld
def test_each_panel_shows_its_counts_and_links_into_the_filtered_lists(login) -> None:
    build_fixture()
    client = login(MODERATORS)
    client.post(reverse("admin:data_quality_recount"))

    html = client.get(reverse("admin:index")).content.decode()

    work = panel(html, "oi-work-title")
    assert '<a class="oi-tile oi-tile--warning" id="oi-flagged" href="/admin/interview/flaggedquestion/"><strong>1</strong> flagged' in work
    assert 'href="/admin/bots/workitem/?status__exact=pending"><strong>2</strong> pending in the work queue' in work
    assert 'href="/admin/learning/certification/?count=stale"><strong>1</strong> certifications with a stale' in work

    channels = panel(html, "oi-channels-title")
    # 17 channels of 20..4 questions plus the extra rows; deleted ones left out.
    assert "in 17 channels" in channels
    channel_bars = bars(channels)
    assert channel_bars[0] == ("c00", "21") and channel_bars[1] == ("c01", "21")
    assert len(channel_bars) == 16 and channel_bars[-1] == ("2 other channels", "9")  # c15: 5, c16: 4
    assert 'href="/admin/interview/question/?channel=c00"' in channels

    by_kind = panel(html, "oi-difficulty-title")
    assert bars(by_kind)[:3] == [("Beginner", "106"), ("Intermediate", "3"), ("Advanced", "98")]
    assert bars(by_kind)[3:] == [("Active", "206"), ("Flagged", "1"), ("Deleted", "2")]
    assert 'href="/admin/interview/question/?status=deleted"' in by_kind

    runs = panel(html, "oi-runs-title")
    assert re.search(r"<th scope=\"row\">improve-bot</th> <td><a [^>]*>2</a></td> <td><a class=\"oi-badge oi-badge--failed\" "
                     r"href=\"/admin/bots/botrun/\?bot_name=improve-bot&amp;status__exact=failed\">1</a></td>", runs)
    assert re.search(r"<th scope=\"row\">session-builder</th> <td><a [^>]*>1</a></td> <td>0</td>", runs)

    changes = panel(html, "oi-changes-title")
    assert ">1 by people</a>" in changes and ">1 by bots</a>" in changes and ">1 by imports</a>" in changes
    order = [name for name in ("edna", "importer", "improve-bot", "old-bot") if name in changes]
    assert order == ["edna", "importer", "improve-bot", "old-bot"]
    assert changes.index("edna") < changes.index("by importer") < changes.index("by improve-bot")
    assert "sub channel, ELI5" in changes and "sub_channel" not in changes

    quality = panel(html, "oi-quality-title")
    assert "over 207 questions (not deleted)" in quality
    assert '<a href="/admin/interview/question/?invalid_json=tags">1</a>' in quality
    assert '<a href="/admin/interview/question/?invalid_json=companies">1</a>' in quality
    assert '<a href="/admin/interview/question/?has_explanation=no">1</a>' in quality
    assert '<a href="/admin/interview/question/?has_diagram=no">206</a>' in quality


@pytest.mark.sqld
def test_the_linked_lists_hold_the_rows_the_dashboard_counted(login) -> None:
    build_fixture()
    client = login(MODERATORS)

    tags = client.get(reverse("admin:interview_question_changelist") + "?invalid_json=tags")
    explanation = client.get(reverse("admin:interview_question_changelist") + "?has_explanation=no")
    stale = client.get(reverse("admin:learning_certification_changelist") + "?count=stale")

    assert [q.pk for q in tags.context["cl"].result_list] == ["q-tags"]
    assert [q.pk for q in explanation.context["cl"].result_list] == ["q-tags"]
    assert [c.pk for c in stale.context["cl"].result_list] == ["c02"]


def test_charts_are_svg_drawn_on_the_server_with_labels_escaped(login) -> None:
    insert_question("q-1", channel="<script>alert(1)</script>")
    html = login(EDITORS).get(reverse("admin:index")).content.decode()

    channels = panel(html, "oi-channels-title")
    assert '<svg class="oi-chart" role="img"' in channels and "<rect " in channels
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in channels
    assert "<script" not in html.split('id="oi-dashboard"')[1].split("</div>")[0]


def test_data_quality_is_counted_on_request_and_kept_in_the_admin_database(login) -> None:
    insert_question("q-1", tags="react, js")
    client = login(EDITORS)

    before = client.get(reverse("admin:index")).content.decode()
    refused = client.get(reverse("admin:data_quality_recount"))
    counted_on_get = DataQualityCount.objects.exists()
    response = client.post(reverse("admin:data_quality_recount"), follow=True)

    assert "Not counted yet." in panel(before, "oi-quality-title")
    assert refused.status_code == 405 and not counted_on_get
    assert "Data quality counted over 1 questions in" in response.content.decode()
    count = DataQualityCount.objects.using(ADMIN_DB).get()
    assert count.counted_by == "editors" and count.counts["invalid_json"]["tags"] == 1


def test_panels_follow_permissions_an_importer_sees_no_moderation_or_bots(login) -> None:
    insert_question("q-1", status="flagged")
    html = login(IMPORTERS).get(reverse("admin:index")).content.decode()

    assert 'id="oi-channels-title"' in html
    assert 'id="oi-flagged"' not in html
    assert 'id="oi-runs-title"' not in html
    assert 'id="oi-changes-title"' not in html


def test_the_bot_run_window_starts_thirteen_days_before_today() -> None:
    assert dashboard.window_start(now=datetime(2026, 1, 14, 23, 0, tzinfo=UTC)) == "2026-01-01"


def test_the_count_command_stores_a_count_and_says_what_it_found(capsys) -> None:
    from django.core.management import call_command

    insert_question("q-1", tags="react, js", explanation="")

    call_command("count_data_quality")

    out = capsys.readouterr().out
    # The duration is measured, so only its form is fixed.
    assert re.fullmatch(
        r"Counted 1 questions \(not deleted\) in \d+\.\d s: "
        r"not valid JSON: tags 1; no explanation: 1; no diagram: 1\.",
        out.strip(),
    ), out
    assert DataQualityCount.objects.get().counted_by == "manage.py count_data_quality"
