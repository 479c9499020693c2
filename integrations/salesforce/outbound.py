"""Writes to Salesforce between scheduled syncs: opt-outs within the minute, group-removal markers, and
the one-time push of past unsubscribes (SPEC SF-8, SF-9, SF-10). Each is a "push" run in the sync log."""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils import timezone

from ..models import Connection, SyncRun
from ..services import sync_run_finish, sync_run_start
from .client import SalesforceClient
from .errors import ApiLimitReached
from .models import SalesforceConnection, SalesforceSettings
from .push import Pusher, marker_changes, optout_refs
from .services import salesforce_settings_init


def _push_run(connection: Connection, what: str, work: Callable[[Pusher], None]) -> SyncRun:
    connection = SalesforceConnection.of(connection)
    account = connection.account
    settings = SalesforceSettings.objects.filter(connection=connection).first()
    if settings is None:
        settings, _created = salesforce_settings_init(account=account, connection=connection)
    run = sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.PUSH)
    with SalesforceClient(connection) as client:
        pusher = Pusher(connection=connection, settings=settings, client=client, run=run)
        try:
            work(pusher)
        except ApiLimitReached as exc:
            sync_run_finish(
                account=account,
                run=run,
                api_calls=client.api_calls,
                stop_reason=exc.text,
                details=dict(pusher.counts),
            )
            raise
        except Exception:
            sync_run_finish(
                account=account,
                run=run,
                state=SyncRun.State.FAILED,
                api_calls=client.api_calls,
                details=dict(pusher.counts),
            )
            raise
        counts = pusher.counts
        return sync_run_finish(
            account=account,
            run=run,
            records_out=counts["records_out"],
            records_failed=counts["failed_out"],
            api_calls=client.api_calls,
            details={"what": what, **counts},
        )


def optouts_push(*, connection: Connection, channel: str, points: Iterable[str]) -> SyncRun | None:
    """A platform unsubscribe → the channel's opt-out field set in Salesforce (SPEC SF-9). None when
    no linked record stands behind the points (nothing to write, no run in the log)."""
    points = [p for p in points if p]
    if not optout_refs(connection, channel, points).exists():
        return None
    return _push_run(connection, "optouts", lambda pusher: pusher.push_optouts(channel, points))


def markers_push(*, connection: Connection, contact_ids: Iterable[int]) -> SyncRun | None:
    """Contacts that left (or rejoined) a synced group → the marker field set (or cleared) (SPEC SF-8).
    None when no linked record needs a change."""
    contact_ids = list(contact_ids)
    settings = SalesforceSettings.objects.filter(connection=connection).first()
    if settings is None or not settings.deleted_marker_field or not marker_changes(connection, settings, contact_ids):
        return None
    return _push_run(connection, "markers", lambda pusher: pusher.push_markers(contact_ids))


def past_optouts_push(*, connection: Connection, since: datetime) -> SyncRun:
    """SPEC SF-10: every unsubscribe since `since` pushed once; the setting's "last run" becomes now."""
    started = timezone.now()
    run = _push_run(connection, "past_optouts", lambda pusher: pusher.push_past_optouts(since))
    SalesforceSettings.objects.filter(connection=connection).update(optouts_pushed_at=started)
    return run
