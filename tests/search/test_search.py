"""Full-text search of questions: syntax, ranking, folding, ids, filters, hints, freshness, budget."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.databases import ADMIN_DB, CONTENT_DB
from core.databases import content_connection as connection
from interview import services
from interview.models import Question
from search import freshness, index, selectors
from search.query import parse_query
from tests.support.question_admin import client_for, insert_question, list_url

pytestmark = pytest.mark.django_db


def listed_ids(response) -> list[str]:
    assert response.status_code == 200
    return [obj.pk for obj in response.context["cl"].result_list]


def search(client, term: str, **params: str) -> list[str]:
    return listed_ids(client.get(list_url(), {"q": term, **params}))


def found(term: str) -> list[str]:
    return selectors.ranked_matches(text=term).ids


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def corpus() -> None:
    """A small fixed corpus, indexed."""
    insert_question("q-1", question="How does Kubernetes schedule pods?", answer="The scheduler picks a node.", tags='["kubernetes","k8s"]')
    insert_question("q-2", question="What is a Docker image?", answer="Layers. Kubernetes runs containers from images.", tags='["docker"]')
    insert_question("q-3", question="Explain closures", answer="Functions and scope.", explanation="Unlike Kubernetes, closures capture variables.", tags='["javascript"]')
    insert_question("q-4", question="Un CAFÉ, s'il vous plaît", answer="Eine Übung für Anfänger.", explanation="初心者のための説明です。", tags='["french"]', companies='["Netflix"]')
    insert_question("q-5", question="What is a monad?", answer="A burrito.", tags='["haskell"]', status="deleted")
    index.rebuild()


# -- query syntax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "match", "fallback"),
    [
        ("kubernetes pods", '"kubernetes" AND "pods"', False),
        ('"schedule pods" kubernetes', '"schedule pods" AND "kubernetes"', False),
        ("kubernetes -docker", '("kubernetes") NOT ("docker")', False),
        ('kubernetes -"docker image"', '("kubernetes") NOT ("docker image")', False),
        ("kube*", '"kube" *', False),
        ("q-100", 'ident : "q100" *', False),
        ('AND OR NOT NEAR(a', '"AND" AND "OR" AND "NOT" AND "NEAR(a"', False),
        ('"unbalanced quote', '"unbalanced" AND "quote"', True),
        ("- * -- ** :", "", False),
        ("-docker", '"docker"', True),
        ('say "hi"" there', '"say" AND "hi" AND "there"', True),
    ],
)
def test_the_query_syntax_becomes_an_fts_query(typed, match, fallback) -> None:
    parsed = parse_query(typed)
    assert parsed.match == match
    assert parsed.plain_fallback is fallback


@pytest.mark.sqld
@pytest.mark.parametrize(
    "typed",
    ['"', '"""', "-", "*", "AND", "OR kubernetes", "NOT", "NEAR(kubernetes pods)", "kubernetes AND", "(", ")", "^pods",
     "question:pods", "{question}: pods", "kubernetes -", '"kubernetes', "'", "\\", "%", "pods*", "**", "-*", "q-", "-q-1"],
)
def test_malformed_queries_never_error(corpus, editor_client, typed) -> None:
    response = editor_client.get(list_url(), {"q": typed})
    assert response.status_code == 200


def test_operators_typed_as_words_search_for_those_words(corpus) -> None:
    assert found("OR kubernetes") == []  # "or" is in no question
    assert found("NEAR(kubernetes pods)") == []
    assert found("kubernetes AND") == ["q-3"]  # the one with "and" in its text
    assert found('"kubernetes') == ["q-1", "q-2", "q-3"]  # unbalanced: the plain word


@pytest.mark.sqld
def test_words_phrases_exclusions_and_prefixes(corpus) -> None:
    assert found("kubernetes pods") == ["q-1"]
    assert found('"schedule pods"') == ["q-1"]
    assert found('"pods schedule"') == []
    assert found("kubernetes -docker") == ["q-1", "q-3"]
    assert found('kubernetes -"docker image"') == ["q-1", "q-3"]
    assert found("kube*") == ["q-1", "q-2", "q-3"]
    assert found("kube") == []


