"""The question search index: built from the content database, kept in the admin's.

The index is derived data. It lives in the admin database because the
shared content database holds only the Node app's tables (its schema tool
drops anything else), and it can always be rebuilt from the content.

Each question is one FTS5 document (question, answer, explanation, tags,
companies and its id) whose rowid is its `IndexedQuestion.id`; beside it
the bookkeeping row keeps the content row's *fingerprint*: a number
computed in SQL, on the content server, from `last_updated`, the length of
every indexed text, the status and the channel. Finding what changed
therefore never moves texts: the sync compares, per bucket of rows
(`rowid % BUCKETS`), the row count and the sum of fingerprints on both
sides (one short query each), and only for the buckets that differ the
per-row fingerprints; only rows whose fingerprint differs are read in full
and reindexed.

A change that keeps `last_updated`, the status, the channel and the length
of every indexed text (a typo fixed letter for letter by raw SQL that does
not touch `last_updated`) keeps the fingerprint: such a row is refreshed by
the next `search_index --rebuild`, not by the sync. Every edit made through
the admin or an import is reindexed at once, whatever it changed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from core.databases import ADMIN_DB, CONTENT_DB

FTS_TABLE = "search_question_fts"
ENTRY_TABLE = "search_indexed_question"
BUCKETS = 128
# Rows read from the content database per query when (re)indexing: a chunk
# of full questions is a few MB over HTTP, small enough to bound memory.
READ_CHUNK = 1000
# Ids per `json_each` parameter when asking for rows by id.
ID_CHUNK = 500

# The FTS5 table, also created by the migration. `unicode61` with
# `remove_diacritics 2` folds case and accents of every script (CAFÉ = café,
# Übung = ubung). The id is indexed as `ident` with its punctuation removed
# (q-1000-c1 -> q1000c1), so that `q-100` can be asked as the prefix q100*.
FTS_COLUMNS = ("question", "answer", "explanation", "tags", "companies", "ident")
FTS_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "question, answer, explanation, tags, companies, ident, "
    "qid UNINDEXED, channel UNINDEXED, status UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)

# Chinese, Japanese and Korean are written without spaces, so unicode61 would
# make a whole sentence one token and `初心` would find nothing. Each such
# character is indexed as a token of its own; a query asks for them as a
# phrase (adjacent characters), which finds any substring.
CJK_CHARACTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
_CJK = re.compile(f"([{CJK_CHARACTERS}])")
# Snippet() marks matches with these; they are removed from indexed text.
MARK_START, MARK_END = "\x02", "\x03"
_MARKERS = re.compile(f"[{MARK_START}{MARK_END}]")


def spread_cjk(text: str) -> str:
    # Most texts are ASCII: one C-speed check instead of a regex scan.
    return text if text.isascii() else _CJK.sub(r" \1 ", text)


def normalize_id(question_id: str) -> str:
    return re.sub(r"[^0-9a-z]", "", question_id.lower())


def _indexable(text: str | None) -> str:
    text = text or ""
    if MARK_START in text or MARK_END in text:
        text = _MARKERS.sub(" ", text)
    return spread_cjk(text)


def _mix(accumulated: str, value: str) -> str:
    # A polynomial hash modulo a prime below 2**31, so no step overflows
    # SQLite's 64-bit integers. `%%`: these statements take parameters.
    return f"((({accumulated}) * 1000003 + ({value})) %% 2147483647)"


def _fingerprint_expression(length: str) -> str:
    parts = [
        "coalesce(CAST(julianday(last_updated) * 86400000 AS INTEGER) %% 2147483647, -1)",
        *(f"coalesce({length}({column}), -1)" for column in ("question", "answer", "explanation", "tags", "companies")),
        "coalesce(unicode(status), 0) * 1000 + coalesce(length(status), -1)",
        "coalesce(unicode(channel), 0) * 1000 + coalesce(length(channel), -1)",
    ]
    expression = parts[0]
    for part in parts[1:]:
        expression = _mix(expression, part)
    return expression


_fingerprints: dict[str, str] = {}


def fingerprint_sql() -> str:
    """The fingerprint of a `questions` row, as an SQL expression for the content database.

    `octet_length` (SQLite 3.43, as libSQL servers have) reads a text's size
    from the record header; `length` counts its characters, which reads every
    answer and explanation: more than ten times slower. The choice is made
    once per process; a server upgraded in between changes every
    fingerprint once, which reindexes everything once.
    """
    connection = connections[CONTENT_DB]
    key = str(connection.settings_dict.get("NAME")) + str((connection.settings_dict.get("OPTIONS") or {}).get("url"))
    if key not in _fingerprints:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()")
            version = tuple(int(part) for part in cursor.fetchone()[0].split(".")[:2])
        _fingerprints[key] = _fingerprint_expression("octet_length" if version >= (3, 43) else "length")
    return _fingerprints[key]


BUCKET_SQL = f"(rowid %% {BUCKETS})"
_ROW_COLUMNS = "id, question, answer, explanation, tags, companies, channel, status"


@dataclass(frozen=True, slots=True)
class ContentRow:
    question_id: str
    question: str | None
    answer: str | None
    explanation: str | None
    tags: str | None
    companies: str | None
    channel: str | None
    status: str | None
    bucket: int
    fingerprint: int

    def document(self, rowid: int) -> list[Any]:
        return [
            rowid,
            _indexable(self.question),
            _indexable(self.answer),
            _indexable(self.explanation),
            _indexable(self.tags),
            _indexable(self.companies),
            normalize_id(self.question_id),
            self.question_id,
            self.channel,
            self.status,
        ]


def _as_json(values: Iterable[Any]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- reading the content -------------------------------------------------------


def read_content_rows(question_ids: Sequence[str]) -> list[ContentRow]:
    """The indexed columns and fingerprints of these questions (missing ids are gone)."""
    rows: list[ContentRow] = []
    with connections[CONTENT_DB].cursor() as cursor:
        for chunk in _chunks(list(question_ids), ID_CHUNK):
            cursor.execute(
                f"SELECT {_ROW_COLUMNS}, {BUCKET_SQL}, {fingerprint_sql()} FROM questions "
                "WHERE id IN (SELECT value FROM json_each(%s))",
                [_as_json(chunk)],
            )
            rows += [ContentRow(*row) for row in cursor.fetchall()]
    return rows


def _content_rows_in_rowid_order(chunk: int) -> Iterator[list[ContentRow]]:
    last = -(2**63)
    with connections[CONTENT_DB].cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT {_ROW_COLUMNS}, {BUCKET_SQL}, {fingerprint_sql()}, rowid FROM questions "
                "WHERE rowid > %s ORDER BY rowid LIMIT %s",
                [last, chunk],
            )
            fetched = cursor.fetchall()
            if not fetched:
                return
            last = fetched[-1][-1]
            yield [ContentRow(*row[:-1]) for row in fetched]


def content_count() -> int:
    with connections[CONTENT_DB].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM questions")
        return cursor.fetchone()[0]


# --- writing the index -----------------------------------------------------------


_INSERT_DOCUMENT = (
    f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}, qid, channel, status) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _insert_documents(cursor: Any, documents: list[list[Any]]) -> None:
    # One statement, many parameter rows: on a local file the texts are
    # bound as they are (no JSON to build and parse again for each column);
    # on a server it is one batch, one round trip.
    cursor.executemany(_INSERT_DOCUMENT, documents)


def write_rows(rows: Sequence[ContentRow]) -> None:
    """Index (or reindex) these content rows, in one admin transaction."""
    if not rows:
        return
    with transaction.atomic(using=ADMIN_DB), connections[ADMIN_DB].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ENTRY_TABLE} (question_id, bucket, fingerprint, status) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), "
            "json_extract(value, '$[3]') FROM json_each(%s) WHERE true "
            "ON CONFLICT(question_id) DO UPDATE SET bucket = excluded.bucket, fingerprint = excluded.fingerprint, "
            "status = excluded.status RETURNING id, question_id",
            [_as_json([row.question_id, row.bucket, row.fingerprint, row.status] for row in rows)],
        )
        rowids = {question_id: rowid for rowid, question_id in cursor.fetchall()}
        cursor.execute(
            f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT value FROM json_each(%s))",
            [_as_json(rowids.values())],
        )
        _insert_documents(cursor, [row.document(rowids[row.question_id]) for row in rows])


def remove_questions(question_ids: Sequence[str]) -> None:
    if not question_ids:
        return
    with transaction.atomic(using=ADMIN_DB), connections[ADMIN_DB].cursor() as cursor:
        for chunk in _chunks(list(question_ids), ID_CHUNK):
            ids = _as_json(chunk)
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT id FROM {ENTRY_TABLE} "
                "WHERE question_id IN (SELECT value FROM json_each(%s)))",
                [ids],
            )
            cursor.execute(
                f"DELETE FROM {ENTRY_TABLE} WHERE question_id IN (SELECT value FROM json_each(%s))", [ids]
            )


def reindex_questions(question_ids: Iterable[str]) -> int:
    """Bring these questions' documents in line with the content: reindex or remove.

    What the admin's services and imports call after they write.
    """
    wanted = list(dict.fromkeys(question_ids))
    if not wanted:
        return 0
    rows = read_content_rows(wanted)
    for chunk in _chunks(rows, READ_CHUNK):
        write_rows(chunk)
    present = {row.question_id for row in rows}
    remove_questions([qid for qid in wanted if qid not in present])
    return len(wanted)


Progress = Callable[[int, int], None]


# While a rebuild fills the new table (one transaction), FTS5 keeps this
# much pending text in memory before writing a segment and merges nothing
# until the final 'optimize', which merges everything once: a third less
# time than its defaults (1 MB, automerge 4), restored once built.
BUILD_SETTINGS = {"hashsize": 16 * 1024 * 1024, "automerge": 0}
DEFAULT_SETTINGS = {"hashsize": 1024 * 1024, "automerge": 4}
_INSERT_ENTRY = f"INSERT INTO {ENTRY_TABLE} (id, question_id, bucket, fingerprint, status) VALUES (%s, %s, %s, %s, %s)"


def _configure(cursor: Any, settings: dict[str, int]) -> None:
    for name, value in settings.items():
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES (%s, %s)", [name, value])


def rebuild(*, progress: Progress | None = None) -> int:
    """Build the whole index from the content database, in one admin transaction.

    Searches keep reading the previous index until the new one commits.
    """
    total = content_count()
    done = 0
    if progress:
        progress(done, total)
    with transaction.atomic(using=ADMIN_DB), connections[ADMIN_DB].cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        cursor.execute(FTS_DDL)
        _configure(cursor, BUILD_SETTINGS)
        cursor.execute(f"DELETE FROM {ENTRY_TABLE}")
        for rows in _content_rows_in_rowid_order(READ_CHUNK):
            first = done + 1
            cursor.executemany(
                _INSERT_ENTRY,
                [[first + i, row.question_id, row.bucket, row.fingerprint, row.status] for i, row in enumerate(rows)],
            )
            _insert_documents(cursor, [row.document(first + i) for i, row in enumerate(rows)])
            done += len(rows)
            if progress:
                progress(done, max(total, done))
        # One b-tree per index instead of many segments: faster queries.
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        _configure(cursor, DEFAULT_SETTINGS)
        now = timezone.now()
        _save_state(built_at=now, checked_at=now, last_changes=done)
    return done


# --- keeping it fresh ------------------------------------------------------------------


@dataclass
class Drift:
    """What differs between the index and the content."""

    stale: list[str] = field(default_factory=list)  # new or changed in the content
    removed: list[str] = field(default_factory=list)  # gone from the content
    buckets_compared: int = 0
    buckets_differing: int = 0

    @property
    def count(self) -> int:
        return len(self.stale) + len(self.removed)


def _bucket_sums(cursor: Any, sql: str) -> dict[int, tuple[int, int]]:
    cursor.execute(sql)
    return {bucket: (count, total) for bucket, count, total in cursor.fetchall()}


def find_drift() -> Drift:
    """Compare fingerprints: 2 short queries when nothing changed, 4 when something did."""
    with connections[CONTENT_DB].cursor() as content:
        content_sums = _bucket_sums(
            content,
            f"SELECT {BUCKET_SQL}, COUNT(*), SUM({fingerprint_sql()}) FROM questions GROUP BY 1".replace("%%", "%"),
        )
    with connections[ADMIN_DB].cursor() as admin:
        index_sums = _bucket_sums(
            admin, f"SELECT bucket, COUNT(*), SUM(fingerprint) FROM {ENTRY_TABLE} GROUP BY bucket"
        )
    differing = sorted(b for b in set(content_sums) | set(index_sums) if content_sums.get(b) != index_sums.get(b))
    drift = Drift(buckets_compared=len(set(content_sums) | set(index_sums)), buckets_differing=len(differing))
    if not differing:
        return drift
    buckets = _as_json(differing)
    with connections[CONTENT_DB].cursor() as content:
        content.execute(
            f"SELECT id, {BUCKET_SQL}, {fingerprint_sql()} FROM questions "
            f"WHERE {BUCKET_SQL} IN (SELECT value FROM json_each(%s))",
            [buckets],
        )
        in_content = {qid: (bucket, fingerprint) for qid, bucket, fingerprint in content.fetchall()}
    with connections[ADMIN_DB].cursor() as admin:
        admin.execute(
            f"SELECT question_id, bucket, fingerprint FROM {ENTRY_TABLE} "
            "WHERE bucket IN (SELECT value FROM json_each(%s))",
            [buckets],
        )
        in_index = {qid: (bucket, fingerprint) for qid, bucket, fingerprint in admin.fetchall()}
    drift.stale = sorted(qid for qid, key in in_content.items() if in_index.get(qid) != key)
    # A row that moved to another bucket (deleted and inserted again) is in
    # both maps' differing buckets, so it is stale, not removed.
    drift.removed = sorted(qid for qid in in_index if qid not in in_content)
    return drift


@dataclass(frozen=True)
class SyncResult:
    reindexed: int
    removed: int
    remaining: int
    seconds: float


def sync(*, max_rows: int | None = None) -> SyncResult:
    """Reindex what changed in the content since it was indexed (at most `max_rows` rows)."""
    started = time.perf_counter()
    drift = find_drift()
    stale = drift.stale if max_rows is None else drift.stale[:max_rows]
    for chunk in _chunks(stale, READ_CHUNK):
        reindex_questions(chunk)
    remove_questions(drift.removed)
    _save_state(checked_at=timezone.now(), last_changes=len(stale) + len(drift.removed))
    return SyncResult(
        reindexed=len(stale),
        removed=len(drift.removed),
        remaining=len(drift.stale) - len(stale),
        seconds=time.perf_counter() - started,
    )


def _save_state(**values: Any) -> None:
    from search.models import IndexState

    if not IndexState.objects.filter(pk=1).update(**values):
        IndexState.objects.create(pk=1, **values)


def indexed_count() -> int:
    with connections[ADMIN_DB].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {ENTRY_TABLE}")
        return cursor.fetchone()[0]
