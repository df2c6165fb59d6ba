"""What people type in the search box, turned into an FTS5 query that cannot fail.

The syntax is the one search boxes taught everyone:

- words: all must match (`kubernetes pod`);
- `"a phrase"`: these words, adjacent, in this order;
- `-word` or `-"a phrase"`: excluded;
- `word*`: any word starting so (`kube*`);
- an id or the start of one: `q-100` finds q-100, q-1000, q-1001…

Every term reaches FTS5 as a quoted string, so nothing typed is ever read
as FTS5 syntax: `AND`, `OR`, `NOT`, `NEAR`, parentheses, colons and carets
are words or punctuation like any other. Input this syntax cannot read (an
odd number of quotes) is searched as plain words; terms with no letter or
digit (a lone `-` or `*`) are dropped; a query of exclusions only searches
for those words instead (FTS5 cannot list "everything but").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.index import normalize_id, spread_cjk

# Bounds on what one query may cost: characters read and terms matched.
MAX_QUERY_CHARACTERS = 500
MAX_TERMS = 24

_TERM = re.compile(r'(?P<phrase_neg>-?)"(?P<phrase>[^"]*)"(?P<phrase_star>\*?)|(?P<word>\S+)')
_WORD_CHARACTER = re.compile(r"[^\W_]")
_ID = re.compile(r"^[a-z][a-z0-9]{0,11}-[0-9][a-z0-9-]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    negated: bool = False
    prefix: bool = False
    is_id: bool = False

    def fts(self) -> str:
        if self.is_id:
            return f'ident : "{normalize_id(self.text)}" *'
        quoted = '"' + spread_cjk(self.text).replace('"', '""') + '"'
        return f"{quoted} *" if self.prefix else quoted


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str
    terms: tuple[Term, ...]
    # The syntax could not be read as written, so the words were searched plainly.
    plain_fallback: bool = False

    @property
    def match(self) -> str:
        """The FTS5 MATCH expression; empty when there is nothing to search for."""
        wanted = [t.fts() for t in self.terms if not t.negated]
        unwanted = [t.fts() for t in self.terms if t.negated]
        if not wanted:
            return ""
        expression = " AND ".join(wanted)
        if unwanted:
            expression = f"({expression}) NOT ({' OR '.join(unwanted)})"
        return expression

    @property
    def has_text_terms(self) -> bool:
        """Whether any wanted term searches the texts (not only ids): snippets are worth showing."""
        return any(not t.negated and not t.is_id for t in self.terms)


def _has_word(text: str) -> bool:
    return bool(_WORD_CHARACTER.search(text))


def plain_words(text: str) -> ParsedQuery:
    """Every run of letters and digits as a word to match; no operators."""
    words = re.findall(r"[^\W_]+", text[:MAX_QUERY_CHARACTERS])
    return ParsedQuery(text=text, terms=tuple(Term(w) for w in words[:MAX_TERMS]), plain_fallback=True)


def parse_query(text: str) -> ParsedQuery:
    text = (text or "").strip()[:MAX_QUERY_CHARACTERS]
    if text.count('"') % 2:
        return plain_words(text)
    terms: list[Term] = []
    for found in _TERM.finditer(text):
        if found["word"] is None:
            phrase = found["phrase"].strip()
            if _has_word(phrase):
                terms.append(Term(phrase, negated=bool(found["phrase_neg"]), prefix=bool(found["phrase_star"])))
            continue
        word = found["word"]
        negated = word.startswith("-")
        word = word.lstrip("-")
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if not _has_word(word):
            continue
        terms.append(Term(word, negated=negated, prefix=prefix, is_id=bool(_ID.match(word))))
    terms = terms[:MAX_TERMS]
    if terms and all(t.negated for t in terms):
        return ParsedQuery(
            text=text, terms=tuple(Term(t.text, prefix=t.prefix, is_id=t.is_id) for t in terms), plain_fallback=True
        )
    return ParsedQuery(text=text, terms=tuple(terms))