# -- ranking, folding, ids ------------------------------------------------------------------


@pytest.mark.sqld
def test_ranking_puts_the_question_text_first_then_tags_answer_explanation(corpus) -> None:
    # q-1 has it in the question and tags, q-2 in the answer, q-3 in the explanation.
    assert found("kubernetes") == ["q-1", "q-2", "q-3"]


@pytest.mark.sqld
@pytest.mark.parametrize("term", ["CAFÉ", "café", "cafe", "CAFE", "Übung", "ubung", "UBUNG", "初心", "初心者", "説明", "netflix"])
def test_case_and_diacritics_fold_and_cjk_substrings_match(corpus, term) -> None:
    assert found(term) == ["q-4"]


@pytest.mark.sqld
def test_an_id_finds_the_ids_it_starts_exact_first(editor_client) -> None:
    for qid in ("q-1000", "q-100", "q-1001", "q-10", "q-2100", "q-100-c1"):
        insert_question(qid)
    index.rebuild()
    assert found("q-100") == ["q-100", "q-1000", "q-1001", "q-100-c1"]
    assert found("Q-100-C") == ["q-100-c1"]
    assert search(editor_client, "q-100") == ["q-100", "q-1000", "q-1001", "q-100-c1"]


# -- the list: filters, order, snippets, hints ---------------------------------------------------


@pytest.mark.sqld
def test_search_works_with_the_list_filters_and_keeps_relevance_order(corpus, editor_client) -> None:
    insert_question("q-6", question="Kubernetes on the frontend?", channel="devops", sub_channel="k8s")
    index.reindex_questions(["q-6"])
    assert search(editor_client, "kubernetes") == ["q-1", "q-6", "q-2", "q-3"]
    assert search(editor_client, "kubernetes", channel="devops") == ["q-6"]
    assert search(editor_client, "kubernetes", channel="frontend") == ["q-1", "q-2", "q-3"]
    assert search(editor_client, "monad") == []  # deleted: not in the default list
    assert search(editor_client, "monad", status="deleted") == ["q-5"]
    # A sort column chosen by the user wins over relevance.
    by_id_descending = search(editor_client, "kubernetes", o="-0")  # the editor's first column: id
    assert by_id_descending == ["q-6", "q-3", "q-2", "q-1"]


@pytest.mark.sqld
def test_each_row_shows_a_highlighted_escaped_snippet(editor_client) -> None:
    insert_question("q-1", question="Why <b>bold</b> kubernetes?", answer="<script>alert(1)</script> because")
    index.rebuild()
    response = editor_client.get(list_url(), {"q": "kubernetes"})
    html = response.content.decode()
    assert "Why &lt;b&gt;bold&lt;/b&gt; <mark>kubernetes</mark>?" in html
    assert "<script>alert(1)</script>" not in html
    assert "Where it matched" in html


@pytest.mark.sqld
def test_a_search_finding_only_deleted_questions_says_so_with_a_link(corpus, editor_client) -> None:
    response = editor_client.get(list_url(), {"q": "monad", "channel": "frontend"})
    assert listed_ids(response) == []
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        'Only deleted questions match this search (1): <a href="?channel=frontend&amp;q=monad&amp;status=deleted">show the deleted questions</a>.'
    ]
    assert listed_ids(editor_client.get(list_url() + "?channel=frontend&q=monad&status=deleted")) == ["q-5"]
    nothing = editor_client.get(list_url(), {"q": "kubernetes -kubernetes"})
    assert [str(m) for m in nothing.context["messages"]] == []


