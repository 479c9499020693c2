"""Sync runs (SPEC INT-1, SF-16): the recent runs with a chart of records and API calls, one run's details,
and cancelling a run that is still going."""

import json
from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from integrations import selectors, services
from integrations.models import SyncRun

from ..selectors import sync_run_conflicts
from .common import can_manage, connection_find, manage_required, paginate, view_required

PAGE_SIZE = 25
CHART_RUNS = 30


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
    connection, runs = _runs(request)
    page = paginate(request, runs, per_page=PAGE_SIZE)
    now = timezone.now()
    page.object_list = [(run, duration_text(run, now)) for run in page.object_list]
    context = {
        "connection": connection,
        "page": page,
        "chart": _chart(list(runs[:CHART_RUNS])),
        "can_manage": can_manage(request),
        "section": "runs",
    }
    return render(request, "integrations/syncrun_list.html", context)


def _pretty(value) -> tuple[str, bool]:
    """A detail as text, and whether it needs a block of its own (lists and objects as indented JSON)."""
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str), True
    return ("—" if value in (None, "") else str(value)), False


@view_required
@require_safe
def run_detail(request, pk: int):
    run = selectors.sync_run_get(account=request.account, pk=pk)
    errors = selectors.sync_errors_list(account=request.account).filter(run=run).select_related("contact")
    details = [(key, *_pretty(value)) for key, value in sorted((run.details or {}).items())]
    linking = run.details or {}
    context = {
        "linking_rule": bool(linking.get("shared_contact") or linking.get("linked_existing")),
        "run": run,
        "connection": run.connection,
        "duration": duration_text(run),
        "details": details,
        "conflicts": sync_run_conflicts(account=request.account, run=run),
        "watermark": _pretty(run.watermark)[0] if run.watermark else "",
        "errors": errors[:50],
        "error_count": errors.count(),
        "can_manage": can_manage(request),
        "section": "runs",
    }
    return render(request, "integrations/syncrun_detail.html", context)


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
