"""The question list's search: the index ranks, the content database filters.

The index (admin database) and the questions (content database) cannot be
joined in SQL, so a search page works in three steps:

1. the index returns the ids of the best matches, best first, at most
   `selectors.CANDIDATE_LIMIT`, with each one's status (admin query);
2. with a filter chosen, each of those ids (`json_each(?)`: one parameter
   however many ids) is looked up in the list's own queryset, every filter
   of the page applied, and the ids that pass come back in relevance order
   (content query). Without one, the list is every question but the
   deleted, which the index's statuses tell without asking the content
   database. Either way their number is the result count;
3. the page's rows are read by id (content query): a slice of that order,
   or with a column sorted, the page of the passing ids in that column's
   order; without a filter, through the list's default filters, so that
   what is shown is what the content holds now. Then their snippets (admin
   query).

So every filter works with search unchanged, and a page costs at most the
list's two content round trips (one without a filter). Without a filter,
the count is the index's: a question another program deleted or restored
in the last minute (see search.freshness) is counted as before until the
next sync, while the rows shown are read from the content as they are.
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
        deleted_filter = getattr(self.model_admin, "deleted_filter", None)
        # Without a filter, the index's statuses tell which matches the list
        # shows; the rows are then read through the list's default filters,
        # which say what the content holds now.
        by_index = bool(deleted_filter) and self._unfiltered()
        if by_index:
            hidden = set(deleted_filter.values())
            passing = [qid for qid in matches.ids if matches.statuses.get(qid) not in hidden]
        else:
            passing = self._passing_ids(matches)
        start, size = self._paginate(passing)
        if ORDER_VAR in self.params:
            self.result_list = self._sorted_page(request, passing, start, size, refilter=by_index)
        else:
            self.result_list = self._page_rows(request, passing[start : start + size], refilter=by_index)
        page_ids = [row.pk for row in self.result_list]
        found = selectors.snippets(matches=matches, question_ids=page_ids) if page_ids else {}
        for row in self.result_list:
            row.search_snippet = found.get(row.pk, "")
        self._tell(request, matches)

    def _paginate(self, passing: list[Any]) -> tuple[int, int]:
        """Count the passing matches and choose the page: (its first position, its size)."""
        paginator = Paginator(passing, self.list_per_page)
        self.paginator = paginator
        self.result_count = len(passing)
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.full_result_count = None
        self.can_show_all = self.result_count <= self.list_max_show_all
        self.multi_page = self.result_count > self.list_per_page
        if (self.show_all and self.can_show_all) or not self.multi_page:
            return 0, len(passing)
        try:
            page = paginator.page(self.page_num)
        except InvalidPage:
            raise IncorrectLookupParameters from None
        return page.start_index() - 1, len(page.object_list)

    def _unfiltered(self) -> bool:
        """Whether the page shows the list as it is by default: no filter, no lookup in the address."""
        return not self.has_active_filters and not set(self.params) - LIST_ONLY_PARAMETERS

    def _passing_ids(self, matches: selectors.RankedMatches) -> list[Any]:
        """The matches' ids that pass the list's filters, most relevant first.

        The matches drive the query, each looked up by id: given the ids and
        a filter on an indexed column (a channel, a difficulty), the
        database would otherwise walk that column's index over the whole
        table (200 ms at 300,000 questions instead of 5). Read with a plain
        cursor: up to CANDIDATE_LIMIT one-column rows.
        """
        row = self.queryset.order_by().filter(pk=RawSQL('"oi_match"."value"', ())).values("pk")
        try:
            sql, params = row.query.get_compiler(using=row.db).as_sql()
        except EmptyResultSet:  # no match, or a filter that excludes everything
            return []
        with connections[row.db].cursor() as cursor:
            cursor.execute(
                f'SELECT "oi_match"."value" FROM json_each(%s) AS "oi_match" WHERE EXISTS ({sql}) '
                'ORDER BY "oi_match"."key"',
                [json.dumps(matches.ids), *params],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _rows(self, request: HttpRequest, ids: Any, *, refilter: bool) -> QuerySet:
        """The rows of these ids, with the page's columns; through the list's filters if `refilter`.

        Without `refilter` the ids have passed the filters already: applied
        again to a list of ids they could lead the database to walk a
        column's index over the whole table instead of looking the ids up.
        """
        rows = self.root_queryset.filter(pk__in=ids)
        if refilter:
            for spec in self.filter_specs:
                filtered = spec.queryset(request, rows)
                rows = rows if filtered is None else filtered
        columns = getattr(self.model_admin, "changelist_columns", None)
        return rows.only(*columns) if columns else rows

    def _page_rows(self, request: HttpRequest, page_ids: list[Any], *, refilter: bool) -> list[Any]:
        if not page_ids:
            return []
        by_id = {row.pk: row for row in self._rows(request, page_ids, refilter=refilter).order_by()}
        return [by_id[pk] for pk in page_ids if pk in by_id]

    def _sorted_page(self, request: HttpRequest, passing: list[Any], start: int, size: int, *, refilter: bool) -> list[Any]:
        """A page of the passing matches in the order of the sort column the user chose."""
        if not passing:
            return []
        ids = RawSQL("SELECT value FROM json_each(%s)", [json.dumps(passing)])
        rows = self._rows(request, ids, refilter=refilter).order_by(*self.queryset.query.order_by)
        return list(rows[start : start + size])

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