@pytest.mark.sqld
def test_a_search_page_costs_at_most_the_list_pages_content_queries(corpus, editor_client) -> None:
    editor_client.get(list_url())
    with CaptureQueriesContext(connection) as plain:
        editor_client.get(list_url())
    editor_client.get(list_url(), {"q": "kubernetes"})  # the sync, at most once a period
    with CaptureQueriesContext(connection) as searched, CaptureQueriesContext(connections[ADMIN_DB]) as admin:
        assert search(editor_client, "kubernetes") == ["q-1", "q-2", "q-3"]
    with CaptureQueriesContext(connection) as searched_filtered:
        assert search(editor_client, "kubernetes", channel="frontend") == ["q-1", "q-2", "q-3"]
    assert len(plain) == 2
    # Without a filter the index's statuses say which matches the list shows: only the page's rows are read.
    assert len(searched) == 1
    assert len(searched_filtered) == 2
    fts = [q["sql"] for q in admin.captured_queries if "search_question_fts" in q["sql"]]
    assert len(fts) == 2  # the ranked ids, the page's snippets


@pytest.mark.sqld
def test_without_a_filter_rows_another_program_deleted_are_not_shown_before_the_sync(corpus, editor_client) -> None:
    assert search(editor_client, "kubernetes") == ["q-1", "q-2", "q-3"]  # the sync, at most once a period
    raw("UPDATE questions SET status = 'deleted' WHERE id = 'q-2'")
    raw("UPDATE questions SET status = 'active' WHERE id = 'q-5'")
    response = editor_client.get(list_url(), {"q": "kubernetes"})
    # The rows shown are read from the content as they are now; the count is the index's until it syncs.
    assert listed_ids(response) == ["q-1", "q-3"]
    assert response.context["cl"].result_count == 3
    assert search(editor_client, "monad") == []
    _next_search_syncs()
    response = editor_client.get(list_url(), {"q": "kubernetes"})
    assert listed_ids(response) == ["q-1", "q-3"]
    assert response.context["cl"].result_count == 2
    assert search(editor_client, "monad") == ["q-5"]


@pytest.mark.sqld
def test_a_search_matching_more_than_the_limit_ranks_the_most_recently_added(editor_client, monkeypatch) -> None:
    # The first question added matches best (the word in its question text);
    # the later ones have it in their explanation only.
    insert_question("q-1", question="Kubernetes pods", answer="Pods.")
    for n in range(2, 6):
        insert_question(f"q-{n}", question=f"Question {n}", explanation="kubernetes " * n + "and more words " * (6 - n))
    index.rebuild()
    every_match_ranked = found("kubernetes")
    assert every_match_ranked[0] == "q-1" and len(every_match_ranked) == 5
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 3)
    matches = selectors.ranked_matches(text="kubernetes")
    assert matches.truncated
    # The three added last, in the order ranking them all gave them.
    assert matches.ids == [qid for qid in every_match_ranked if qid in {"q-3", "q-4", "q-5"}]
    response = editor_client.get(list_url(), {"q": "kubernetes"})
    assert listed_ids(response) == matches.ids
    assert [str(m) for m in response.context["messages"]] == [
        "More than 3 questions match; the 3 most recently added are listed, most relevant first, and filters "
        "apply within them. Add a word to narrow the search."
    ]
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 5)
    assert not selectors.ranked_matches(text="kubernetes").truncated
    assert found("kubernetes") == every_match_ranked


# -- freshness ----------------------------------------------------------------------------------


def _next_search_syncs() -> None:
    """As if the sync period had passed in this process."""
    cache.delete(freshness.CHECKED_CACHE_KEY)


@pytest.mark.sqld
def test_raw_inserts_updates_and_deletes_by_others_become_searchable(corpus, editor_client) -> None:
    assert search(editor_client, "kubernetes") == ["q-1", "q-2", "q-3"]
    insert_question("q-7", question="Kubernetes operators explained")
    raw("UPDATE questions SET question = 'Helm charts', tags = '[]', last_updated = '2026-02-01T00:00:00.000Z' WHERE id = 'q-1'")
    # Without touching last_updated, as some bots write.
    raw("UPDATE questions SET answer = 'Layers only.' WHERE id = 'q-2'")
    raw("DELETE FROM questions WHERE id = 'q-3'")
    # Within the period the index is as it was; the list reads rows from the
    # content, so a deleted row is gone already and nothing new is found yet.
    assert search(editor_client, "kubernetes") == ["q-1", "q-2"]
    _next_search_syncs()
    assert search(editor_client, "kubernetes") == ["q-7"]
    assert search(editor_client, "helm") == ["q-1"]


