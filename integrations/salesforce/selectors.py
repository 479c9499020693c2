"""Reads of a Salesforce connection's own rows, always within one account."""

from django.utils.translation import gettext as _

from contacts.models import Contact
from integrations.models import Connection, SyncRun
from marketing.accounts.models import Account
from marketing.core.tenancy import tenant_get

from .models import SalesforceConnection, SalesforceSettings


def salesforce_connection_find(*, account: Account) -> SalesforceConnection | None:
    return SalesforceConnection.objects.filter(account=account).first()


def salesforce_connection_get(*, account: Account) -> SalesforceConnection:
    return tenant_get(SalesforceConnection, account=account, message=_("This integration is not connected."))


def salesforce_settings_find(*, account: Account, connection: Connection) -> SalesforceSettings | None:
    return SalesforceSettings.objects.filter(account=account, connection=connection).first()


def salesforce_settings_get(*, account: Account, connection: Connection) -> SalesforceSettings:
    return tenant_get(SalesforceSettings, account=account, connection=connection)


def sync_run_conflicts(*, account: Account, run: SyncRun) -> list[dict]:
    """A run's logged fields changed on both sides (SPEC SF-7), each with its contact if it is still
    there and the winner in words; [] for runs without the log."""
    logged = (run.details or {}).get("conflicts")
    if not isinstance(logged, list):
        return []
    rows = [row for row in logged if isinstance(row, dict)]
    ids = {row.get("contact_id") for row in rows if isinstance(row.get("contact_id"), int)}
    contacts = Contact.objects.filter(account=account, pk__in=ids).in_bulk() if ids else {}
    winners = dict(SalesforceSettings.PreferredSystem.choices)
    return [
        {
            **row,
            "contact": contacts.get(row.get("contact_id")),
            "winner_label": winners.get(row.get("winner"), row.get("winner") or ""),
        }
        for row in rows
    ]
