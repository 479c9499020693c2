"""The Salesforce connection screen (SPEC INT-1, SF-1, SF-15, SF-16): status and budget, connect, test,
sync now, pause and resume, disconnect."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from integrations import selectors, services
from integrations.models import Connection, SyncError
from marketing.core.errors import ApplicationError
from marketing.core.texts import rendered, stored

from ..budget import ApiBudget
from ..forms import ConnectForm, PauseForm
from ..models import SalesforceConnection
from ..screens import connected_as
from ..selectors import salesforce_settings_find
from ..services import salesforce_connection_save
from .common import (
    can_manage,
    connection_find,
    connection_get,
    form_error,
    manage_required,
    sync_enqueue,
    view_required,
)
from .oauth import PAGE, authorize_redirect, connection_finish
from .optouts import push_panel
from .runs import progress_context


def _percent(part, whole) -> int | None:
    if not whole or part is None:
        return None
    return min(100, round(100 * part / whole))


def _status(account, connection: SalesforceConnection) -> dict:
    budget = ApiBudget(connection).status()
    budget["hour_percent"] = _percent(budget["hour_calls"], budget["hourly_cap"])
    budget["org_percent"] = _percent(budget["org_used"], budget["org_max"])
    budget["share_reached"] = budget["org_allowed"] is not None and budget["org_used"] >= budget["org_allowed"]
    counts = dict(
        selectors.sync_errors_list(account=account, connection=connection)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    settings = salesforce_settings_find(account=account, connection=connection)
    return {
        "budget": budget,
        "who": connected_as(connection),
        "last_run": selectors.sync_runs_list(account=account, connection=connection).first(),
        "error_counts": {state: counts.get(state, 0) for state in SyncError.State.values},
        "settings": settings,
        "push": push_panel(account=account, settings=settings),
        "needs_authorization": connection.auth_flow == SalesforceConnection.AuthFlow.WEB_SERVER
        and not connection.refresh_token
        and connection.state != Connection.State.DISCONNECTED,
    }


def _page(request, *, form: ConnectForm | None = None, status: int = 200):
    connection = connection_find(request)
    manage = can_manage(request)
    editing = form is not None or request.GET.get("edit") == "1"
    context = {
        "connection": connection,
        "can_manage": manage,
        "section": "connection",
        "callback_url": request.build_absolute_uri(reverse("integrations:salesforce_callback")),
        "show_form": manage and (connection is None or connection.state == Connection.State.DISCONNECTED or editing),
        "form": form or (ConnectForm(connection=connection) if manage else None),
        "pause_form": PauseForm(),
    }
    if connection is not None:
        context.update(_status(request.account, connection))
    context.update(progress_context(request, connection))  # a sync going on, or the one "Sync now" started
    return render(request, "integrations/salesforce_connection.html", context, status=status)


@view_required
@require_safe
def salesforce_connection(request):
    return _page(request)


@manage_required
@require_POST
def salesforce_connect(request):
    """Save where and how to sign in; the browser flow goes on at Salesforce, the others are tested at once."""
    form = ConnectForm(request.POST, connection=connection_find(request))
    if not form.is_valid():
        return _page(request, form=form)
    try:
        connection = salesforce_connection_save(
            account=request.account, actor=request.user, connect=True, **form.service_kwargs()
        )
    except ApplicationError as exc:
        form_error(form, exc)
        return _page(request, form=form)
    if connection.auth_flow == SalesforceConnection.AuthFlow.WEB_SERVER:
        return authorize_redirect(request, connection)
    return connection_finish(request, connection)


@manage_required
@require_POST
def salesforce_test(request):
    connection = connection_get(request)
    status = services.connection_test(account=request.account, connection=connection, actor=request.user)
    if status.ok:
        messages.success(request, status.message)
    else:
        messages.error(request, status.message)
    return redirect(PAGE)


@manage_required
@require_POST
def salesforce_sync(request):
    """Sync now; a full sync reads every record again instead of only the changes."""
    connection = connection_get(request)
    paused = connection.state == Connection.State.PAUSED and (
        connection.paused_until is None or connection.paused_until > timezone.now()
    )
    if connection.state == Connection.State.DISCONNECTED:
        messages.error(request, _("Salesforce is disconnected. Connect it again to sync."))
    elif connection.state == Connection.State.ERROR:
        messages.error(
            request,
            _("The connection needs attention before it can sync: %(message)s")
            % {"message": rendered(connection.status_message) or _("test the connection")},
        )
    elif paused:
        messages.warning(request, _("Syncing is paused. Resume it first."))
    else:
        sync_enqueue(connection, full=request.POST.get("full") == "1")
        messages.success(request, _("The sync has started; its progress shows below."))
        started = urlencode({"since": int(timezone.now().timestamp())})  # the panel follows the run it starts
        return redirect(f"{reverse(PAGE)}?{started}#sync-progress")
    return redirect(PAGE)


@manage_required
@require_POST
def salesforce_pause(request):
    connection = connection_get(request)
    form = PauseForm(request.POST)
    hours = form.cleaned_data["hours"] if form.is_valid() else 0
    until = timezone.now() + timedelta(hours=hours) if hours else None
    name = request.user.get_full_name() or request.user.get_username()
    try:
        services.connection_pause(
            account=request.account,
            connection=connection,
            until=until,
            reason=stored(gettext_noop("paused by %(name)s"), name=name),  # read in each reader's language
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Syncing is paused."))
    return redirect(PAGE)


@manage_required
@require_POST
def salesforce_resume(request):
    services.connection_resume(account=request.account, connection=connection_get(request), actor=request.user)
    messages.success(request, _("Syncing is on again."))
    return redirect(PAGE)


@manage_required
@require_POST
def salesforce_disconnect(request):
    services.connection_disconnect(account=request.account, connection=connection_get(request), actor=request.user)
    messages.success(
        request,
        _(
            "Salesforce is disconnected: this platform's authorization was revoked and syncing stopped. "
            "Contacts already brought in stay."
        ),
    )
    return redirect(PAGE)