@pytest.mark.sqld
def test_the_background_step_syncs_once_per_period_across_processes(corpus) -> None:
    insert_question("q-8", question="Istio service mesh")
    first = freshness.sync_if_due()
    assert first is not None and first.reindexed == 1
    assert found("istio") == ["q-8"]
    insert_question("q-9", question="Istio again")
    assert freshness.sync_if_due() is None  # another process (or this one) just did it
    assert found("istio") == ["q-8"]
    assert index.sync().reindexed == 1
    assert found("istio") == ["q-8", "q-9"] or found("istio") == ["q-9", "q-8"]


@pytest.mark.sqld
def test_writes_through_the_services_are_searchable_at_once(corpus, editor, django_capture_on_commit_callbacks) -> None:
    question = Question.objects.get(pk="q-3")
    question.question = "Explain closures and generators"
    with django_capture_on_commit_callbacks(using=CONTENT_DB, execute=True):
        services.save_question_changes(question=question, source_name="ed", actor=editor)
    assert found("generators") == ["q-3"]
    new = Question(question="Rust borrow checker", answer="Ownership.", explanation="", difficulty="advanced", channel="rust", sub_channel="memory")
    with django_capture_on_commit_callbacks(using=CONTENT_DB, execute=True):
        services.create_question(question=new, source_name="ed")
    assert found("borrow") == [new.pk]
    with django_capture_on_commit_callbacks(using=CONTENT_DB, execute=True):
        services.hard_delete_question(question=Question.objects.get(pk=new.pk), source_name="root")
    assert found("borrow") == []


@pytest.mark.sqld
def test_an_import_is_searchable_at_once(corpus, django_capture_on_commit_callbacks) -> None:
    from importing.readers import SourceRecord
    from importing.services import import_records

    record = {"id": "q-70", "question": "Terraform state locking", "answer": "DynamoDB.", "explanation": "x",
              "difficulty": "advanced", "channel": "devops", "subChannel": "iac"}
    with django_capture_on_commit_callbacks(using=CONTENT_DB, execute=True):
        report = import_records(model="question", records=[SourceRecord(file="f", number=1, data=record)], user_label="imp", dry_run=False)
    assert report.committed, report.error
    assert found("terraform") == ["q-70"]


# -- the index lives in the admin database only --------------------------------------------------


def _content_schema() -> list[tuple]:
    with connections[CONTENT_DB].cursor() as cursor:
        cursor.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        return cursor.fetchall()


@pytest.mark.sqld
def test_building_and_syncing_the_index_creates_nothing_in_the_content_database(corpus) -> None:
    before = _content_schema()
    out = StringIO()
    call_command("search_index", "--rebuild", stdout=out, stderr=StringIO())
    insert_question("q-9", question="Vault secrets")
    index.sync()
    assert _content_schema() == before
    assert not [row for row in before if "search" in row[1]]
    with connections[ADMIN_DB].cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'search_question_fts'")
        assert cursor.fetchone() == ("search_question_fts",)


# -- command -----------------------------------------------------------------------------------


@pytest.mark.sqld
def test_search_index_command_rebuilds_with_progress_and_reports_freshness(corpus) -> None:
    out, err = StringIO(), StringIO()
    call_command("search_index", "--rebuild", stdout=out, stderr=err)
    assert "Indexed 5 questions" in out.getvalue()
    assert re.search(r"5/5 questions \(100%\)", err.getvalue())
    raw("UPDATE questions SET question = 'Changed text, longer than before' WHERE id = 'q-2'")
    status = StringIO()
    call_command("search_index", "--status", stdout=status)
    text = status.getvalue()
    assert "5 questions indexed, 5 in the content database" in text
    assert "1 question(s) out of date" in text


