"""The question list's filters at the size of the real content: a channel picker, counts from one grouped query."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core.databases import CONTENT_DB
from tests.support.question_admin import insert_question, list_url

pytestmark = pytest.mark.django_db


def sidebar(html: str) -> str:
    match = re.search(r'<nav id="changelist-filter".*?</nav>', html, re.DOTALL)
    assert match, "the list has no filter sidebar"
    return match.group(0)


def suggestions(html: str, list_id: str) -> list[tuple[str, str]]:
    """(value, label) of a datalist's options."""
    match = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html, re.DOTALL)
    assert match, f"no datalist {list_id}"
    return re.findall(r'<option value="([^"]*)"[^>]*?(?: label="([^"]*)")?>', match.group(1))


def many_channels(channels: int = 60) -> None:
    for n in range(channels):
        insert_question(f"q-{n}-a", channel=f"ch{n:02}", sub_channel=f"sub{n:02}", difficulty="beginner")
        insert_question(f"q-{n}-b", channel=f"ch{n:02}", sub_channel=f"sub{n:02}x", difficulty="advanced")
    insert_question("q-flagged", channel="ch00", sub_channel="sub00", status="flagged")
    insert_question("q-deleted", channel="ch00", sub_channel="sub00", status="deleted")


def test_channels_are_typed_or_picked_not_a_link_each(editor_client) -> None:
    many_channels()

    html = sidebar(editor_client.get(list_url()).content.decode())

    assert re.findall(r'href="\?[^"]*\bchannel=', html) == []
    assert re.findall(r'href="\?[^"]*\bsub_channel=', html) == []
    assert [value for value, _ in suggestions(html, "oi-channels")] == [f"ch{n:02}" for n in range(60)]
    assert '<input id="oi-channel-input" type="search" name="channel"' in html
    assert len(suggestions(html, "oi-sub-channels-all")) == 120


def test_the_picker_filters_by_channel_and_sub_channel_and_narrows_the_suggestions(editor_client) -> None:
    many_channels()

    response = editor_client.get(list_url(), {"channel": "ch07", "sub_channel": "sub07x"})
    html = sidebar(response.content.decode())

    assert [q.pk for q in response.context["cl"].result_list] == ["q-7-b"]
    assert [value for value, _ in suggestions(html, "oi-sub-channels")] == ["sub07", "sub07x"]
    assert 'value="ch07" list="oi-channels"' in html and 'value="sub07x" list="oi-sub-channels"' in html
    assert '<a class="oi-picker-clear" href="?">Clear</a>' in html


def test_show_counts_costs_one_grouped_query_however_many_channels(editor_client) -> None:
    many_channels()
    editor_client.get(list_url())  # the channel list is cached from here on, as in use

    with CaptureQueriesContext(connections[CONTENT_DB]) as content:
        response = editor_client.get(list_url(), {"_facets": "True"})
    html = sidebar(response.content.decode())

    # The count, the page, the status counts (over every status) and the
    # other filters' counts (over the questions not deleted), whatever the
    # number of channels and choices.
    assert len(content) <= 4, [q["sql"][:70] for q in content]
    assert ("ch00", "ch00 (3)") in suggestions(html, "oi-channels")
    assert ("ch01", "ch01 (2)") in suggestions(html, "oi-channels")
    assert ("sub00", "sub00 (2)") in suggestions(html, "oi-sub-channels")
    assert ">Active (120)</a>" in html and ">Flagged (1)</a>" in html and ">Deleted (1)</a>" in html
    assert ">All, deleted included (122)</a>" in html
    assert ">Beginner (60)</a>" in html and ">Advanced (60)</a>" in html and ">Intermediate (1)</a>" in html


def test_counts_are_narrowed_by_the_other_filters_not_by_their_own(editor_client) -> None:
    many_channels()

    html = sidebar(editor_client.get(list_url(), {"_facets": "True", "channel": "ch00", "difficulty__exact": "beginner"}).content.decode())

    # Difficulty counts within ch00 (its own choice ignored); channel counts within beginner.
    assert ">Beginner (1)</a>" in html and ">Advanced (1)</a>" in html and ">Intermediate (1)</a>" in html
    assert ("ch05", "ch05 (1)") in suggestions(html, "oi-channels")
    assert ">Active (1)</a>" in html and ">Deleted (0)</a>" in html
