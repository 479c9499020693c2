"""One Salesforce sync run, start to end: the service behind the schedule and "Sync now" (through the
registry and the generic `integrations.tasks.connection_sync`) and the sync_salesforce command."""

import logging

from django.utils.translation import gettext as _

from marketing.core.errors import ApplicationError

from ..models import Connection, SyncRun
from ..services import connection_pause, sync_run_finish, sync_run_start
from .client import SalesforceClient
from .errors import ApiLimitReached, SalesforceLimitExceeded
from .mapping import object_plans
from .models import SalesforceSettings
from .pull import Puller, RunCancelled
from .push import Pusher
from .services import salesforce_settings_init

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