@pytest.mark.sqld
def test_a_rebuild_reads_in_pages_with_progress_and_leaves_fts5_s_default_settings(corpus, monkeypatch) -> None:
    monkeypatch.setattr(index, "READ_CHUNK", 2)
    out, err = StringIO(), StringIO()
    call_command("search_index", "--rebuild", stdout=out, stderr=err)
    assert re.findall(r"(\d)/5 questions \((\d+)%\)", err.getvalue()) == [("0", "0"), ("2", "40"), ("4", "80"), ("5", "100")]
    assert "Indexed 5 questions" in out.getvalue()
    # Built with a large buffer and no merging until the end; afterwards FTS5's defaults again.
    with connections[ADMIN_DB].cursor() as cursor:
        cursor.execute(f"SELECT k, v FROM {index.FTS_TABLE}_config WHERE k IN ('automerge', 'hashsize')")
        assert dict(cursor.fetchall()) == {"automerge": 4, "hashsize": 1024 * 1024}
    assert found("kubernetes") == ["q-1", "q-2", "q-3"]
    assert found("初心") == ["q-4"]


# -- possible duplicates ---------------------------------------------------------------------------


@pytest.mark.sqld
def test_similar_questions_rank_by_shared_significant_words(corpus, editor_client) -> None:
    insert_question("q-10", question="How does the Kubernetes scheduler place pods on nodes?", channel="devops", status="flagged")
    index.reindex_questions(["q-10"])
    url = reverse("admin:interview_question_similar")
    data = editor_client.get(url, {"text": "How are pods scheduled by Kubernetes?", "exclude": "q-1"}).json()
    ids = [item["id"] for item in data["questions"]]
    assert ids[0] == "q-10" and "q-1" not in ids
    assert data["questions"][0] == {
        "id": "q-10",
        "question": "How does the Kubernetes scheduler place pods on nodes?",
        "channel": "devops",
        "status": "flagged",
        "url": reverse("admin:interview_question_change", args=["q-10"]),
    }
    assert editor_client.get(url, {"text": "the what is"}).json() == {"may_relate": False, "questions": []}


def _every_word_over_every_question(text: str) -> list[str]:
    """The suggestions as bm25 ranks them scoring every word on every question (the unbounded query)."""
    words = selectors.similar_words(text)
    match = "question : (" + " OR ".join(f'"{word}"' for word in words) + ")"
    fts = index.FTS_TABLE
    with connections[ADMIN_DB].cursor() as cursor:
        cursor.execute(
            f"SELECT qid FROM {fts} WHERE {fts} MATCH %s ORDER BY {selectors.BM25}, length(qid), qid LIMIT 5", [match]
        )
        return [qid for (qid,) in cursor.fetchall()]


@pytest.mark.sqld
def test_duplicate_suggestions_score_the_questions_holding_the_rarest_words(corpus, monkeypatch) -> None:
    for n in range(10, 18):
        insert_question(f"q-{n}", question=f"Kubernetes question number {n} about deployments")
    insert_question("q-30", question="How does etcd keep quorum in a Kubernetes cluster?")
    insert_question("q-31", question="Why does etcd need an odd number of members?")
    insert_question("q-32", question="What is quorum in distributed consensus?")
    index.rebuild()
    text = "How does Kubernetes etcd keep quorum?"
    reference = _every_word_over_every_question(text)
    assert reference[0] == "q-30"
    monkeypatch.setattr(selectors, "SIMILAR_SCORED_ROWS", 4, raising=False)  # "kubernetes" is in 10 questions
    with CaptureQueriesContext(connections[ADMIN_DB]) as admin:
        suggested = [item.question_id for item in selectors.similar_questions(text=text)]
    # The rare words' questions in the same order as scoring everything, and five in all.
    assert suggested[:3] == reference[:3]
    assert len(suggested) == 5
    scoring = [q["sql"] for q in admin.captured_queries if "bm25" in q["sql"]]
    assert len(scoring) == 1
    # Every question holding one of the rarest words is scored; of those holding
    # only the common ones, just the most recent (the bound).
    assert """+rowid IN (SELECT rowid FROM search_question_fts WHERE search_question_fts MATCH 'question : ("keep" OR "quorum")')""" in scoring[0]
    assert "ORDER BY rowid DESC LIMIT 4" in scoring[0]


