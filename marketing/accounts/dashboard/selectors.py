"""Reads for the dashboard (SPEC UX-1…3): the account's figures, each from its own app's tables, in a small
fixed number of queries whatever the account holds.

    figures = dashboard_figures(account=account, contacts=True, imports=True, integrations=True)

A part the reader may not open (`contacts`, `imports`, `integrations` False) is not read and is None.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from contacts.models import Channel, Contact, Group, ImportJob, Suppression
from contacts.selectors import import_job_list
from integrations.models import Connection, SyncRun
from integrations.selectors import connection_find, sync_runs_list

from ..models import Account

CHART_DAYS = 14
RECENT_IMPORTS = 5
NEW_CONTACTS_WINDOW = timedelta(days=7)
SALESFORCE = "salesforce"  # the provider key Salesforce registers under


@dataclass(frozen=True)
class ContactFigures:
    total: int
    new_this_week: int  # created in the last 7 days
    groups: int
    unsubscribes: int  # unsubscribed contact points, every channel
    unsubscribes_email: int
    unsubscribes_sms: int
    days: list[tuple[date, int]]  # new contacts per day in the account's time zone, oldest first


@dataclass(frozen=True)
class ConnectionFigures:
    connection: Connection | None  # None: never connected
    last_run: SyncRun | None
    next_run_at: datetime | None  # when the schedule starts the next sync; None when none will start by itself
    next_run_due: bool  # the schedule starts it at its next tick (never synced, or overdue)

    @property
    def connected(self) -> bool:
        return self.connection is not None and self.connection.state != Connection.State.DISCONNECTED


@dataclass(frozen=True)
class Dashboard:
    sms_credits: int
    contacts: ContactFigures | None
    imports: list[ImportJob] | None
    salesforce: ConnectionFigures | None


def dashboard_figures(
    *,
    account: Account,
    contacts: bool = True,
    imports: bool = True,
    integrations: bool = True,
    now: datetime | None = None,
) -> Dashboard:
    now = now or timezone.now()
    return Dashboard(
        sms_credits=account.sms_credits,
        contacts=contact_figures(account=account, now=now) if contacts else None,
        imports=list(import_job_list(account=account).order_by("-created_at", "-id")[:RECENT_IMPORTS])
        if imports
        else None,
        salesforce=connection_figures(account=account, provider=SALESFORCE, now=now) if integrations else None,
    )


def contact_figures(*, account: Account, now: datetime) -> ContactFigures:
    """Three queries: the contacts (total, new, one count a day, in one pass), the groups, the unsubscribes."""
    zone = zoneinfo.ZoneInfo(account.time_zone)
    today = timezone.localtime(now, zone).date()
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    # Day boundaries in the account's zone (a day around a clock change is 23 or 25 hours long).
    bounds = [datetime.combine(day, time.min, tzinfo=zone) for day in [*days, today + timedelta(days=1)]]
    per_day = {
        f"day_{n}": Count("id", filter=Q(created_at__gte=bounds[n], created_at__lt=bounds[n + 1]))
        for n in range(CHART_DAYS)
    }
    counts = Contact.objects.filter(account=account).aggregate(
        total=Count("id"), new=Count("id", filter=Q(created_at__gte=now - NEW_CONTACTS_WINDOW)), **per_day
    )
    unsubscribes = Suppression.objects.filter(account=account).aggregate(
        total=Count("id"),
        email=Count("id", filter=Q(channel=Channel.EMAIL)),
        sms=Count("id", filter=Q(channel=Channel.SMS)),
    )
    return ContactFigures(
        total=counts["total"],
        new_this_week=counts["new"],
        groups=Group.objects.filter(account=account).count(),
        unsubscribes=unsubscribes["total"],
        unsubscribes_email=unsubscribes["email"],
        unsubscribes_sms=unsubscribes["sms"],
        days=[(day, counts[f"day_{n}"]) for n, day in enumerate(days)],
    )


def connection_figures(*, account: Account, provider: str, now: datetime) -> ConnectionFigures:
    """Two queries: the connection, its latest run. The next run follows the scheduler's own rule
    (`integrations.selectors.connections_due`): the last sync plus the connection's interval."""
    connection = connection_find(account=account, provider=provider)
    if connection is None:
        return ConnectionFigures(connection=None, last_run=None, next_run_at=None, next_run_due=False)
    last_run = sync_runs_list(account=account, connection=connection).first()
    next_run_at = None
    if connection.state in (Connection.State.ACTIVE, Connection.State.PAUSED):
        interval = timedelta(minutes=connection.schedule_minutes)
        next_run_at = connection.last_sync_at + interval if connection.last_sync_at else now
        if connection.state == Connection.State.PAUSED:
            next_run_at = max(next_run_at, connection.paused_until) if connection.paused_until else None
    return ConnectionFigures(
        connection=connection,
        last_run=last_run,
        next_run_at=next_run_at,
        next_run_due=next_run_at is not None and next_run_at <= now,
    )
