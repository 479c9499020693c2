"""Reads of connections, sync runs and sync errors, always within one account."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact
from marketing.accounts.models import Account
from marketing.core.tenancy import tenant_get

from .models import Connection, SalesforceSettings, SyncError, SyncRun


def connection_list(*, account: Account) -> QuerySet[Connection]:
    return Connection.objects.filter(account=account).order_by("provider")


def connection_find(*, account: Account, provider: str) -> Connection | None:
    return Connection.objects.filter(account=account, provider=provider).first()


def connection_get(*, account: Account, provider: str) -> Connection:
    return tenant_get(Connection, account=account, provider=provider, message=_("This integration is not connected."))


def salesforce_settings_find(*, account: Account, connection: Connection) -> SalesforceSettings | None:
    return SalesforceSettings.objects.filter(account=account, connection=connection).first()


def salesforce_settings_get(*, account: Account, connection: Connection) -> SalesforceSettings:
    return tenant_get(SalesforceSettings, account=account, connection=connection)


def sync_runs_list(
    *, account: Account, connection: Connection | None = None, kind: str | None = None
) -> QuerySet[SyncRun]:
    qs = SyncRun.objects.filter(account=account)
    if connection is not None:
        qs = qs.filter(connection=connection)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-started_at", "-id")


def sync_run_get(*, account: Account, pk: int) -> SyncRun:
    return tenant_get(SyncRun, account=account, pk=pk)


def sync_errors_list(
    *,
    account: Account,
    state: str | None = None,
    connection: Connection | None = None,
    direction: str | None = None,
) -> QuerySet[SyncError]:
    qs = SyncError.objects.filter(account=account)
    if state:
        qs = qs.filter(state=state)
    if connection is not None:
        qs = qs.filter(connection=connection)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.order_by("-updated_at", "-id")


def sync_error_get(*, account: Account, pk: int) -> SyncError:
    return tenant_get(SyncError, account=account, pk=pk)


def sync_errors_due(*, account: Account, connection: Connection, now: datetime | None = None) -> QuerySet[SyncError]:
    """Pending errors whose next attempt is due, oldest first."""
    return SyncError.objects.filter(
        account=account,
        connection=connection,
        state=SyncError.State.PENDING,
        next_attempt_at__lte=now or timezone.now(),
    ).order_by("next_attempt_at", "id")


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