@pytest.mark.sqld
def test_duplicate_suggestions_of_common_words_only_need_all_of_the_rarest(corpus, monkeypatch) -> None:
    for n in range(10, 16):
        insert_question(f"q-{n}", question=f"Kubernetes pods number {n}" if n % 2 else f"Kubernetes nodes {n}")
    index.rebuild()
    monkeypatch.setattr(selectors, "SIMILAR_SCORED_ROWS", 2, raising=False)
    suggested = [item.question_id for item in selectors.similar_questions(text="Kubernetes pods")]
    # Both words are in more questions than the bound: of those holding both, the two most recent.
    assert suggested == ["q-13", "q-15"]


def test_similar_questions_need_a_signed_in_user_with_view_permission(corpus, client) -> None:
    url = reverse("admin:interview_question_similar")
    assert client.get(url, {"text": "kubernetes"}).status_code == 302
    nobody = User.objects.create_user("nobody", is_staff=True)
    assert client_for(nobody).get(url, {"text": "kubernetes"}).status_code == 403


def test_the_question_form_has_the_suggestions_box_and_script(corpus, editor_client) -> None:
    for url in (reverse("admin:interview_question_add"), reverse("admin:interview_question_change", args=["q-1"])):
        html = editor_client.get(url).content.decode()
        assert 'class="similar-questions" data-similar-url="/admin/interview/question/similar/"' in html
        assert "search/similar_questions.js" in html
    assert 'data-exclude-id="q-1"' in html
    assert 'data-relate-url="/admin/interview/question/q-1/relate/"' in html


def test_a_moderator_records_how_a_suggestion_relates_with_a_history_row(corpus, moderator_client) -> None:
    from interview.models import QuestionHistory, QuestionRelationship

    similar = moderator_client.get(reverse("admin:interview_question_similar"), {"text": "kubernetes pods"}).json()
    assert similar["may_relate"] is True
    url = reverse("admin:interview_question_relate", args=["q-1"])
    answer = moderator_client.post(url, {"target": "q-2", "relationship_type": "related"})
    assert answer.status_code == 200
    assert answer.json() == {"message": "Recorded: q-2 as related of q-1.", "created": True}
    relationship = QuestionRelationship.objects.get()
    assert (relationship.source_question_id, relationship.target_question_id, relationship.relationship_type) == (
        "q-1", "q-2", "related",
    )
    entry = QuestionHistory.objects.filter(question_id="q-1").latest("id")
    assert entry.changes_summary == "Recorded q-2 as related (related)"
    assert entry.metadata["relationship"] == {"id": relationship.pk, "target": "q-2", "type": "related"}
    # The same relationship again writes nothing.
    again = moderator_client.post(url, {"target": "q-2", "relationship_type": "related"})
    assert again.json() == {"message": "Already recorded: q-2 as related of q-1.", "created": False}
    assert QuestionRelationship.objects.count() == 1
    assert QuestionHistory.objects.filter(question_id="q-1").count() == 1
    timeline = moderator_client.get(reverse("admin:interview_question_history", args=["q-1"]))
    assert timeline.status_code == 200
    detail = moderator_client.get(reverse("admin:interview_question_history_entry", args=["q-1", entry.pk]))
    assert detail.status_code == 200 and "Recorded q-2 as related (related)" in detail.content.decode()


