"""Reads of connections, sync runs and sync errors, always within one account (the scheduler's
`connections_due` alone looks across accounts)."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketing.accounts.models import Account
from marketing.core.tenancy import tenant_get

from . import registry
from .models import Connection, ExternalRef, SyncError, SyncRun

# A run still "running" after this long died with its worker: it no longer holds the next sync back.
RUNNING_FOR_AT_MOST = timedelta(hours=2)


def connection_list(*, account: Account) -> QuerySet[Connection]:
    return Connection.objects.filter(account=account).order_by("provider")


def connection_find(*, account: Account, provider: str) -> Connection | None:
    return Connection.objects.filter(account=account, provider=provider).first()


def connection_get(*, account: Account, provider: str) -> Connection:
    return tenant_get(Connection, account=account, provider=provider, message=_("This integration is not connected."))


def synced_contacts_count(*, account: Account, provider: str, contact_ids) -> int:
    """How many of these contacts (a list of ids, or a query of ids) are linked to a live record of the
    provider: a record neither deleted there nor converted into another."""
    refs = ExternalRef.objects.filter(
        account=account,
        connection__provider=provider,
        contact_id__in=contact_ids,
        deleted_at__isnull=True,
        converted_to="",
    )
    return refs.values("contact_id").distinct().count()


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


def connections_due(now: datetime | None = None) -> list[int]:
    """Every account's connections to a registered provider that are active (or whose pause has run out),
    are not syncing already, and whose own interval has passed since their last sync."""
    now = now or timezone.now()
    candidates = Connection.objects.filter(provider__in=[provider.key for provider in registry.all()]).filter(
        Q(state=Connection.State.ACTIVE) | Q(state=Connection.State.PAUSED, paused_until__lte=now)
    )
    running = SyncRun.objects.filter(state=SyncRun.State.RUNNING, started_at__gte=now - RUNNING_FOR_AT_MOST)
    candidates = candidates.exclude(pk__in=running.values("connection_id"))
    rows = candidates.order_by("pk").values_list("pk", "last_sync_at", "schedule_minutes")
    # In Python: each connection has its own interval, and a duration times a column is not portable SQL.
    return [
        pk
        for pk, last_sync_at, minutes in rows
        if last_sync_at is None or last_sync_at <= now - timedelta(minutes=minutes)
    ]
