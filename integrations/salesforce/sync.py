"""One Salesforce sync run, start to end: the service behind the schedule and "Sync now" (through the
registry and the generic `integrations.tasks.connection_sync`) and the sync_salesforce command."""

import logging

from django.utils.translation import gettext_noop

from marketing.core.errors import ApplicationError, TransientError
from marketing.core.texts import storable, stored

from ..models import Connection, SyncRun
from ..services import connection_pause, sync_run_finish, sync_run_start
from .client import SalesforceClient
from .errors import ApiLimitReached, SalesforceLimitExceeded
from .mapping import object_plans
from .models import SalesforceConnection, SalesforceSettings
from .progress import run_figures, run_stage
from .pull import Puller, RunCancelled
from .push import Pusher
from .services import salesforce_settings_init

logger = logging.getLogger(__name__)


def _stage(puller: Puller, name: str, sobject: str = "") -> None:
    """The run moves on to its next stage (the screens show it); a run cancelled meanwhile stops here."""
    if not run_stage(puller, name, sobject):
        raise RunCancelled


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
    connection = SalesforceConnection.of(connection)
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
                _stage(puller, "pull", plan.sobject)
                puller.pull_object(plan, full=full)
            _stage(puller, "push")
            Pusher(connection=connection, settings=settings, client=client, run=run, counts=puller.counts).push()
            _stage(puller, "deletes")
            for plan in plans:
                puller.pull_deletes(plan)
            _stage(puller, "retries")
            puller.retry_due(plans)
        except SalesforceLimitExceeded as exc:
            stop_reason = exc.text
            connection_pause(account=account, connection=connection, until=exc.resume_at, reason=exc.text)
        except ApiLimitReached as exc:
            stop_reason = exc.text
        except RunCancelled:
            state = SyncRun.State.CANCELLED
        except ApplicationError as exc:
            stop_reason, state = exc.text, SyncRun.State.FAILED
        except Exception as exc:
            logger.exception("salesforce sync run %s failed", run.pk)
            unreachable = isinstance(exc, TransientError)  # retried by the task: its own words say so
            sync_run_finish(
                account=account,
                run=run,
                state=SyncRun.State.FAILED,
                api_calls=client.api_calls,
                details=dict(puller.counts),
                stop_reason=storable(exc)
                if unreachable
                else stored(gettext_noop("An unexpected error stopped the run; it will be tried again.")),
                **run_figures(puller.counts),
            )
            raise
        counts = puller.counts
        watermark = {c.stream: c.watermark.isoformat() for c in connection.cursors.all() if c.watermark}
        return sync_run_finish(
            account=account,
            run=run,
            state=state,
            **run_figures(counts),
            api_calls=client.api_calls,
            watermark=watermark,
            stop_reason=stop_reason,
            details={**counts, **({"conflicts": puller.conflicts} if puller.conflicts else {})},
        )
