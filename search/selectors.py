"""Reads of the search index: ranked matches, snippets, similar questions.

Every function here is one query on the admin database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape

from django.db import DatabaseError, connections
from django.utils.safestring import SafeString

from core.databases import ADMIN_DB
from search.index import CJK_CHARACTERS, ENTRY_TABLE, FTS_TABLE, MARK_END, MARK_START, spread_cjk
from search.query import ParsedQuery, parse_query, plain_words

# The question text weighs most, then the id, tags, the answer, companies
# and the explanation (bm25 weights, in FTS_COLUMNS order).
BM25 = f"bm25({FTS_TABLE}, 10.0, 4.0, 1.0, 6.0, 3.0, 20.0)"
# At most this many matches are ranked and handed to the list, which applies
# its filters within them; see `ranked_matches`. Each costs about 4 µs in
# the index (bm25) and 3 µs in the content database (the list's filters):
# 1,000 keep a search page's database time under 15 ms however common the
# word, and are twenty pages of results.
CANDIDATE_LIMIT = 1000
SNIPPET_TOKENS = 16
SIMILAR_LIMIT = 5
SIMILAR_MAX_WORDS = 12
SIMILAR_MAX_CHARACTERS = 2000
# At most about this many rows are scored for the duplicate suggestions; see
# `similarity_query`.
SIMILAR_SCORED_ROWS = 8000

# Words that say nothing about what a question is about.
STOPWORDS = frozenset(
    """
    a about above after again all also an and any are as at be because been before being between both but by
    can could describe did difference differences do does doing down during each example explain few for from
    give have has having how i if in into is it its just know like may me more most my no nor not of off on
    once only or other our out over own same should so some such tell than that the their them then there these
    they this those through to too under until up use used using very was way we were what when where which
    while who whom why will with work works would you your
    """.split()
)


@dataclass
class RankedMatches:
    query: ParsedQuery
    ids: list[str] = field(default_factory=list)  # best first
    rowids: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, str | None] = field(default_factory=dict)
    # More than the limit matched: only the most recently indexed `limit`
    # matches were ranked (see `ranked_matches`).
    truncated: bool = False


def _run(sql: str, params: list) -> list[tuple]:
    with connections[ADMIN_DB].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def ranked_matches(*, text: str, limit: int | None = None) -> RankedMatches:
    """The questions matching `text`, most relevant first (bm25, then shorter id).

    bm25 costs a lookup per scored row (its length), so scoring every match
    of a common word grows with the table (35,000 rows, 90 ms, for one word
    at 300,000 questions). When more than `limit` questions match, only the
    `limit` most recently indexed matches are scored: walking the matches
    from the newest rowid costs no lookup, and a search that common is
    narrowed by another word, not read to the end. Below the limit every
    match is ranked, as before.

    Raises DatabaseError only if the index cannot be read at all; a query
    FTS5 refuses is retried as plain words.
    """
    limit = CANDIDATE_LIMIT if limit is None else limit
    query = parse_query(text)
    for attempt in (query, plain_words(text)):
        if not attempt.match:
            return RankedMatches(query=attempt)
        try:
            # Ids and statuses come from the bookkeeping table: reading them
            # from the FTS table would load every match's stored texts. The
            # last column says whether a match older than the scored ones exists.
            rows = _run(
                f"WITH newest_unscored(rowid) AS (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                "ORDER BY rowid DESC LIMIT 1 OFFSET %s) "
                f"SELECT ranked.rowid, entry.question_id, entry.status, (SELECT count(*) FROM newest_unscored) FROM ("
                f"SELECT rowid, {BM25} AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                # Index rowids start at 1 (IndexedQuestion ids).
                "AND rowid > coalesce((SELECT rowid FROM newest_unscored), 0)"
                f") AS ranked JOIN {ENTRY_TABLE} AS entry ON entry.id = ranked.rowid "
                "ORDER BY ranked.score, length(entry.question_id), entry.question_id",
                [attempt.match, limit, attempt.match],
            )
        except DatabaseError:
            if attempt is not query:
                raise
            continue
        matches = RankedMatches(query=attempt, truncated=bool(rows) and bool(rows[0][3]))
        for rowid, qid, status, _ in rows:
            matches.ids.append(qid)
            matches.rowids[qid] = rowid
            matches.statuses[qid] = status
        return matches
    raise AssertionError("unreachable")


_CJK_GAP = re.compile(
    f"(?:(?<=[{CJK_CHARACTERS}])|(?<=[{CJK_CHARACTERS}][{MARK_START}{MARK_END}])) (?=[{MARK_START}{MARK_END}]?[{CJK_CHARACTERS}])"
)
_CJK_PAD = re.compile(f" ?([{CJK_CHARACTERS}]) ?")


def _unspread(text: str) -> str:
    """Undo the spaces indexing put around CJK characters."""
    return _CJK_PAD.sub(r"\1", _CJK_GAP.sub("", text)) if re.search(f"[{CJK_CHARACTERS}]", text) else text


def render_snippet(marked: str) -> SafeString:
    """FTS5's snippet text (matches between control characters) as escaped HTML with <mark>."""
    parts = re.split(f"[{MARK_START}{MARK_END}]", _unspread(marked))
    # Even parts are outside a match, odd parts inside. Every part escaped;
    # one string per row (a hundred rows a page) instead of a format_html per part.
    return SafeString("".join(f"<mark>{escape(part)}</mark>" if i % 2 else escape(part) for i, part in enumerate(parts)))


