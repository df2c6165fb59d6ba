"""The question list's search: the index ranks, the content database filters.

The index (admin database) and the questions (content database) cannot be
joined in SQL, so a search page works in three steps:

1. the index returns the ids of the best matches, best first, at most
   `selectors.CANDIDATE_LIMIT`, with each one's status (admin query);
2. with a filter chosen, the list's own queryset, every filter of the page
   applied, is narrowed to those ids (`id IN json_each(?)`: one parameter
   however many ids) and only the ids that pass come back (content query),
   put in relevance order here. Without one, the list is every question but
   the deleted, which the index's statuses tell without asking the content
   database. Either way their number is the result count, and the page is
   a slice;
3. the page's rows are read by id through the list's queryset, so its
   filters apply to what is shown (content query), and their snippets
   (admin query).

So every filter works with search unchanged, and a page costs at most the
list's two content round trips (one without a filter). Without a filter,
the count is the index's: a question another program deleted or restored
in the last minute (see search.freshness) is counted as before until the
next sync, while the rows shown are read from the content as they are.
With a column sorted, the list's own count and page run within the matches.
The bound: a search matching more than CANDIDATE_LIMIT questions lists the
CANDIDATE_LIMIT most recently added of them, most relevant first (filters
apply within those), and says so; at that size a search is not finding a
question yet, and ranking every match would cost time in proportion to the
table.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    ChangeList,
)
from django.core.exceptions import EmptyResultSet
from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils.html import format_html

from interview.filters import StatusFilter
from search import freshness, selectors

REQUEST_ATTRIBUTE = "_ranked_question_search"
# Parameters of a list page that search, sort, page or show counts: none narrows the list.
LIST_ONLY_PARAMETERS = frozenset({SEARCH_VAR, PAGE_VAR, ALL_VAR, ORDER_VAR, IS_FACETS_VAR, ERROR_FLAG})


def search_questions(*, request: HttpRequest, queryset: QuerySet, search_term: str) -> QuerySet | None:
    """The queryset narrowed to the index's best matches for `search_term`.

    None when the index cannot be read (the caller falls back to its plain
    search). A term with nothing to search for (only punctuation) leaves
    the list as it is.
    """
    try:
        freshness.ensure_fresh()
        matches = selectors.ranked_matches(text=search_term)
    except DatabaseError:
        return None
    if not matches.query.match:
        return queryset
    setattr(request, REQUEST_ATTRIBUTE, matches)
    if not matches.ids:
        return queryset.none()
    return queryset.filter(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(matches.ids)]))


class RankedSearchChangeList(ChangeList):
    """ChangeList results for a search: relevance order, snippets, hints.

    The model admin may name `changelist_columns` (the only columns a page
    reads), `deleted_filter` (the list parameters that show deleted
    questions, which its list without filters leaves out) and
    `search_per_page` (rows on a page of search results).
    """

    def get_results(self, request: HttpRequest) -> None:
        matches: selectors.RankedMatches | None = getattr(request, REQUEST_ATTRIBUTE, None)
        if matches is None:
            super().get_results(request)
            return
        self.list_per_page = getattr(self.model_admin, "search_per_page", self.list_per_page)
        if ORDER_VAR in self.params:
            # A sort column the user chose: the list's own count and page, within the matches.
            super().get_results(request)
            self.result_list = list(self.result_list)
            page_ids = [row.pk for row in self.result_list]
        else:
            page_ids = self._relevance_page(request, matches)
        found = selectors.snippets(matches=matches, question_ids=page_ids) if page_ids else {}
        for row in self.result_list:
            row.search_snippet = found.get(row.pk, "")
        self._tell(request, matches)

    def _relevance_page(self, request: HttpRequest, matches: selectors.RankedMatches) -> list[Any]:
        """Count and paginate the matches the filters let through, best first; the page's ids."""
        deleted_filter = getattr(self.model_admin, "deleted_filter", None)
        if deleted_filter and self._unfiltered():
            hidden = set(deleted_filter.values())
            passing = [qid for qid in matches.ids if matches.statuses.get(qid) not in hidden]
        else:
            passing = self._passing_ids(matches)
        paginator = Paginator(passing, self.list_per_page)
        self.result_count = len(passing)
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.full_result_count = None
        self.can_show_all = self.result_count <= self.list_max_show_all
        self.multi_page = self.result_count > self.list_per_page
        if (self.show_all and self.can_show_all) or not self.multi_page:
            page_ids = passing
        else:
            try:
                page_ids = list(paginator.page(self.page_num).object_list)
            except InvalidPage:
                raise IncorrectLookupParameters from None
        self.paginator = paginator
        self.result_list = self._page_rows(request, page_ids)
        return page_ids

    def _unfiltered(self) -> bool:
        """Whether the page shows the list as it is by default: no filter, no lookup in the address."""
        return not self.has_active_filters and not set(self.params) - LIST_ONLY_PARAMETERS

    def _passing_ids(self, matches: selectors.RankedMatches) -> list[Any]:
        """The matches' ids that pass the list's filters, most relevant first.

        Read with a plain cursor: up to CANDIDATE_LIMIT one-column rows,
        which the queryset's row machinery would spend more time on than
        the database does.
        """
        ids = self.queryset.order_by().values_list("pk", flat=True)
        try:
            sql, params = ids.query.get_compiler(using=ids.db).as_sql()
        except EmptyResultSet:  # no match, or a filter that excludes everything
            return []
        with connections[ids.db].cursor() as cursor:
            cursor.execute(sql, params)
            passing = [pk for (pk,) in cursor.fetchall()]
        position = matches.position()
        passing.sort(key=position.__getitem__)
        return passing

    def _page_rows(self, request: HttpRequest, page_ids: list[Any]) -> list[Any]:
        if not page_ids:
            return []
        # The list's filters, on these ids alone: the queryset also holds every
        # match's id, which the database would read the page's rows by.
        rows = self.root_queryset.filter(pk__in=page_ids)
        for spec in self.filter_specs:
            filtered = spec.queryset(request, rows)
            rows = rows if filtered is None else filtered
        columns = getattr(self.model_admin, "changelist_columns", None)
        if columns:
            rows = rows.only(*columns)
        by_id = {row.pk: row for row in rows.order_by()}
        return [by_id[pk] for pk in page_ids if pk in by_id]

    def _tell(self, request: HttpRequest, matches: selectors.RankedMatches) -> None:
        model_admin = self.model_admin
        if matches.query.plain_fallback:
            model_admin.message_user(
                request,
                f"Searched for the words of “{matches.query.text}” (quotes and operators as typed could not be read).",
                messages.INFO,
            )
        if matches.truncated:
            model_admin.message_user(
                request,
                f"More than {selectors.CANDIDATE_LIMIT:,} questions match; the {selectors.CANDIDATE_LIMIT:,} most "
                "recently added are listed, most relevant first, and filters apply within them. "
                "Add a word to narrow the search.",
                messages.WARNING,
            )
        deleted_filter = getattr(model_admin, "deleted_filter", None)
        if self.result_count or not deleted_filter:
            return
        for name, value in deleted_filter.items():
            if self.params.get(name) in (value, StatusFilter.ALL):
                return  # deleted questions are already in the list
        deleted = sum(1 for status in matches.statuses.values() if status == "deleted")
        if not deleted:
            return
        link = self.get_query_string(deleted_filter, [PAGE_VAR])
        if deleted == len(matches.statuses):
            text = "Only deleted questions match this search ({}): <a href=\"{}\">show the deleted questions</a>."
        else:
            text = "{} deleted question(s) match this search too: <a href=\"{}\">show the deleted questions</a>."
        model_admin.message_user(request, format_html(text, deleted, link), messages.WARNING)
