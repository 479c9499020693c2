"""Per-record sync errors (SPEC INT-1, SF-16): pending, given up and resolved; retry one or every given-up one."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from integrations import selectors, services
from integrations.models import SyncError

from ..screens import sync_errors_retry_dead
from .common import can_manage, connection_find, connection_get, manage_required, paginate, view_required

TABS = (SyncError.State.PENDING, SyncError.State.DEAD, SyncError.State.RESOLVED)


def _tab(value: str | None) -> str:
    return value if value in TABS else SyncError.State.PENDING


def _back(tab: str):
    return redirect(f"{reverse('integrations:errors')}?state={tab}")


@view_required
@require_safe
def error_list(request):
    tab = _tab(request.GET.get("state"))
    connection = connection_find(request)
    if connection is None:
        errors, counts = SyncError.objects.none(), {}
    else:
        every = selectors.sync_errors_list(account=request.account, connection=connection)
        counts = dict(every.order_by().values_list("state").annotate(n=Count("id")))
        errors = every.filter(state=tab).select_related("contact")
    tabs = [(state, SyncError.State(state).label, counts.get(state, 0)) for state in TABS]
    context = {
        "connection": connection,
        "tab": tab,
        "tabs": tabs,
        "page": paginate(request, errors),
        "can_manage": can_manage(request),
        "section": "errors",
    }
    return render(request, "integrations/syncerror_list.html", context)


@manage_required
@require_POST
def error_retry(request, pk: int):
    error = selectors.sync_error_get(account=request.account, pk=pk)
    services.sync_error_retry(account=request.account, error=error, actor=request.user)
    messages.success(request, _("The record is retried at the next sync."))
    return _back(_tab(request.POST.get("tab")))


@manage_required
@require_POST
def errors_retry_dead(request):
    count = sync_errors_retry_dead(account=request.account, connection=connection_get(request), actor=request.user)
    if count:
        text = ngettext(
            "%(count)d record is retried at the next sync.", "%(count)d records are retried at the next sync.", count
        )
        messages.success(request, text % {"count": count})
    else:
        messages.info(request, _("No record was given up."))
    return _back(SyncError.State.PENDING if count else SyncError.State.DEAD)