@pytest.mark.parametrize(
    ("target", "kind", "sentence"),
    [
        ("q-404", "related", "There is no question 'q-404'. Nothing was changed."),
        ("q-1", "related", "A question cannot be related to itself. Nothing was changed."),
        ("q-2", "duplicate", "'duplicate' is not a relationship type; use one of prerequisite, follow_up, related, deeper_dive. Nothing was changed."),
    ],
)
def test_a_relationship_that_cannot_be_recorded_is_refused_in_words(corpus, moderator_client, target, kind, sentence) -> None:
    from interview.models import QuestionRelationship

    answer = moderator_client.post(
        reverse("admin:interview_question_relate", args=["q-1"]), {"target": target, "relationship_type": kind}
    )
    assert answer.status_code == 400 and answer.json() == {"error": sentence}
    assert not QuestionRelationship.objects.exists()


def test_only_moderators_record_relationships(corpus, editor_client, editor) -> None:
    from interview.models import QuestionRelationship

    url = reverse("admin:interview_question_relate", args=["q-1"])
    assert editor_client.post(url, {"target": "q-2", "relationship_type": "related"}).status_code == 403
    assert editor_client.get(reverse("admin:interview_question_similar"), {"text": "kubernetes"}).json()["may_relate"] is False
    with pytest.raises(services.ModerationError, match="Only moderators may record how questions relate"):
        services.record_relationship(
            source=Question.objects.get(pk="q-1"), target_id="q-2", relationship_type="related",
            source_name="edna", actor=editor,
        )
    assert not QuestionRelationship.objects.exists()


@pytest.mark.sqld
def test_search_results_come_in_pages_of_their_own_size_best_first(editor_client, monkeypatch) -> None:
    from interview.admin.questions import QuestionAdmin

    # q-1 holds the word most often in its question, q-5 least.
    for n in range(1, 6):
        insert_question(f"q-{n}", question="kubernetes " * (6 - n) + "pods " * n)
    index.rebuild()
    best_first = found("kubernetes")
    assert best_first == ["q-1", "q-2", "q-3", "q-4", "q-5"]
    monkeypatch.setattr(QuestionAdmin, "search_per_page", 2)
    pages = [editor_client.get(list_url(), {"q": "kubernetes", "p": str(page)}) for page in (1, 2, 3)]
    assert [listed_ids(page) for page in pages] == [["q-1", "q-2"], ["q-3", "q-4"], ["q-5"]]
    assert {page.context["cl"].result_count for page in pages} == {5}
    assert pages[0].context["cl"].paginator.num_pages == 3
    # Past the last page: the admin's answer to a bad page number.
    beyond = editor_client.get(list_url(), {"q": "kubernetes", "p": "4"})
    assert beyond.status_code == 302 and "e=1" in beyond["Location"]
    # Sorted by a column, a search keeps its page size; the list without a search keeps the list's.
    assert search(editor_client, "kubernetes", o="-0") == ["q-5", "q-4"]
    assert search(editor_client, "kubernetes", o="-0", p="3") == ["q-1"]
    assert len(listed_ids(editor_client.get(list_url()))) == 5


@pytest.mark.sqld
@pytest.mark.parametrize("params", [{"channel": "frontend"}, {"difficulty": "intermediate"}, {"channel": "frontend", "o": "-6"}])
def test_a_filtered_search_looks_its_matches_up_by_id_not_through_a_filter_s_index(corpus, editor_client, params) -> None:
    # With the content's indexes on channel and difficulty, "these ids and
    # this channel" was read through the channel's index: the whole channel
    # for a handful of ids (200 ms at 300,000 questions).
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'questions' AND sql IS NOT NULL")
        indexes = [name for (name,) in cursor.fetchall()]
    assert any("channel" in name for name in indexes) and any("difficulty" in name for name in indexes)
    editor_client.get(list_url(), {"q": "kubernetes"})  # the sync, at most once a period
    with CaptureQueriesContext(connection) as searched:
        assert search(editor_client, "kubernetes", **params)
    assert len(searched) == 2
    for query in searched.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = [row[-1] for row in cursor.fetchall()]
        assert not [step for step in plan if any(name in step for name in indexes)], (query["sql"], plan)
