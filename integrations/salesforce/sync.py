"""One Salesforce sync run, start to end: the service behind the schedule, "Sync now" and the command."""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketing.core.errors import ApplicationError

from ..models import Connection, SalesforceSettings, SyncRun
from ..services import connection_pause, salesforce_settings_init, sync_run_finish, sync_run_start
from .client import SalesforceClient
from .errors import ApiLimitReached, SalesforceLimitExceeded
from .mapping import object_plans
from .pull import Puller, RunCancelled
from .push import Pusher

logger = logging.getLogger(__name__)


def _kind(connection: Connection, full: bool) -> str:
    if full:
        return SyncRun.Kind.FULL
    done = connection.cursors.filter(full_sync_done_at__isnull=False).exists()
    return SyncRun.Kind.INCREMENTAL if done else SyncRun.Kind.INITIAL


def salesforce_sync(*, connection: Connection, full: bool = False) -> SyncRun:
    """Pull what changed (everything the first time, or with `full`), then deletions, then due retries.

    Limits end the run cleanly ("stopped", with the reason) and the next run carries on from the last
    committed page; REQUEST_LIMIT_EXCEEDED also pauses the connection until Salesforce's next window.
    """
    account = connection.account
    settings = SalesforceSettings.objects.filter(connection=connection).first()
    if settings is None:
        settings, _created = salesforce_settings_init(account=account, connection=connection)
    run = sync_run_start(account=account, connection=connection, kind=_kind(connection, full))
    plans = object_plans(settings)
    stop_reason, state = "", None
    with SalesforceClient(connection) as client:
        puller = Puller(connection=connection, settings=settings, client=client, run=run)
        try:
            for plan in plans:
                puller.pull_object(plan, full=full)
            Pusher(connection=connection, settings=settings, client=client, run=run, counts=puller.counts).push()
            for plan in plans:
                puller.pull_deletes(plan)
            puller.retry_due(plans)
        except SalesforceLimitExceeded as exc:
            stop_reason = exc.message
            connection_pause(account=account, connection=connection, until=exc.resume_at, reason=exc.message)
        except ApiLimitReached as exc:
            stop_reason = exc.message
        except RunCancelled:
            state = SyncRun.State.CANCELLED
        except ApplicationError as exc:
            stop_reason, state = exc.message, SyncRun.State.FAILED
        except Exception:
            logger.exception("salesforce sync run %s failed", run.pk)
            sync_run_finish(
                account=account,
                run=run,
                state=SyncRun.State.FAILED,
                api_calls=client.api_calls,
                details=dict(puller.counts),
                stop_reason=_("An unexpected error stopped the run; it will be tried again."),
            )
            raise
        counts = puller.counts
        applied = counts["new"] + counts["updated"] + counts["unchanged"] + counts["converted"]
        failed = counts["failed"] + counts["failed_out"]
        watermark = {c.stream: c.watermark.isoformat() for c in connection.cursors.all() if c.watermark}
        return sync_run_finish(
            account=account,
            run=run,
            state=state,
            records_in=applied,
            records_out=counts["records_out"],
            records_failed=failed,
            api_calls=client.api_calls,
            watermark=watermark,
            stop_reason=stop_reason,
            details={**counts, **({"conflicts": puller.conflicts} if puller.conflicts else {})},
        )


def connections_due(now=None) -> list[int]:
    """Active (or pause-expired) Salesforce connections whose own interval has passed since their last sync."""
    now = now or timezone.now()
    candidates = Connection.objects.filter(provider="salesforce").filter(
        Q(state=Connection.State.ACTIVE) | Q(state=Connection.State.PAUSED, paused_until__lte=now)
    )
    running = SyncRun.objects.filter(state=SyncRun.State.RUNNING, started_at__gte=now - timedelta(hours=2))
    candidates = candidates.exclude(pk__in=running.values("connection_id"))
    rows = candidates.values_list("pk", "last_sync_at", "schedule_minutes")
    # In Python: each connection has its own interval, and a duration times a column is not portable SQL.
    return [
        pk
        for pk, last_sync_at, minutes in rows
        if last_sync_at is None or last_sync_at <= now - timedelta(minutes=minutes)
    ]
