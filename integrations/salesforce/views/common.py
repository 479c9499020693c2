"""What every Salesforce screen shares: the permission gates, the account's Salesforce connection,
starting a sync after commit, and putting a service's refusal on a form."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from integrations.models import Connection
from integrations.tasks import connection_sync
from marketing.accounts.roles import Perm, has_perm
from marketing.accounts.views import account_required
from marketing.core.errors import ApplicationError
from marketing.core.paging import paginate

from ..models import PROVIDER, SalesforceConnection
from ..selectors import salesforce_connection_find, salesforce_connection_get

# Members who see contacts see how they sync; changing the connection is for those who manage integrations.
view_required = account_required(Perm.CONTACTS_VIEW)
manage_required = account_required(Perm.INTEGRATIONS_MANAGE)

__all__ = [
    "PROVIDER",
    "can_manage",
    "connection_find",
    "connection_get",
    "ensure_can_manage",
    "form_error",
    "manage_required",
    "paginate",
    "sync_enqueue",
    "view_required",
]


def can_manage(request) -> bool:
    return has_perm(request.membership, Perm.INTEGRATIONS_MANAGE)


def ensure_can_manage(request) -> None:
    if not can_manage(request):
        raise PermissionDenied(_("Your role does not allow this."))


def connection_find(request) -> SalesforceConnection | None:
    return salesforce_connection_find(account=request.account)


def connection_get(request) -> SalesforceConnection:
    return salesforce_connection_get(account=request.account)


def sync_enqueue(connection: Connection, *, full: bool = False) -> None:
    """Start a sync of `connection` (the generic task) once the current transaction commits."""
    connection_id = connection.pk
    if full:
        transaction.on_commit(lambda: connection_sync.delay(connection_id, full=True))
    else:
        transaction.on_commit(lambda: connection_sync.delay(connection_id))


def form_error(form, exc: ApplicationError) -> None:
    """A service's refusal goes on the form fields it names, else on top of the form."""
    details = exc.details if isinstance(exc.details, dict) else {}
    name = details.get("field")
    if isinstance(name, str):
        form.add_error(name if name in form.fields else None, exc.message)
        return
    placed = False
    for key, errors in details.items():
        if isinstance(errors, list | tuple) and errors:
            form.add_error(key if key in form.fields else None, [str(e) for e in errors])
            placed = True
    if not placed:
        form.add_error(None, exc.message)
