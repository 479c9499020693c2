"""Sync runs (SPEC INT-1, SF-16, UX-2): the recent runs with a chart of records and API calls, one run's details
in words, the progress of a running sync, and cancelling a run that is still going.

While a run is going its figures are saved page by page (`integrations.salesforce.progress`); the screens
that show it ask again every second or two through htmx, and stop asking once no run is going.
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from integrations import selectors, services
from integrations.models import SyncRun

from ..run_texts import IN, OUT, field_labels, object_label, pushed_text, run_figures_list, stage_text
from ..selectors import sync_run_conflicts
from .common import can_manage, connection_find, manage_required, paginate, view_required

PAGE_SIZE = 25
CHART_RUNS = 30
# After "Sync now", how long the connection screen waits for the run to start before it says it has not.
WAIT_FOR_START = timedelta(minutes=10)
# How far before the request a run may have started and still be the one "Sync now" started (clocks differ).
START_SKEW = timedelta(seconds=5)


def duration_text(run: SyncRun, now=None) -> str:
    """h:mm:ss from start to finish (to now while running)."""
    end = run.finished_at or now or timezone.now()
    seconds = max(0, int((end - run.started_at) / timedelta(seconds=1)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _chart(runs: list[SyncRun]) -> dict:
    runs = list(reversed(runs))  # oldest on the left
    return {
        "labels": [timezone.localtime(run.started_at).strftime("%d/%m %H:%M") for run in runs],
        "series": {
            "records_in": {"label": _("Records in"), "data": [run.records_in for run in runs]},
            "records_out": {"label": _("Records out"), "data": [run.records_out for run in runs]},
            "records_failed": {"label": _("Records failed"), "data": [run.records_failed for run in runs]},
            "api_calls": {"label": _("API calls"), "data": [run.api_calls for run in runs]},
        },
        "axes": {"records": _("Records"), "calls": _("API calls")},
    }


def _runs(request):
    connection = connection_find(request)
    if connection is None:
        return connection, SyncRun.objects.none()
    return connection, selectors.sync_runs_list(account=request.account, connection=connection)


@view_required
@require_safe
def run_list(request):
    """The runs, newest first. While one on the page is running, the table asks for itself again (htmx)."""
    connection, runs = _runs(request)
    page = paginate(request, runs, per_page=PAGE_SIZE)
    now = timezone.now()
    for run in page.object_list:
        run.note = stage_text(run.details) if run.state == SyncRun.State.RUNNING else run.stop_reason
    page.object_list = [(run, duration_text(run, now)) for run in page.object_list]
    context = {
        "connection": connection,
        "page": page,
        "polling": any(run.state == SyncRun.State.RUNNING for run, _duration in page.object_list),
        "can_manage": can_manage(request),
        "section": "runs",
    }
    if request.htmx:
        return render(request, "integrations/_run_table.html", context)
    context["chart"] = _chart(list(runs[:CHART_RUNS]))
    return render(request, "integrations/syncrun_list.html", context)


def _watermark(run: SyncRun) -> list[tuple[str, datetime]]:
    """Where the run left each stream, in words: (what, up to when)."""
    rows = []
    for stream, value in (run.watermark or {}).items():
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            continue
        sobject, _dot, kind = stream.partition(".")
        if stream == "push":
            label = _("Changes made here")
        elif kind == "deleted":
            label = _("%(object)s deletions") % {"object": object_label(sobject)}
        else:
            label = _("%(object)s records") % {"object": object_label(sobject)}
        rows.append(((stream == "push", kind, sobject), label, moment))  # records, then deletions, then pushes
    return [(label, moment) for _order, label, moment in sorted(rows, key=lambda row: row[0])]


def _conflicts(request, run: SyncRun) -> list[dict]:
    rows = sync_run_conflicts(account=request.account, run=run)
    if rows:
        labels = field_labels(request.account)
        for row in rows:
            row["field_label"] = labels.get(row.get("field"), row.get("field") or "")
            row["object_label"] = object_label(str(row.get("object") or ""))
    return rows


@view_required
@require_safe
def run_detail(request, pk: int):
    """One run in words; while it is running, its summary and figures ask for themselves again (htmx)."""
    run = selectors.sync_run_get(account=request.account, pk=pk)
    figures = run_figures_list(run.details)
    details = run.details or {}
    context = {
        "run": run,
        "connection": connection_find(request),  # the account's Salesforce connection, which the run belongs to
        "duration": duration_text(run),
        "running": run.state == SyncRun.State.RUNNING,
        "stage": stage_text(details),
        "figures_in": figures[IN],
        "figures_out": figures[OUT],
        "pushed": pushed_text(details),
        "linking_rule": bool(details.get("shared_contact") or details.get("linked_existing")),
        "watermark": _watermark(run),
        "can_manage": can_manage(request),
        "section": "runs",
    }
    if request.htmx:
        return render(request, "integrations/_run_body.html", context)
    errors = selectors.sync_errors_list(account=request.account).filter(run=run).select_related("contact")
    context.update(
        conflicts=_conflicts(request, run),
        errors=errors[:50],
        error_count=errors.count(),
    )
    return render(request, "integrations/syncrun_detail.html", context)


def _since(value: str | None, now: datetime) -> datetime | None:
    """The moment "Sync now" was pressed, from the page's address (seconds since the epoch); None if unusable."""
    if not value or not value.isdigit() or len(value) > 12:
        return None
    moment = datetime.fromtimestamp(int(value), tz=timezone.get_current_timezone())
    return moment if moment <= now + START_SKEW else None


