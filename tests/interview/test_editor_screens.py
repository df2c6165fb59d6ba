"""The editors' daily screens: messages, breadcrumbs, titles and times, refusals, links, warnings."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from bots.models import BotRun
from core import encodings
from tests.support.question_admin import (
    change_url,
    insert_question,
    list_url,
    moderate_url,
    review_url,
)

pytestmark = pytest.mark.django_db


def breadcrumbs(html: str) -> str:
    match = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.DOTALL)
    assert match, "the page has no breadcrumbs"
    return re.sub(r"\s+", " ", match.group(1))


def test_a_moderation_message_keeps_the_case_of_the_question_id(moderator_client) -> None:
    insert_question("q-24616")

    response = moderator_client.post(
        moderate_url("q-24616"), {"action": "flag", "reason": "Outdated answer"}, follow=True
    )

    html = response.content.decode()
    assert "q-24616: flagged (status flagged)." in html
    assert "Q-24616" not in html


def test_breadcrumbs_name_the_section_the_home_page_lists_the_screen_in(superuser_client) -> None:
    insert_question("q-1", status="flagged")
    section = lambda slug: reverse("admin:section", kwargs={"section": slug})  # noqa: E731

    queue = breadcrumbs(superuser_client.get(review_url()).content.decode())
    history = breadcrumbs(superuser_client.get(reverse("admin:interview_questionhistory_changelist")).content.decode())
    certifications = breadcrumbs(superuser_client.get(reverse("admin:learning_certification_changelist")).content.decode())
    question = breadcrumbs(superuser_client.get(change_url("q-1")).content.decode())

    assert f'<a href="{section("moderation")}">Moderation</a>' in queue
    assert f'<a href="{section("moderation")}">Moderation</a>' in history
    assert f'<a href="{section("content")}">Content</a>' in certifications
    assert f'<a href="{section("content")}">Content</a>' in question
    assert "Learning" not in certifications


def test_a_bot_run_is_titled_by_its_bot_and_start_in_minutes_with_the_time_zone() -> None:
    run = BotRun(bot_name="session-builder", started_at=encodings.read_stored_timestamp("2026-01-12T02:15:30.084Z"))

    assert str(run) == "session-builder run of 2026-01-12 02:15 UTC"


def test_timestamps_on_the_list_and_the_form_name_their_time_zone(editor_client) -> None:
    insert_question("q-1", last_updated="2026-01-13T03:29:00.972Z", created_at="2026-01-10 03:29:00")

    listing = editor_client.get(list_url()).content.decode()
    form = editor_client.get(change_url("q-1")).content.decode()

    assert "2026-01-13 03:29 UTC" in listing
    assert "2026-01-10 03:29 UTC" in form


def test_a_refused_page_keeps_the_admin_layout_and_logs_one_line_without_a_traceback(editor_client, caplog) -> None:
    insert_question("q-1")

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = editor_client.get(review_url())

    assert response.status_code == 403
    html = response.content.decode()
    assert "Open Interview content admin" in html  # the admin's header
    assert "You may not do this" in html
    assert "ask an administrator for the role" in html
    refusals = [r for r in caplog.records if r.name == "django.request" and "Forbidden" in r.getMessage()]
    assert refusals, "the refusal is still logged"
    assert all(r.exc_info is None for r in refusals)


def test_view_site_leads_to_the_public_site_when_configured_and_is_absent_otherwise(editor_client) -> None:
    with override_settings(OI_PUBLIC_SITE_URL="https://open-interview.example/"):
        configured = editor_client.get(reverse("admin:index")).content.decode()
    unconfigured = editor_client.get(reverse("admin:index")).content.decode()

    assert '<a href="https://open-interview.example/">View site</a>' in configured
    assert "View site" not in unconfigured


@pytest.mark.parametrize(
    ("stored", "words"),
    [
        ("react, javascript, frontend", "a plain comma-separated text, not a JSON list of quoted items"),
        ("", "an empty text, where a JSON value (such as [] for an empty list) belongs"),
        ('["react", "vue"', "JSON that is cut off or mistyped"),
    ],
)
def test_a_legacy_value_warning_says_in_plain_words_what_the_stored_text_is(editor_client, stored, words) -> None:
    insert_question("q-1", tags=stored)

    html = editor_client.get(change_url("q-1")).content.decode()

    assert f"The stored value is {words}" in html
    assert "Expecting" not in html and "char 0" not in html


# -- editors flag for review ------------------------------------------------------


def test_an_editor_flags_a_question_for_review_with_a_reason_from_its_page(editor_in_role) -> None:
    from django.test import Client

    from tests.support.question_admin import history_rows
    from tests.support.raw_sql import read_raw

    insert_question("q-7")
    client = Client()
    client.force_login(editor_in_role)

    page = client.get(change_url("q-7")).content.decode()
    assert 'value="flag"' in page and "Flag for review" in page
    assert 'value="approve"' not in page and 'value="delete"' not in page

    refused = client.post(moderate_url("q-7"), {"action": "flag", "reason": "  "}, follow=True)
    assert "A reason is required to flag a question." in refused.content.decode()
    assert read_raw("questions", "q-7", ["status"])["status"] == "active"

    client.post(moderate_url("q-7"), {"action": "flag", "reason": "The answer names the wrong RFC"})
    assert read_raw("questions", "q-7", ["status"])["status"] == "flagged"
    assert [(r["event_type"], r["source_name"], r["reason"]) for r in history_rows("q-7")] == [
        ("flagged", "edna", "The answer names the wrong RFC")
    ]

    # Deciding stays with moderators.
    assert client.post(moderate_url("q-7"), {"action": "approve"}).status_code == 403
    assert client.post(moderate_url("q-7"), {"action": "delete"}).status_code == 403
    assert read_raw("questions", "q-7", ["status"])["status"] == "flagged"


def test_the_flag_rule_lets_a_flagger_flag_and_nothing_else() -> None:
    from django.contrib.auth.models import Group, User

    from interview import services

    editor = User.objects.create_user(username="edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    nobody = User.objects.create_user(username="nobody", is_staff=True)

    assert services.may_change_status(actor=editor, change="flag")
    assert not any(services.may_change_status(actor=editor, change=c) for c in ("approve", "delete", "restore"))
    assert not services.may_change_status(actor=editor)  # an edit or import changing the status
    assert not services.may_change_status(actor=nobody, change="flag")


# -- certification counts ------------------------------------------------------------


def test_the_certification_list_shows_a_stale_count_beside_the_live_one_in_one_grouped_query(superuser_client) -> None:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from tests.support.content_factories import make_certification

    make_certification("aws-ai-practitioner", name="AWS AI Practitioner", question_count=0)
    make_certification("cka", name="CKA", question_count=2)
    for n in range(3):
        insert_question(f"q-ai-{n}", channel="aws-ai-practitioner")
    insert_question("q-ai-deleted", channel="aws-ai-practitioner", status="deleted")
    insert_question("q-cka-1", channel="cka")
    insert_question("q-cka-2", channel="cka")

    with CaptureQueriesContext(connections["content"]) as content_queries:
        html = superuser_client.get(reverse("admin:learning_certification_changelist")).content.decode()

    assert "live 3</span>" in html  # aws-ai-practitioner: stored 0, live 3
    assert 'title="stored and live count agree">2</span>' in html  # cka
    grouped = [q["sql"] for q in content_queries.captured_queries if "GROUP BY" in q["sql"] and "questions" in q["sql"]]
    assert len(grouped) == 1


def test_recount_stores_the_live_count_and_notes_it_in_the_admin_log(superuser_client, superuser) -> None:
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.contrib.admin.models import LogEntry

    from learning.models import Certification
    from tests.support.content_factories import make_certification

    make_certification("aws-ai-practitioner", name="AWS AI Practitioner", question_count=0)
    make_certification("cka", name="CKA", question_count=1)
    for n in range(3):
        insert_question(f"q-ai-{n}", channel="aws-ai-practitioner")
    insert_question("q-cka-1", channel="cka")

    response = superuser_client.post(
        reverse("admin:learning_certification_changelist"),
        {"action": "recount_questions", ACTION_CHECKBOX_NAME: ["aws-ai-practitioner", "cka"]},
        follow=True,
    )

    assert "Recounted: aws-ai-practitioner 0 → 3" in response.content.decode()
    assert dict(Certification.objects.values_list("pk", "question_count")) == {"aws-ai-practitioner": 3, "cka": 1}
    notes = list(LogEntry.objects.values_list("object_id", "change_message"))
    assert notes == [("aws-ai-practitioner", "Recounted questions: 0 → 3")]


# -- a learning path's question list --------------------------------------------------


def test_a_long_learning_path_lists_its_questions_fifty_a_page_with_a_search(superuser_client) -> None:
    from tests.support.content_factories import make_learning_path
    from tests.support.question_admin import insert_questions

    ids = insert_questions(120, start=1000)
    insert_question("q-special", question="What is a monad transformer?")
    make_learning_path("path-long", question_ids=[*ids, "q-special"])
    url = reverse("admin:learning_learningpath_change", args=["path-long"])

    first = superuser_client.get(url).content.decode()
    third = superuser_client.get(url, {"questions_page": 3}).content.decode()
    found = superuser_client.get(url, {"questions_search": "monad"}).content.decode()

    rows = lambda html: re.findall(r"<tr class=\"\"><td>(\d+)</td><td><a href=\"[^\"]+\">([^<]+)</a>", html)  # noqa: E731
    assert rows(first)[0] == ("1", "q-1000") and len(rows(first)) == 50
    assert "121 questions; page 1 of 3" in first
    assert rows(third) == [(str(n), f"q-{999 + n}") for n in range(101, 121)] + [("121", "q-special")]
    assert rows(found) == [("121", "q-special")]
    assert "1 of 121 questions match; page 1 of 1" in found
    assert '<form id="oi-question-list-search" method="get" action=""></form>' in first


# -- scripts a page loads ---------------------------------------------------------------


def test_only_the_question_form_loads_mermaid_and_only_forms_load_the_save_shortcut(superuser_client) -> None:
    insert_question("q-1", status="flagged")

    listing = superuser_client.get(list_url()).content.decode()
    queue = superuser_client.get(review_url()).content.decode()
    form = superuser_client.get(change_url("q-1")).content.decode()

    scripts = lambda html: set(re.findall(r'<script[^>]* src="[^"]*/static/([^"]+)"', html))  # noqa: E731
    assert not {s for s in scripts(listing) | scripts(queue) if "mermaid" in s or "question_preview" in s}
    assert "core/save_shortcut.js" not in scripts(listing) | scripts(queue)
    assert {"interview/vendor/mermaid/mermaid.min.js", "interview/question_preview.js", "core/save_shortcut.js"} <= scripts(form)


# -- the review queue's filters ---------------------------------------------------------


def test_the_review_queue_offers_only_the_channels_and_difficulties_its_rows_hold(moderator_client) -> None:
    insert_question("q-1", channel="kubernetes", difficulty="advanced", status="flagged")
    insert_question("q-2", channel="python", difficulty="beginner")
    insert_question("q-3", channel="terraform", difficulty="intermediate", status="deleted")

    response = moderator_client.get(review_url())

    offered = {
        spec.title: [choice["display"] for choice in spec.choices(response.context["cl"])]
        for spec in response.context["cl"].filter_specs
        if spec.title in {"channel", "difficulty"}
    }
    assert offered == {"channel": ["All", "kubernetes"], "difficulty": ["All", "Advanced"]}


def test_the_app_list_is_built_only_by_the_pages_that_show_it(editor_client, monkeypatch) -> None:
    from config.admin_site import OpenInterviewAdminSite

    built = []
    sections = OpenInterviewAdminSite.get_sections
    monkeypatch.setattr(OpenInterviewAdminSite, "get_sections", lambda self, request: built.append(1) or sections(self, request))
    assert editor_client.get(list_url()).status_code == 200
    assert built == []  # no side menu: "available_apps" is never read
    home = editor_client.get(reverse("admin:index"))
    assert home.status_code == 200 and built
    assert 'href="/admin/interview/question/"' in home.content.decode()
