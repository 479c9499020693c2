"""The API budget of a connection (SPEC SF-15).

Two limits, checked before every call:

- the daily share: Salesforce reports the organization's use of its daily API
  limit in `Sforce-Limit-Info: api-usage=USED/MAX` (every app of the org
  counts). We stop before the org's use passes `daily_share_percent` of MAX, so
  the rest stays for the customer's other integrations;
- the hourly cap: this connection's own calls in the current clock hour, kept
  in `ApiUsage` so every worker process sees the same count.

The org figure is trusted only within the hour it was read: after that one call
is let through, and its header brings a fresh figure.
"""

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.models import Connection
from marketing.core.texts import Text

from .errors import BudgetExhausted
from .models import ApiUsage

__all__ = ["ApiBudget", "BudgetExhausted", "hour_start"]

KEEP_DAYS = 30


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class ApiBudget:
    def __init__(self, connection: Connection):
        self.connection = connection

    def _current(self, now: datetime) -> ApiUsage | None:
        return ApiUsage.objects.filter(connection=self.connection, hour=hour_start(now)).first()

    def status(self, now: datetime | None = None) -> dict:
        """What the budget looks like now, for screens and run summaries."""
        now = now or timezone.now()
        row = self._current(now)
        org_max = row.org_max if row else None
        return {
            "hour_calls": row.calls if row else 0,
            "hourly_cap": self.connection.hourly_call_cap,
            "org_used": row.org_used if row else None,
            "org_max": org_max,
            "org_allowed": self.daily_allowance(org_max) if org_max else None,
            "share_percent": self.connection.daily_share_percent,
        }

    def daily_allowance(self, org_max: int) -> int:
        return org_max * self.connection.daily_share_percent // 100

    def check(self, calls: int = 1, now: datetime | None = None) -> None:
        """Raise `BudgetExhausted` when `calls` more calls would pass the hourly cap or the daily share."""
        now = now or timezone.now()
        row = self._current(now)
        next_hour = hour_start(now) + timedelta(hours=1)
        used_this_hour = row.calls if row else 0
        cap = self.connection.hourly_call_cap
        if used_this_hour + calls > cap:
            raise BudgetExhausted(
                Text(
                    gettext_noop("hourly API budget reached (%(used)s of %(cap)s calls this hour)"),
                    used=used_this_hour,
                    cap=cap,
                ),
                resume_at=next_hour,
                details={"limit": "hourly", "used": used_this_hour, "cap": cap},
            )
        if row is not None and row.org_max:
            allowed = self.daily_allowance(row.org_max)
            if row.org_used + calls > allowed:
                raise BudgetExhausted(
                    Text(
                        gettext_noop(
                            "daily API share reached (the organization has used %(used)s of its %(max)s daily calls; "
                            "syncing stops at %(percent)s%%)"
                        ),
                        used=row.org_used,
                        max=row.org_max,
                        percent=self.connection.daily_share_percent,
                    ),
                    resume_at=next_hour,
                    details={"limit": "daily", "used": row.org_used, "max": row.org_max, "allowed": allowed},
                )

    def record(self, calls: int, limit_info: tuple[int, int] | None = None, now: datetime | None = None) -> None:
        """Count `calls` made now; `limit_info` is the (used, max) of the latest Sforce-Limit-Info, if any."""
        now = now or timezone.now()
        hour = hour_start(now)
        changes: dict = {"calls": F("calls") + calls, "updated_at": now}
        if limit_info is not None:
            changes["org_used"], changes["org_max"] = int(limit_info[0]), int(limit_info[1])
        rows = ApiUsage.objects.filter(connection=self.connection, hour=hour)
        if rows.update(**changes):
            return
        fresh = ApiUsage(
            account_id=self.connection.account_id,
            connection=self.connection,
            hour=hour,
            calls=calls,
            org_used=changes.get("org_used"),
            org_max=changes.get("org_max"),
        )
        try:
            with transaction.atomic():
                fresh.save(force_insert=True)
        except IntegrityError:  # another process opened the hour first
            rows.update(**changes)
            return
        ApiUsage.objects.filter(connection=self.connection, hour__lt=hour - timedelta(days=KEEP_DAYS)).delete()
