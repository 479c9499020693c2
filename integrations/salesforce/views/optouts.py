"""One-time sends and the sync's scope on the Salesforce connection screen: past unsubscribes sent to
Salesforce (SPEC SF-10) and stopping the sync of one group (SPEC SF-16)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from contacts import selectors as contact_selectors
from marketing.core.errors import ApplicationError

from .. import services
from ..models import SalesforceSettings
from .common import connection_get, ensure_can_manage, view_required
from .oauth import PAGE

PAST_OPTOUTS_DEFAULT = timedelta(days=365)


class PastOptoutsForm(forms.Form):
    since = forms.DateTimeField(
        label=gettext_lazy("Send unsubscribes since"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"),
    )


def past_optouts_initial(settings: SalesforceSettings | None):
    """Where the next one-time send starts: the last one, or a year back when there was none."""
    if settings is not None and settings.optouts_pushed_at:
        return settings.optouts_pushed_at
    return timezone.now() - PAST_OPTOUTS_DEFAULT


def push_panel(*, account, settings: SalesforceSettings | None) -> dict:
    """What the connection screen shows of past unsubscribes and the synced groups."""
    if settings is None:
        return {"settings": None}
    group_ids = settings.synced_groups.values_list("pk", flat=True)
    return {
        "settings": settings,
        "form": PastOptoutsForm(initial={"since": past_optouts_initial(settings)}),
        "last_sent": settings.optouts_pushed_at,
        "groups": list(contact_selectors.group_list(account=account).filter(pk__in=group_ids)),
    }


@view_required
@require_POST
def salesforce_past_optouts(request):
    ensure_can_manage(request)
    connection = connection_get(request)
    form = PastOptoutsForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("since", []):
            messages.error(request, f"{form.fields['since'].label}: {error}")
        return redirect(PAGE)
    since = form.cleaned_data["since"]
    try:
        services.salesforce_past_optouts_start(
            account=request.account, actor=request.user, connection=connection, since=since
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Unsubscribes since %(since)s are being sent to Salesforce; the run shows under Sync runs.")
            % {"since": date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT")},
        )
    return redirect(PAGE)


@view_required
@require_POST
def salesforce_group_unsync(request, group_id: int):
    ensure_can_manage(request)
    connection = connection_get(request)
    group = contact_selectors.group_get(account=request.account, pk=group_id)
    try:
        services.salesforce_group_unsync(
            account=request.account, actor=request.user, connection=connection, group=group
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The group “%(name)s” no longer syncs with Salesforce. Its contacts stay.") % {"name": group.name},
        )
    return redirect(PAGE)
