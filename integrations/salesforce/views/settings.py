"""The Salesforce settings screen (SPEC SF-2 … SF-6, SF-15): what syncs, the field mapping from describe,
opt-outs, deletions, the schedule and the API budget."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contacts import selectors as contact_selectors
from integrations.models import Connection
from marketing.core.errors import ApplicationError, TransientError

from ..forms import SalesforceSettingsForm
from ..models import SalesforceConnection, SalesforceSettings
from ..screens import object_fields, salesforce_setup_save
from ..selectors import salesforce_settings_find
from .common import can_manage, connection_find, ensure_can_manage, form_error, view_required
from .oauth import PAGE


def _remote_fields(connection: SalesforceConnection, *, refresh: bool) -> tuple[dict | None, str]:
    """The org's Lead and Contact fields, or None and why they could not be read."""
    if connection.state == Connection.State.DISCONNECTED:
        return None, _("Salesforce is disconnected, so its fields cannot be listed.")
    if connection.auth_flow == SalesforceConnection.AuthFlow.WEB_SERVER and not connection.refresh_token:
        return None, _("Finish connecting Salesforce to choose its fields from lists.")
    try:
        return object_fields(connection=connection, refresh=refresh), ""
    except ApplicationError as exc:
        return None, exc.message
    except TransientError as exc:
        return None, str(exc)


@view_required
@require_http_methods(["GET", "POST"])
def salesforce_settings(request):
    connection = connection_find(request)
    if connection is None:
        messages.info(request, _("Connect Salesforce first; its settings come next."))
        return redirect(PAGE)
    if request.method == "POST":
        ensure_can_manage(request)
    settings = salesforce_settings_find(account=request.account, connection=connection)
    if settings is None:  # not saved yet: the defaults of a new connection
        settings = SalesforceSettings(account=request.account, connection=connection)
    remote, remote_problem = _remote_fields(connection, refresh=request.GET.get("refresh") == "1")
    form = SalesforceSettingsForm(
        request.POST or None,
        account=request.account,
        connection=connection,
        settings=settings,
        remote=remote,
        custom_fields=list(contact_selectors.custom_field_list(account=request.account)),
    )
    manage = can_manage(request)
    if not manage:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            salesforce_setup_save(
                account=request.account, connection=connection, actor=request.user, **form.service_kwargs()
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Salesforce settings saved. The next sync uses them."))
            return redirect("integrations:salesforce_settings")
    context = {
        "connection": connection,
        "form": form,
        "remote_problem": remote_problem,
        "can_manage": manage,
        "section": "settings",
    }
    return render(request, "integrations/salesforce_settings.html", context)
