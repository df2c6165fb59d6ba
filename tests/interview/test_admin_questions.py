"""The question screens at the HTTP level: list, search, filters, form, preview, conflicts, budgets."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote as admin_quote
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import format_html

from core.databases import content_connection as connection
from interview import services
from interview.models import Question
from tests.support.question_admin import (
    change_url,
    client_for,
    form_data,
    history_rows,
    history_url,
    insert_history,
    insert_question,
    insert_questions,
    list_url,
    review_url,
)
from tests.support.raw_sql import read_raw

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def listed_ids(response) -> list[str]:
    return [obj.pk for obj in response.context["cl"].result_list]


# -- list, search, filters -------------------------------------------------------


@pytest.mark.sqld
def test_deleted_questions_are_out_of_the_default_list_but_one_filter_away(editor_client) -> None:
    insert_question("q-1")
    insert_question("q-2", status="deleted")
    insert_question("q-3", status="flagged")
    insert_question("q-4", status=None)

    default = editor_client.get(list_url())
    assert sorted(listed_ids(default)) == ["q-1", "q-3", "q-4"]
    deleted = editor_client.get(list_url(), {"status": "deleted"})
    assert listed_ids(deleted) == ["q-2"]
    everything = editor_client.get(list_url(), {"status": "all"})
    assert sorted(listed_ids(everything)) == ["q-1", "q-2", "q-3", "q-4"]
    assert b"All, deleted included" in default.content


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("q-2", ["q-2", "q-20"]),  # an id finds itself and the ids it starts
        ("monad", ["q-1"]),  # question text
        ("lexical", ["q-3"]),  # answer
        ("kubernetes", ["q-2"]),  # tags
        ("Netflix", ["q-3"]),  # companies
    ],
)
def test_search_covers_id_question_answer_tags_and_companies(editor_client, term, expected) -> None:
    insert_question("q-1", question="What is a monad?", answer="A burrito.")
    insert_question("q-2", tags='["kubernetes"]', answer="Pods.")
    insert_question("q-3", answer="Lexical scope.", companies='["Netflix"]')
    insert_question("q-20", answer="Other.")

    response = editor_client.get(list_url(), {"q": term})
    assert sorted(listed_ids(response)) == expected


def test_filters_narrow_the_list(editor_client) -> None:
    insert_question("q-1", channel="algorithms", sub_channel="graphs", difficulty="beginner", diagram="graph TD; A-->B", eli5="Simple", relevance_score=90, created_at="2025-12-26 12:51:06")
    insert_question("q-2", channel="algorithms", sub_channel="sorting", difficulty="advanced", tldr="Short", relevance_score=40, voice_suitable=1)
    insert_question("q-3", channel="frontend", sub_channel="react", difficulty="advanced", is_new=1, relevance_score=10)

    def ids(**params) -> list[str]:
        response = editor_client.get(list_url(), params)
        assert response.status_code == 200, params
        return sorted(listed_ids(response))

    assert ids(channel="algorithms") == ["q-1", "q-2"]
    assert ids(channel="algorithms", sub_channel="sorting") == ["q-2"]
    assert ids(difficulty__exact="advanced") == ["q-2", "q-3"]
    assert ids(voice_suitable__exact="1") == ["q-2"]
    assert ids(is_new__exact="1") == ["q-3"]
    assert ids(has_diagram="yes") == ["q-1"]
    assert ids(has_diagram="no") == ["q-2", "q-3"]
    assert ids(has_summary="eli5") == ["q-1"]
    assert ids(has_summary="neither") == ["q-3"]
    assert ids(relevance_min="30", relevance_max="95") == ["q-1", "q-2"]
    # Both stored timestamp forms compare as times, whole days inclusive.
    assert ids(created_after="2025-12-26", created_before="2025-12-26") == ["q-1"]
    assert ids(updated_after="2026-01-13") == ["q-1", "q-2", "q-3"]
    assert ids(updated_before="2026-01-12") == []


def test_sub_channel_options_follow_the_chosen_channel(editor_client) -> None:
    insert_question("q-1", channel="algorithms", sub_channel="graphs")
    insert_question("q-2", channel="frontend", sub_channel="react")
    html = editor_client.get(list_url(), {"channel": "frontend"}).content.decode()
    suggested = lambda list_id: re.findall(  # noqa: E731
        r'<option value="([^"]*)"', re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html, re.DOTALL).group(1)
    )
    assert suggested("oi-sub-channels") == ["react"]
    assert suggested("oi-channels") == ["algorithms", "frontend"]


def test_a_range_that_is_not_a_number_is_refused_not_a_500(editor_client) -> None:
    insert_question("q-1")
    response = editor_client.get(list_url(), {"relevance_min": "lots"})
    # The admin's answer to bad filter parameters: back to the list with ?e=1.
    assert response.status_code == 302
    assert "e=1" in response["Location"]


def test_columns_are_sortable_and_escaped(editor_client) -> None:
    insert_question("q-1", question=XSS, relevance_score=5)
    insert_question("q-2", question="Zebra?", relevance_score=99)
    # An editor has no moderation actions, so no checkbox column: relevance is column 5.
    response = editor_client.get(list_url(), {"o": "-5"})
    assert listed_ids(response) == ["q-2", "q-1"]
    assert listed_ids(editor_client.get(list_url(), {"o": "5"})) == ["q-1", "q-2"]
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    headers = [header["text"].lower() for header in response.context["result_headers"]]
    assert headers == ["id", "question", "channel / sub-channel", "difficulty", "status", "relevance score", "last updated"]
    assert all(header["sortable"] for header in response.context["result_headers"])


# -- the change form -------------------------------------------------------------


@pytest.mark.sqld
def test_invalid_json_survives_a_save_of_another_field_byte_for_byte(editor_client) -> None:
    insert_question("q-900", tags="react, javascript, frontend", companies="", last_updated="2025-12-26 12:51:06")
    page = editor_client.get(change_url("q-900"))
    html = page.content.decode()
    assert "not valid JSON" in html
    assert "react, javascript, frontend" in html

    data = form_data(page)
    data["answer"] = "A function with its lexical scope, edited."
    response = editor_client.post(change_url("q-900"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    raw = read_raw("questions", "q-900", ["tags", "companies", "answer", "videos"])
    assert raw == {
        "tags": "react, javascript, frontend",
        "companies": "",
        "answer": "A function with its lexical scope, edited.",
        "videos": '{"shortVideo":null,"longVideo":null}',
    }
    [row] = history_rows("q-900")
    assert row["event_type"] == "updated"
    assert row["changed_fields"] == '["answer"]'
    assert row["source_name"] == "edna"


def test_an_untouched_save_writes_nothing(editor_client) -> None:
    insert_question("q-1", job_title_relevance='{"frontend-engineer":90}', relevance_details='{"clarity":8}', voice_keywords='["closure"]')
    page = editor_client.get(change_url("q-1"))
    response = editor_client.post(change_url("q-1"), form_data(page))
    assert response.status_code == 302
    assert history_rows("q-1") == []
    assert read_raw("questions", "q-1", ["last_updated"])["last_updated"] == "2026-01-13T03:29:00.972Z"


def test_a_browser_save_with_crlf_line_ends_keeps_lf_and_writes_nothing_untouched(editor_client) -> None:
    # Browsers submit textarea text with CRLF line ends; the app writes LF.
    insert_question("q-1", answer="line one\nline two", explanation="# Title\n\nbody")
    page = editor_client.get(change_url("q-1"))
    data = {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in form_data(page).items()
    }
    assert editor_client.post(change_url("q-1"), data).status_code == 302
    assert history_rows("q-1") == []

    data["diagram"] = "graph TD\r\n  A-->B"
    assert editor_client.post(change_url("q-1"), data).status_code == 302
    stored = read_raw("questions", "q-1", ["answer", "explanation", "diagram"])
    assert stored == {"answer": "line one\nline two", "explanation": "# Title\n\nbody", "diagram": "graph TD\n  A-->B"}
    assert [row["changed_fields"] for row in history_rows("q-1")] == ['["diagram"]']


def test_json_fields_are_edited_as_what_they_hold(editor_client) -> None:
    insert_question("q-1")
    page = editor_client.get(change_url("q-1"))
    data = form_data(page)
    assert data["tags"] == "javascript\nscope"
    data.update(
        tags="closures\r\nscope\r\n",
        companies="Google\nMeta",
        voice_keywords="closure",
        experience_level_tags="mid\nsenior",
        videos="shortVideo: https://youtu.be/abc\nlongVideo:",
        job_title_relevance="frontend-engineer: 90\nbackend-engineer: 75.5",
        relevance_details='{"clarity": 8, "depth": 7}',
    )
    response = editor_client.post(change_url("q-1"), data)
    assert response.status_code == 302
    raw = read_raw("questions", "q-1", ["tags", "companies", "voice_keywords", "experience_level_tags", "videos", "job_title_relevance", "relevance_details"])
    assert raw == {
        "tags": '["closures","scope"]',
        "companies": '["Google","Meta"]',
        "voice_keywords": '["closure"]',
        "experience_level_tags": '["mid","senior"]',
        "videos": '{"shortVideo":"https://youtu.be/abc","longVideo":null}',
        "job_title_relevance": '{"frontend-engineer":90,"backend-engineer":75.5}',
        "relevance_details": '{"clarity":8,"depth":7}',
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tags", "react\nvue\nReact", "Line 3: &#x27;React&#x27; is already listed (line 1)."),
        ("tags", '["react", 3]', "Item 2: 3 is not text."),
        ("videos", "shortVideo: not a url", "Line 1 (shortVideo): &#x27;not a url&#x27; is not an http(s) URL."),
        ("videos", "javascript:alert(1)", "is not an http(s) URL"),
        ("job_title_relevance", "frontend-engineer: lots", "Line 1 (frontend-engineer): &#x27;lots&#x27; is not a number."),
        ("job_title_relevance", "frontend-engineer: 140", "140 is outside 0 to 100."),
        ("job_title_relevance", "just a title", "write it as &#x27;name: score&#x27;"),
        ("relevance_details", '{"clarity": 8,', "This is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 15."),
        ("relevance_details", "[1, 2]", "This value must be an object of scores and notes"),
    ],
)
def test_json_field_errors_say_what_is_wrong_and_change_nothing(editor_client, field, value, message) -> None:
    insert_question("q-1")
    data = form_data(editor_client.get(change_url("q-1")))
    data[field] = value
    data["answer"] = "changed too"
    response = editor_client.post(change_url("q-1"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert read_raw("questions", "q-1", ["answer"])["answer"] == "A function with its lexical scope."
    assert history_rows("q-1") == []


def test_a_stored_difficulty_outside_the_choices_is_offered_and_kept(editor_client) -> None:
    insert_question("q-1", difficulty="expert", status="needs-review")
    page = editor_client.get(change_url("q-1"))
    html = page.content.decode()
    assert re.search(r'<option value="expert" selected>expert \(stored value, not a known choice\)</option>', html)
    assert "needs-review (unknown)" in html  # status is shown, changed only by moderation

    data = form_data(page)
    data["answer"] = "edited"
    assert editor_client.post(change_url("q-1"), data).status_code == 302
    assert read_raw("questions", "q-1", ["difficulty", "status"]) == {"difficulty": "expert", "status": "needs-review"}

    data = form_data(editor_client.get(change_url("q-1")))
    data["difficulty"] = "wizard"
    response = editor_client.post(change_url("q-1"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert read_raw("questions", "q-1", ["difficulty"])["difficulty"] == "expert"


def test_a_new_question_gets_the_next_id_unless_one_is_given(editor_client) -> None:
    insert_question("q-41")
    insert_question("q-7")
    add_url = reverse("admin:interview_question_add")
    data = form_data(editor_client.get(add_url))
    data.update(question="New?", answer="Yes.", explanation="Because.", difficulty="beginner", channel="frontend", sub_channel="react", voice_suitable="unknown", is_new="true")
    assert editor_client.post(add_url, data).status_code == 302
    created = Question.objects.get(question="New?")
    assert created.pk == "q-42"
    assert [row["event_type"] for row in history_rows("q-42")] == ["created"]

    data.update(id="custom-1", question="Named?")
    assert editor_client.post(add_url, data).status_code == 302
    assert Question.objects.filter(pk="custom-1", question="Named?").exists()

    data.update(question="Duplicate?")
    response = editor_client.post(add_url, data)
    assert response.status_code == 200
    assert "A question with id &#x27;custom-1&#x27; already exists." in response.content.decode()


# -- previews and escaping ---------------------------------------------------------


@pytest.mark.sqld
def test_html_in_content_never_runs_in_form_preview_or_list(editor_client) -> None:
    insert_question(
        "q-1",
        explanation=f"**Bold** {XSS} [x](javascript:alert(3))",
        diagram=f'graph TD; A["{XSS}"]-->B',
        tags=f'["{XSS.replace(chr(34), chr(39))}"]',
    )
    html = editor_client.get(change_url("q-1")).content.decode()
    assert "<strong>Bold</strong>" in html  # the markdown preview renders
    assert "<script>alert(1)" not in html
    assert "onerror=" not in html.replace("onerror=&quot;", "").replace("onerror=&#x27;", "")
    assert "javascript:alert(3)" not in html.split('name="explanation"')[0]
    assert 'data-preview="mermaid"' in html and "mermaid.min.js" in html
    assert "securityLevel" not in html  # configured in the static file, no inline script
    assert not re.search(r"<script>(?!</script>)", html)  # no inline script blocks at all

    preview = editor_client.post(reverse("admin:interview_question_preview"), {"text": f"# Title\n\n{XSS}"})
    assert preview.status_code == 200
    rendered = preview.json()["html"]
    assert "<h1>Title</h1>" in rendered
    assert "<script" not in rendered and "onerror" not in rendered


def test_the_preview_endpoint_requires_an_editor(client, db) -> None:
    from django.contrib.auth.models import User

    staff = User.objects.create_user("viewer", password=None, is_staff=True)
    response = client_for(staff).post(reverse("admin:interview_question_preview"), {"text": "x"})
    assert response.status_code == 403


# -- concurrent edits ---------------------------------------------------------------


@pytest.mark.sqld
def test_the_second_of_two_concurrent_saves_is_refused_with_the_first_change_shown(editor_client, moderator_client) -> None:
    insert_question("q-1")
    first_page = editor_client.get(change_url("q-1"))
    second_page = moderator_client.get(change_url("q-1"))

    first = form_data(first_page)
    first["answer"] = "First editor's answer."
    assert editor_client.post(change_url("q-1"), first).status_code == 302

    second = form_data(second_page)
    second["answer"] = "Second editor's answer."
    response = moderator_client.post(change_url("q-1"), second)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this question after you opened it" in html
    assert "First" in html and "edna" in html  # the other person's change, shown
    assert read_raw("questions", "q-1", ["answer"])["answer"] == "First editor's answer."
    assert [row["source_name"] for row in history_rows("q-1")] == ["edna"]


def test_a_race_past_the_form_check_is_still_refused(editor_client, monkeypatch) -> None:
    insert_question("q-1")
    data = form_data(editor_client.get(change_url("q-1")))
    data["answer"] = "Mine."
    real_save = services.save_question_changes

    def someone_saves_first(*, question, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE questions SET answer = 'Theirs.', last_updated = '2026-02-01T00:00:00.000Z' WHERE id = 'q-1'")
        return real_save(question=question, **kwargs)

    monkeypatch.setattr(services, "save_question_changes", someone_saves_first)
    response = editor_client.post(change_url("q-1"), data, follow=True)
    assert "changed by someone else" in response.content.decode()
    # The other write was in this request's transaction, so it rolls back too;
    # what matters is that "Mine." was never written over it.
    assert read_raw("questions", "q-1", ["answer"])["answer"] != "Mine."
    assert history_rows("q-1") == []


# -- hard delete ------------------------------------------------------------------------


def test_hard_delete_is_for_superusers_after_confirmation_and_keeps_the_last_snapshot(moderator_client, superuser_client) -> None:
    insert_question("q-1", question="Doomed?")
    url = reverse("admin:interview_question_hard_delete", args=["q-1"])
    assert moderator_client.get(url).status_code == 403
    assert moderator_client.post(url, {"confirm": "q-1"}).status_code == 403
    assert "Delete for good" not in moderator_client.get(change_url("q-1")).content.decode()

    confirmation = superuser_client.get(url)
    assert confirmation.status_code == 200 and b"Type <code>q-1</code> to confirm" in confirmation.content
    assert superuser_client.post(url, {"confirm": "wrong"}).status_code == 200
    assert Question.objects.filter(pk="q-1").exists()

    assert superuser_client.post(url, {"confirm": "q-1", "reason": "spam"}).status_code == 302
    assert not Question.objects.filter(pk="q-1").exists()
    [row] = history_rows("q-1")
    assert row["event_type"] == "hard_deleted" and row["reason"] == "spam" and row["after_snapshot"] is None
    assert '"question":"Doomed?"' in row["before_snapshot"]


def test_the_admins_plain_delete_is_not_offered(superuser_client) -> None:
    insert_question("q-1")
    assert superuser_client.post(reverse("admin:interview_question_delete", args=["q-1"]), {"post": "yes"}).status_code == 403
    assert Question.objects.filter(pk="q-1").exists()


# -- query budget -------------------------------------------------------------------------

BUDGET = 8


def _queries_per_view(client, url: str) -> int:
    client.get(url)  # warm the short-lived caches, as any earlier page view would
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.sqld
def test_each_screen_stays_within_budget_and_does_not_grow_with_rows(moderator_client) -> None:
    def screens() -> dict[str, int]:
        flagged = Question.objects.filter(status="flagged").order_by("id").first().pk
        return {
            "list": _queries_per_view(moderator_client, list_url()),
            "list filtered": _queries_per_view(moderator_client, list_url() + "?channel=frontend&has_diagram=no&relevance_min=1"),
            "review queue": _queries_per_view(moderator_client, review_url()),
            "change": _queries_per_view(moderator_client, change_url(flagged)),
            "history": _queries_per_view(moderator_client, history_url(flagged)),
        }

    ids = insert_questions(100, start=1000)
    insert_questions(50, start=5000, status="flagged")
    for qid in ids[:40]:
        insert_history(qid)
    for n in range(5000, 5050):
        insert_history(f"q-{n}", event_type="flagged", reason=f"flag {n}", source_name="verifier-bot")
        insert_history(f"q-{n}", event_type="flagged", event_source="user", source_name="moe", reason="again", created_at="2026-01-06T10:00:00.000Z")
    small = screens()

    insert_questions(200, start=2000)
    insert_questions(100, start=6000, status="flagged")
    for n in range(5000, 5050):
        insert_history(f"q-{n}", event_type="improved")
    large = screens()

    assert all(count <= BUDGET for count in small.values()), small
    assert large == small, (small, large)


@pytest.mark.sqld
def test_the_lists_read_only_the_columns_they_show(editor_client, moderator_client) -> None:
    # Answers, explanations and diagrams are most of a row's bytes; a list
    # page that selected them would move ~0.5 MB per view from Turso.
    insert_question("q-wide", explanation="long text " * 500, diagram="graph TD; A-->B", status="flagged")
    for client, url in (
        (editor_client, reverse("admin:interview_question_changelist")),
        (moderator_client, reverse("admin:interview_flaggedquestion_changelist")),
    ):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        row_queries = [q["sql"] for q in captured.captured_queries if 'FROM "questions"' in q["sql"]]
        assert row_queries, url
        assert not any('"questions"."explanation"' in sql or '"questions"."answer"' in sql for sql in row_queries)


def test_the_list_renders_no_template_per_row(moderator_client) -> None:
    """Rows are drawn by the result list's own loop; a widget template per
    row (Django's row checkbox) was a third of the list's server time."""
    insert_questions(3)
    few = [t.name for t in moderator_client.get(list_url()).templates]
    insert_questions(40, start=2000)
    many = [t.name for t in moderator_client.get(list_url()).templates]

    assert "django/forms/widgets/checkbox.html" not in many
    assert len(many) == len(few)

    # The row's checkbox and change links are still exactly Django's, for any id.
    for qid in ["a/b c_%?é#<x>", "q_2:ok@~"]:
        insert_question(qid, question=f"What about {qid}?")

    response = moderator_client.get(list_url())
    html = response.content.decode()

    for question in response.context["cl"].result_list:
        django_link = reverse("admin:interview_question_change", args=(admin_quote(question.pk),))
        assert response.context["cl"].url_for_result(question) == django_link
        checkbox = forms.CheckboxInput(
            {"class": "action-select", "aria-label": format_html("Select this object for an action - {}", str(question))},
            lambda value: False,
        ).render(ACTION_CHECKBOX_NAME, str(question.pk))
        assert checkbox in html
    assert "2026-01-13 03:29 UTC" in html


# The screens people use most reach the content database (a far-away Turso
# region) at most twice; session, user and permission look-ups go to the
# admin database.
CONTENT_BUDGET = 2


@pytest.mark.sqld
def test_the_main_screens_reach_the_content_database_at_most_twice(moderator_client, on_real_server) -> None:
    insert_questions(30, start=1000)
    insert_questions(10, start=5000, status="flagged")
    for n in range(5000, 5010):
        insert_history(f"q-{n}", event_type="flagged", reason=f"flag {n}", source_name="verifier-bot")
    flagged = "q-5000"
    for name, url in {
        "questions list": list_url(),
        "review queue": review_url(),
        "change page": change_url(flagged),
        "history page": history_url(flagged),
    }.items():
        moderator_client.get(url)  # warm the short-lived caches, as any earlier page view would
        trips_before = getattr(connection, "round_trips", 0)
        with CaptureQueriesContext(connection) as queries:
            assert moderator_client.get(url).status_code == 200, name
        assert len(queries) <= CONTENT_BUDGET, (name, [q["sql"][:120] for q in queries])
        if on_real_server:
            assert connection.round_trips - trips_before <= CONTENT_BUDGET, name


@pytest.mark.parametrize(
    "params",
    [{}, {"relevance_min": "5", "created_after": "2026-01-02"}, {"updated_before": "2026-01-13", "relevance_max": "95"}],
)
def test_the_range_form_is_its_filterset_s_form_with_what_was_typed(editor_client, params) -> None:
    from interview.filters import QuestionRangeFilterSet

    insert_question("q-1")
    html = editor_client.get(list_url(), params).content.decode()
    form = QuestionRangeFilterSet(data=params or None, queryset=Question.objects.none()).form
    for field in form:
        assert f"<label>{field.label}</label>\n        {field}\n" in html
    for name, value in params.items():
        assert f'name="{name}" value="{value}"' in html
