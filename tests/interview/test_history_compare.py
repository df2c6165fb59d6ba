"""History: the comparison of each field kind (escaped), the timeline pages, and revert."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from bots.models import LedgerEntry
from interview import compare, services
from interview.models import Question
from tests.support.question_admin import (
    change_url,
    entry_url,
    history_rows,
    history_url,
    insert_history,
    insert_question,
)
from tests.support.raw_sql import read_raw

XSS = "<script>alert(1)</script>"


def one(before, after, name: str):
    [comparison] = [c for c in compare.compare_snapshots(before, after) if c.name == name]
    return comparison


# -- one comparison class per field kind ----------------------------------------------------


def test_text_gets_a_word_diff_with_content_escaped() -> None:
    comparison = one({"answer": "Closures capture <b>variables</b>"}, {"answer": f"Closures keep <b>variables</b> {XSS}"}, "answer")
    assert isinstance(comparison, compare.TextComparison)
    html = str(comparison.htmldiff())
    assert html == (
        "Closures <del>capture</del><ins>keep</ins> &lt;b&gt;variables&lt;/b&gt;"
        "<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>"
    )


def test_lists_are_compared_item_by_item() -> None:
    comparison = one({"tags": ["react", "js", "<i>x</i>"]}, {"tags": ["react", "typescript", "<i>x</i>", "web"]}, "tags")
    assert isinstance(comparison, compare.ListComparison)
    assert str(comparison.htmldiff()) == (
        '<ul class="diff-list"><li>react</li>'
        '<li class="removed"><del>js</del></li><li class="added"><ins>typescript</ins></li>'
        "<li>&lt;i&gt;x&lt;/i&gt;</li>"
        '<li class="added"><ins>web</ins></li></ul>'
    )


def test_objects_are_compared_key_by_key() -> None:
    comparison = one(
        {"job_title_relevance": {"frontend": 90, "backend": 40, "old": 1}},
        {"job_title_relevance": {"frontend": 95, "backend": 40, "<new>": 70}},
        "job_title_relevance",
    )
    assert isinstance(comparison, compare.ObjectComparison)
    assert [(key, state) for key, state, _ in comparison.key_changes()] == [
        ("frontend", "changed"), ("backend", "same"), ("<new>", "added"), ("old", "removed"),
    ]
    html = str(comparison.htmldiff())
    assert "<del>90</del> → <ins>95</ins>" in html
    assert "&lt;new&gt;" in html and "<new>" not in html


def test_choices_show_their_labels_and_unknown_values_as_such() -> None:
    comparison = one({"difficulty": "beginner"}, {"difficulty": "advanced"}, "difficulty")
    assert isinstance(comparison, compare.ChoiceComparison)
    assert "<del class=\"diff-value\">Beginner</del>" in str(comparison.htmldiff())
    assert "Advanced" in str(comparison.htmldiff())
    unknown = one({"status": "active"}, {"status": "needs-<review>"}, "status")
    assert "needs-&lt;review&gt; (not a known value)" in str(unknown.htmldiff())


def test_booleans_and_invalid_json_and_unknown_keys() -> None:
    comparisons = {c.name: c for c in compare.compare_snapshots(
        {"voice_suitable": 0, "tags": "react, javascript", "bot_score": 3},
        {"voice_suitable": 1, "tags": ["react"], "bot_score": 4},
    )}
    assert str(comparisons["voice_suitable"].htmldiff()).count("Yes") == 1
    assert isinstance(comparisons["tags"], compare.InvalidJSONComparison)
    assert "(stored text is not valid JSON)" in str(comparisons["tags"].htmldiff())
    assert list(comparisons) == ["tags", "voice_suitable", "bot_score"]  # model order, then the rest


def test_ledger_states_holding_json_text_compare_as_what_the_text_holds() -> None:
    # The bots' ledger stores `tags` as the column's JSON text inside its JSON.
    comparisons = compare.compare_snapshots(
        {"answer": "Short.", "tags": '["a","b"]'}, {"answer": "Short. (improved)", "tags": '["a","b","c"]'}
    )
    tags = next(c for c in comparisons if c.name == "tags")
    assert isinstance(tags, compare.ListComparison)
    assert '<li class="added"><ins>c</ins></li>' in str(tags.htmldiff())


@pytest.mark.django_db
def test_the_comparison_include_renders_a_ledger_entry_escaped() -> None:
    entry = LedgerEntry(bot_name="improve-bot", action="update", item_type="question", item_id="q-1",
                        before_state={"answer": XSS}, after_state={"answer": "clean"})
    html = render_to_string("admin/interview/_comparison.html", {"comparisons": compare.compare_snapshots(entry.before_state, entry.after_state)})
    assert "<script>" not in html
    assert "<del>&lt;script&gt;alert(1)&lt;/script&gt;</del><ins>clean</ins>" in html


# -- the timeline and entry pages --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.sqld
def test_the_timeline_shows_bots_people_and_imports_newest_first(editor_client) -> None:
    insert_question("q-1")
    insert_history("q-1", event_type="improved", source_name="improve-bot", created_at="2026-01-02 09:00:00")
    insert_history("q-1", event_type="imported", event_source="import", source_name="import:batch-7", created_at="2026-01-03T09:00:00.000Z")
    insert_history("q-1", event_type="updated", event_source="user", source_name="edna", created_at="2026-01-02T23:00:00.000Z",
                   before_snapshot=f'{{"answer":"{XSS}"}}', after_snapshot='{"answer":"fixed"}')
    insert_history("q-2", event_type="updated")  # another question's

    for url in (history_url("q-1"), change_url("q-1")):
        html = editor_client.get(url).content.decode()
        positions = [html.index(name) for name in ("import:batch-7", "by edna", "improve-bot")]
        assert positions == sorted(positions), url  # newest first across both stored time formats
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_an_entry_page_compares_field_by_field_and_offers_revert_to_editors(editor_client) -> None:
    insert_question("q-1")
    entry_id = insert_history("q-1", before_snapshot='{"answer":"old words here"}', after_snapshot='{"answer":"new words here"}')
    response = editor_client.get(entry_url("q-1", entry_id))
    html = response.content.decode()
    assert "<del>old</del><ins>new</ins> words here" in html
    assert "Revert to before this change" in html
    assert editor_client.get(entry_url("q-2", entry_id)).status_code == 404


# -- revert -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.sqld
def test_revert_restores_the_state_before_an_entry_and_is_a_history_row_itself(editor_client) -> None:
    insert_question("q-1", answer="Original.", tags="react, javascript, frontend")
    question = Question.objects.get(pk="q-1")
    question.answer = "Vandalised."
    question.tags = ["spam"]
    edit = services.save_question_changes(question=question, source_name="mallory").history

    response = editor_client.post(
        f"{entry_url('q-1', edit.pk)}revert/", {"reason": "undo vandalism"}
    )
    assert response.status_code == 302
    raw = read_raw("questions", "q-1", ["answer", "tags"])
    assert raw == {"answer": "Original.", "tags": "react, javascript, frontend"}  # invalid JSON bytes back as they were
    rows = history_rows("q-1")
    assert [r["event_type"] for r in rows] == ["updated", "reverted"]
    revert = rows[-1]
    assert revert["source_name"] == "edna" and revert["reason"] == "undo vandalism"
    assert revert["before_snapshot"] == '{"answer":"Vandalised.","tags":["spam"]}'
    assert revert["after_snapshot"] == '{"answer":"Original.","tags":"react, javascript, frontend"}'


@pytest.mark.django_db
def test_a_creation_cannot_be_reverted_and_nothing_changes(editor_client) -> None:
    insert_question("q-1")
    entry_id = insert_history("q-1", event_type="created", before_snapshot=None, after_snapshot='{"answer":"x"}')
    response = editor_client.post(f"{entry_url('q-1', entry_id)}revert/", follow=True)
    assert "records no earlier state to go back to" in response.content.decode()
    assert len(history_rows("q-1")) == 1


@pytest.mark.django_db
def test_revert_needs_the_change_permission(client) -> None:
    from django.contrib.auth.models import Permission, User

    viewer = User.objects.create_user("vic", password=None, is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__in=["view_question", "view_questionhistory"]))
    client.force_login(viewer)
    insert_question("q-1", answer="Now.")
    entry_id = insert_history("q-1", before_snapshot='{"answer":"Before."}', after_snapshot='{"answer":"Now."}')
    assert "Revert to before" not in client.get(entry_url("q-1", entry_id)).content.decode()
    assert client.post(f"{entry_url('q-1', entry_id)}revert/").status_code == 403
    assert read_raw("questions", "q-1", ["answer"])["answer"] == "Now."


# -- multi-line text: line breaks, hunks with context, folds ------------------------------------


def test_a_multi_line_text_keeps_its_lines_and_shows_only_the_changed_hunk_with_three_lines_around() -> None:
    before = "\n".join(f"line {n}" for n in range(1, 21))
    after = before.replace("line 10", f"line ten {XSS}")

    html = str(one({"explanation": before}, {"explanation": after}, "explanation").htmldiff())

    lines = re.findall(r'<div class="diff-line diff-line--(\w+)">(.*?)</div>', html)
    shown_outside_folds = re.sub(r"<details.*?</details>", "", html)
    visible = re.findall(r'<div class="diff-line diff-line--(\w+)">(.*?)</div>', shown_outside_folds)
    assert visible == [
        ("same", "line 7"), ("same", "line 8"), ("same", "line 9"),
        ("changed", "line <del>10</del><ins>ten &lt;script&gt;alert(1)&lt;/script&gt;</ins>"),
        ("same", "line 11"), ("same", "line 12"), ("same", "line 13"),
    ]
    assert '<summary>6 unchanged lines</summary>' in html and '<summary>7 unchanged lines</summary>' in html
    assert len(lines) == 20  # every line is there, the unchanged ones folded
    assert "<script>" not in html


def test_added_and_removed_lines_are_marked_as_such_and_close_changes_share_their_context() -> None:
    before = "graph TD\n  A-->B\n  B-->C\n  C-->D"
    after = "graph TD\n  A-->B\n  B-->X\n  X-->C\n  C-->D"

    html = str(one({"diagram": before}, {"diagram": after}, "diagram").htmldiff())

    assert "<details" not in html  # nothing far enough from the change to fold
    assert '<div class="diff-line diff-line--removed"><del>  B--&gt;C</del></div>' in html
    assert '<div class="diff-line diff-line--added"><ins>  B--&gt;X</ins></div>' in html
    assert '<div class="diff-line diff-line--added"><ins>  X--&gt;C</ins></div>' in html
    assert '<div class="diff-line diff-line--same">graph TD</div>' in html


def test_changed_fields_are_named_by_their_labels_on_the_timeline_and_the_history_list(editor_client) -> None:
    insert_question("q-1")
    insert_history("q-1", changed_fields='["sub_channel","eli5","tldr","source_url"]')

    timeline = editor_client.get(history_url("q-1")).content.decode()
    listing = editor_client.get(reverse("admin:interview_questionhistory_changelist")).content.decode()

    assert '<span class="timeline-fields">sub channel, ELI5, TL;DR, source URL</span>' in timeline
    assert "sub channel, ELI5, TL;DR, source URL" in listing
    assert "sub_channel" not in timeline and "sub_channel" not in listing
