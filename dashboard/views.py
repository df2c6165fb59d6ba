"""The admin's home page: the dashboard's panels above the sections' model lists.

Reads come from dashboard/selectors.py (three queries, see there); this module
turns them into charts and links into the filtered lists, showing each panel
only to someone who may open what it links to. The data-quality recount
(a POST) runs the full count through interview.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from core.ratelimit import seconds_until_allowed
from dashboard import selectors as dashboard
from dashboard.charts import Bar, bar_chart
from interview import services
from interview.compare import field_labels
from interview.models import Difficulty, HistoryEventType, QuestionStatus
from interview.quality import json_columns

# A recount reads every question; a few a minute is plenty for anyone.
RECOUNTS_PER_MINUTE = 4

QUESTION_VIEW = "interview.view_question"


def _list_url(name: str, **params: Any) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _label(choices: Any, value: Any) -> str:
    if value in (None, ""):
        return "(none)"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _channel_bars(channels: Any) -> list[Bar]:
    ranked = sorted(channels.items(), key=lambda item: (-item[1], str(item[0])))
    bars = [
        Bar(label=str(channel or "(none)"), value=total, url=_list_url("interview_question", channel=channel) if channel else None)
        for channel, total in ranked[: dashboard.TOP_CHANNELS]
    ]
    rest = ranked[dashboard.TOP_CHANNELS :]
    if rest:
        bars.append(Bar(label=f"{len(rest)} other channels", value=sum(n for _, n in rest), tone="muted"))
    return bars


def _choice_bars(
    choices: type, counts: Any, *, lookup: str, tones: dict[str, str] | None = None
) -> list[Bar]:
    """A bar per value of `counts`, in the order of `choices`; unknown stored values last."""
    order = {value: index for index, value in enumerate(choices.values)}
    return [
        Bar(
            label=_label(choices, value),
            value=total,
            url=_list_url("interview_question", **{lookup: value}) if value else None,
            tone=(tones or {}).get(value, "default"),
        )
        for value, total in sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), str(item[0])))
    ]


STATUS_TONES = {"active": "success", "flagged": "warning", "deleted": "muted"}


def _quality_rows(count: Any) -> list[dict[str, Any]]:
    """(label, count, link) per problem of the latest count."""
    if count is None:
        return []
    counts = count.counts or {}
    invalid = counts.get("invalid_json") or {}
    rows = [
        {
            "label": f"{label.capitalize()}: stored text that is not valid JSON",
            "count": invalid.get(name, 0),
            "url": _list_url("interview_question", invalid_json=name),
        }
        for name, label in json_columns()
    ]
    rows.append({"label": "No explanation", "count": counts.get("missing_explanation", 0),
                 "url": _list_url("interview_question", has_explanation="no")})
    rows.append({"label": "No diagram", "count": counts.get("missing_diagram", 0),
                 "url": _list_url("interview_question", has_diagram="no")})
    return rows


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """The panels this user may see, for templates/admin/index.html."""
    user = request.user
    may = user.has_perm
    if not any(may(p) for p in (QUESTION_VIEW, "bots.view_botrun", "bots.view_workitem", "interview.view_questionhistory")):
        return {}
    counts = dashboard.dashboard_counts()
    context: dict[str, Any] = {"since": counts.since, "days": dashboard.BOT_RUN_DAYS}
    if may(QUESTION_VIEW):
        context["questions"] = {
            "total": counts.question_total,
            "channel_count": len(counts.channels),
            "channel_chart": bar_chart(title="Questions by channel (not deleted)", bars=_channel_bars(counts.channels)),
            "difficulty_chart": bar_chart(title="Questions by difficulty (not deleted)", bars=_choice_bars(Difficulty, counts.difficulties, lookup="difficulty__exact")),
            "status_chart": bar_chart(title="Questions by status", bars=_choice_bars(QuestionStatus, counts.statuses, lookup="status", tones=STATUS_TONES)),
        }
        quality = dashboard.latest_quality_count()
        context["quality"] = {
            "count": quality,
            "rows": _quality_rows(quality),
            "recount_url": reverse("admin:data_quality_recount"),
        }
    work = {}
    if may("interview.moderate_question"):
        work["flagged"] = {"count": counts.flagged, "url": _list_url("interview_flaggedquestion")}
    if may("bots.view_workitem"):
        work["pending"] = {"count": counts.pending_work, "url": _list_url("bots_workitem", status__exact="pending")}
    if may("learning.view_certification"):
        work["stale_certifications"] = {
            "count": len(counts.stale_certifications),
            "url": _list_url("learning_certification", count="stale"),
        }
    context["work"] = work
    if may("bots.view_botrun"):
        context["bot_runs"] = [
            {
                "tally": tally,
                "completed_url": _list_url("bots_botrun", bot_name=tally.bot_name, status__exact="completed"),
                "failed_url": _list_url("bots_botrun", bot_name=tally.bot_name, status__exact="failed"),
            }
            for tally in counts.bot_runs
        ]
    if may("interview.view_questionhistory"):
        context["changes_by_source"] = [
            {"source": source, "count": counts.changes_by_source.get(source, 0),
             "url": _list_url("interview_questionhistory", event_source__exact=source)}
            for source in ("user", "bot", "import")
        ]
        context["recent_changes"] = _recent_rows(dashboard.recent_changes())
    return {"dashboard": context}


def _recent_rows(changes: list[dashboard.RecentChange]) -> list[dict[str, Any]]:
    return [
        {
            "change": change,
            "event_label": _label(HistoryEventType, change.event_type),
            "fields": ", ".join(field_labels(change.changed_fields)),
            "url": reverse("admin:interview_question_history_entry", args=[change.question_id, change.entry_id])
            if change.question_type == "question"
            else None,
        }
        for change in changes
    ]


def recount_data_quality(request: HttpRequest) -> HttpResponse:
    """Count the data-quality problems now (a POST from the home page)."""
    home = reverse("admin:index")
    if request.method != "POST":
        return HttpResponse("Recounting is a POST.", status=405, content_type="text/plain")
    if not request.user.has_perm(QUESTION_VIEW):
        raise PermissionDenied
    wait = seconds_until_allowed(scope="data-quality-recount", user_id=request.user.pk, limit=RECOUNTS_PER_MINUTE)
    if wait:
        messages.warning(request, f"Counted {RECOUNTS_PER_MINUTE} times this minute already; try again in {wait} seconds.")
        return HttpResponseRedirect(home)
    count = services.record_data_quality_count(counted_by=request.user.get_username())
    messages.success(
        request,
        f"Data quality counted over {count.question_total:,} questions in {count.seconds:.1f} s.",
    )
    return HttpResponseRedirect(home)