def snippets(*, matches: RankedMatches, question_ids: list[str]) -> dict[str, SafeString]:
    """A highlighted excerpt of where each of these questions matched."""
    rowids = [matches.rowids[qid] for qid in question_ids if qid in matches.rowids]
    if not rowids or not matches.query.has_text_terms:
        return {}
    rows = _run(
        f"SELECT qid, snippet({FTS_TABLE}, -1, %s, %s, '…', {SNIPPET_TOKENS}) FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s AND rowid IN (SELECT value FROM json_each(%s))",
        [MARK_START, MARK_END, matches.query.match, json.dumps(rowids)],
    )
    return {qid: render_snippet(text) for qid, text in rows if text}


def similar_words(text: str) -> list[str]:
    """The words of `text` worth matching: no stopwords, no short words, longest first."""
    text = text[:SIMILAR_MAX_CHARACTERS].lower()
    words = [w for w in re.findall(r"[^\W_]+", spread_cjk(text)) if w not in STOPWORDS]
    cjk = re.compile(f"[{CJK_CHARACTERS}]")
    # Single CJK characters pair up with the next one: two characters are a word.
    chosen: list[str] = []
    for index, word in enumerate(words):
        if cjk.fullmatch(word):
            if index + 1 < len(words) and cjk.fullmatch(words[index + 1]):
                chosen.append(word + words[index + 1])
        elif len(word) >= 3 and not word.isdigit():
            chosen.append(word)
    unique = list(dict.fromkeys(chosen))
    return sorted(unique, key=len, reverse=True)[:SIMILAR_MAX_WORDS]


@dataclass(frozen=True)
class SimilarQuestion:
    question_id: str
    question: str
    channel: str | None
    status: str | None


def _quoted(word: str) -> str:
    return '"' + spread_cjk(word).replace('"', '""') + '"'


@dataclass(frozen=True)
class SimilarityQuery:
    """What the duplicate suggestions score: see `similarity_query`."""

    scored: list[str]  # the words bm25 scores on; a row must hold one (all, if all_required)
    rare: list[str]  # every row holding one of these is scored...
    newest: list[str]  # ...and the SIMILAR_SCORED_ROWS most recent holding one of these
    all_required: bool = False

    def match(self, words: list[str]) -> str:
        return "question : (" + (" AND " if self.all_required else " OR ").join(map(_quoted, words)) + ")"


def similarity_query(words: list[str], *, limit: int) -> SimilarityQuery | None:
    """Which questions are worth scoring for `words`, and on which words; None if none holds any.

    bm25 reads a row's length for every row it scores, and the words of a
    long text (common ones are in tens of thousands of questions) would have
    it score a large part of the table. The rarest words are the ones that
    say which question this is, so the rows scored are those holding one of
    them: rarest first, while those rows stay within SIMILAR_SCORED_ROWS.
    They are scored on every word not that common itself (the most common
    add little to bm25). Should the rare words be in fewer than `limit`
    questions, the most recent questions holding the other words fill the
    list. When even the rarest word is that common, a question must hold
    the three rarest. One query counts each word's questions, stopping at
    the bound.
    """
    cap = SIMILAR_SCORED_ROWS + 1
    counts = _run(
        " UNION ALL ".join(
            f"SELECT {i}, (SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT {cap}))"
            for i in range(len(words))
        ),
        [f"question : {_quoted(word)}" for word in words],
    )
    found = sorted((count, i) for i, count in counts if count)
    if not found:
        return None
    if found[0][0] > SIMILAR_SCORED_ROWS:
        rarest = [words[i] for _, i in found[:3]]
        return SimilarityQuery(scored=rarest, rare=[], newest=rarest, all_required=True)
    rare: list[str] = []
    total = 0
    for count, i in found:
        if rare and total + count > SIMILAR_SCORED_ROWS:
            break
        rare.append(words[i])
        total += count
    others = [words[i] for _, i in found if words[i] not in rare]
    if total < limit and others:
        return SimilarityQuery(scored=[words[i] for _, i in found], rare=rare, newest=others)
    return SimilarityQuery(scored=[words[i] for count, i in found if count <= SIMILAR_SCORED_ROWS], rare=rare, newest=[])


def similar_questions(*, text: str, exclude_id: str | None = None, limit: int = SIMILAR_LIMIT) -> list[SimilarQuestion]:
    """The questions whose text shares the most significant words with `text` (bm25).

    Two queries: the words' counts (`similarity_query`), then the best of
    the rows it names.
    """
    words = similar_words(text)
    if not words:
        return []
    query = similarity_query(words, limit=limit)
    if query is None:
        return []
    # `+rowid`: the candidates filter the scored rows; as an FTS5 rowid
    # constraint each one would start a query (and its bm25 totals) of its own.
    candidates, params = [], [query.match(query.scored)]
    if query.rare:
        candidates.append(f"+rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)")
        params.append(query.match(query.rare))
    if query.newest:
        candidates.append(
            f"+rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s)"
        )
        params += [query.match(query.newest), SIMILAR_SCORED_ROWS]
    rows = _run(
        f"SELECT document.qid, document.question, document.channel, document.status FROM ("
        f"SELECT rowid, {BM25} AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
        f"AND ({' OR '.join(candidates)}) "
        f"AND rowid NOT IN (SELECT id FROM {ENTRY_TABLE} WHERE question_id = %s) ORDER BY score LIMIT %s"
        f") AS best JOIN {FTS_TABLE} AS document ON document.rowid = best.rowid "
        "ORDER BY best.score, length(document.qid), document.qid",
        [*params, exclude_id or "", limit],
    )
    return [SimilarQuestion(qid, _unspread(question or ""), channel, status) for qid, question, channel, status in rows]