def progress_context(request, connection) -> dict:
    """What the sync progress panel of the connection screen shows (SPEC UX-2):

    - `?run=ID`: that run, asked for again every second while it is running;
    - `?since=SECONDS`: the run "Sync now" started at that moment — until it starts, a note that it is
      about to, for WAIT_FOR_START at most;
    - neither: the sync that is running now, if any (a scheduled one, or one started elsewhere).

    Runs that only write to Salesforce (opt-outs, markers) are not syncs a person started: left out.
    """
    now = timezone.now()
    run, waiting, late, query = None, False, False, {}
    if connection is not None:
        syncs = selectors.sync_runs_list(account=request.account, connection=connection).exclude(kind=SyncRun.Kind.PUSH)
        run_id, since = request.GET.get("run", ""), _since(request.GET.get("since"), now)
        if run_id.isdigit() and len(run_id) < 12:
            run = selectors.sync_run_get(account=request.account, pk=int(run_id))
        elif since is not None:
            run = syncs.filter(started_at__gte=since - START_SKEW).order_by("started_at", "id").first()
            waiting = run is None and now - since < WAIT_FOR_START
            late = run is None and not waiting
            query = {"since": request.GET["since"]}
        else:
            run = syncs.filter(state=SyncRun.State.RUNNING).first()
    if run is not None:
        query = {"run": run.pk}
    running = run is not None and run.state == SyncRun.State.RUNNING
    return {
        "progress_run": run,
        "progress_running": running,
        "progress_stage": stage_text(run.details) if running else "",
        "progress_received": (run.details or {}).get("received", 0) if run is not None else 0,
        "progress_waiting": waiting,
        "progress_late": late,
        "progress_poll": running or waiting,
        "progress_url": f"{reverse('integrations:run_progress')}?{urlencode(query)}",
    }


@view_required
@require_safe
def run_progress(request):
    """The sync progress panel alone, for htmx to swap in."""
    context = progress_context(request, connection_find(request))
    return render(request, "integrations/_run_progress.html", context)


@manage_required
@require_POST
def run_cancel(request, pk: int):
    run = selectors.sync_run_get(account=request.account, pk=pk)
    if run.state != SyncRun.State.RUNNING:
        messages.info(request, _("This run has already ended."))
    else:
        services.sync_run_cancel(account=request.account, run=run, actor=request.user)
        messages.success(request, _("The run stops at its next batch."))
    return redirect("integrations:run_detail", pk=run.pk)
