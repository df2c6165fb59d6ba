"""The questions list's rows: Django's own HTML, each column resolved once per page."""

from __future__ import annotations

import pytest
from django.contrib.admin.templatetags import admin_list
from django.utils.text import Truncator

from interview.list_rows import truncate_chars
from search import index
from tests.support.question_admin import insert_question, list_url

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _django_rows(cl) -> list[str]:
    return ["".join(cells) for cells in admin_list.results(cl)]


@pytest.fixture
def odd_rows() -> None:
    insert_question("q-1", question=XSS + " kubernetes", relevance_score=None, difficulty="legendary")
    insert_question("q-2", question="Ünïcode çafé " * 12 + "kubernetes", sub_channel=XSS, last_updated=None)
    insert_question("q-3", question="kubernetes " + "x" * 79, relevance_score=7, status="flagged")
    insert_question("q-4/a?b#c", question="Kubernetes " + "y" * 200, channel="<b>devops</b>")
    index.rebuild()


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "kubernetes"}, {"o": "-3"}, {"q": "kubernetes", "status": "flagged"}, {"channel": "frontend"}],
)
def test_the_list_rows_are_django_s_own_html_with_each_column_resolved_once(
    odd_rows, editor_client, monkeypatch, params
) -> None:
    calls = []
    resolve_cell = admin_list.lookup_field
    monkeypatch.setattr(admin_list, "lookup_field", lambda *a, **k: calls.append(a[0]) or resolve_cell(*a, **k))
    response = editor_client.get(list_url(), params)
    assert response.status_code == 200
    # Django resolves every cell again (lookup_field per column and row); the page does not.
    assert calls == []
    cl = response.context["cl"]
    assert cl.result_list
    html = response.content.decode()
    expected = _django_rows(cl)
    for row in expected:
        assert f"<tr>{row}</tr>" in html
    assert html.count("<tr>") == len(expected) + 1  # the rows and the header
    assert XSS not in html


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        "x" * 89,
        "x" * 90,
        "x" * 91,
        "y" * 300,
        "a" * 89 + "é" + "b" * 20,
        "a" * 91 + "é",
        "e\u0301" * 100,
        "a" * 89 + "e\u0301" + "b" * 5,
        "a" * 90 + "\u0301" + "b",
        "日本語" * 40,
    ],
)
def test_truncating_the_question_column_is_django_s_truncator(text) -> None:
    for length in (90, 1, 2):
        assert truncate_chars(text, length) == Truncator(text).chars(length)


def test_the_channel_picker_s_options_are_built_once_per_set_of_channels(editor_client) -> None:
    from interview import filters, selectors

    filters._picker_options_without_counts.cache_clear()
    insert_question("q-1", channel="frontend", sub_channel="react")
    first = editor_client.get(list_url()).content.decode()
    second = editor_client.get(list_url()).content.decode()
    assert 'value="react" data-channel="frontend"' in first
    assert 'value="react" data-channel="frontend"' in second
    assert filters._picker_options_without_counts.cache_info().hits == 1

    # A channel that appears is offered as soon as the channel list is read again.
    insert_question("q-2", channel="<b>ops</b>", sub_channel="k8s")
    selectors.channel_pairs(refresh=True)
    third = editor_client.get(list_url()).content.decode()
    assert 'value="k8s" data-channel="&lt;b&gt;ops&lt;/b&gt;"' in third
    assert "<b>ops</b>" not in third



@pytest.mark.parametrize(
    "params",
    [{}, {"_facets": "1"}, {"status": "flagged", "difficulty": "advanced", "q": 'a "b" <c>'}, {"is_new": "1", "_facets": "1"}],
)
def test_the_filters_are_django_s_own_html(odd_rows, moderator_client, monkeypatch, params) -> None:
    from interview import list_filters
    from interview.filters import StatusFilter

    monkeypatch.setattr(StatusFilter, "title", 'status <b>"quoted"</b>')
    response = moderator_client.get(list_url(), params)
    assert response.status_code == 200
    cl = response.context["cl"]
    html = response.content.decode()
    written_here = 0
    for spec in cl.filter_specs:
        expected = admin_list.admin_list_filter(cl, spec)
        assert list_filters.filter_html(cl, spec) == expected
        assert expected in html
        written_here += spec.template == list_filters.DEFAULT_TEMPLATE
    assert written_here >= 8
    assert "<b>\"quoted\"</b>" not in html
