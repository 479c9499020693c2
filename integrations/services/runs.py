"""Sync runs: opened, their figures saved as they go, closed with their totals, cancelled (SPEC INT-1, SF-16).

A run's stop reason is kept as a stored text (`marketing.core.texts`): each reader sees it in their language."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned
from marketing.core.texts import rendered, stored

from ..models import Connection, SyncRun

# --- sync runs ----------------------------------------------------------------------------------------


@transaction.atomic
def sync_run_start(*, account: Account, connection: Connection, kind: str) -> SyncRun:
    """Open a run. A pause whose time has passed ends here; a paused, failing or disconnected connection refuses."""
    ensure_owned(account, connection)
    if kind not in SyncRun.Kind.values:
        raise ApplicationError(_("Unknown kind of sync run."))
    connection = Connection.objects.select_for_update().get(pk=connection.pk, account=account)
    now = timezone.now()
    if connection.state == Connection.State.PAUSED:
        if connection.paused_until is None or connection.paused_until > now:
            raise ApplicationError(
                _("Syncing is paused: %(reason)s")
                % {"reason": rendered(connection.status_message) or _("paused by a person")},
                code="connection_paused",
                details={"until": connection.paused_until.isoformat() if connection.paused_until else None},
            )
        connection.state, connection.paused_until, connection.status_message = Connection.State.ACTIVE, None, ""
        connection.save(update_fields=["state", "paused_until", "status_message", "updated_at"])
    elif connection.state == Connection.State.DISCONNECTED:
        raise ApplicationError(
            _("This connection is disconnected. Connect it again to sync."), code="connection_disconnected"
        )
    elif connection.state == Connection.State.ERROR:
        raise ApplicationError(
            _("The connection needs attention before it can sync: %(message)s")
            % {"message": rendered(connection.status_message) or _("test the connection")},
            code="connection_error",
        )
    return SyncRun.objects.create(account=account, connection=connection, kind=kind, started_at=now)


def sync_run_progress(
    *,
    account: Account,
    run: SyncRun,
    records_in: int,
    records_out: int,
    records_failed: int,
    api_calls: int,
    details: dict,
) -> bool:
    """Save a running run's figures so far, in one UPDATE (SPEC UX-2: the screens show them as it goes).
    False when the run has ended meanwhile (cancelled by a person, or its connection disconnected)."""
    ensure_owned(account, run)
    return bool(
        SyncRun.objects.filter(pk=run.pk, account=account, state=SyncRun.State.RUNNING).update(
            records_in=records_in,
            records_out=records_out,
            records_failed=records_failed,
            api_calls=api_calls,
            details=details,
        )
    )


@transaction.atomic
def sync_run_finish(
    *,
    account: Account,
    run: SyncRun,
    state: str | None = None,
    records_in: int | None = None,
    records_out: int | None = None,
    records_failed: int | None = None,
    api_calls: int | None = None,
    watermark: dict | None = None,
    stop_reason: str = "",
    details: dict | None = None,
) -> SyncRun:
    """Close a run with its totals. Without `state`: stopped when there is a stop reason, partial when
    records failed, succeeded otherwise. A run that already ended (e.g. cancelled) keeps its state."""
    ensure_owned(account, run)
    run = SyncRun.objects.select_for_update().get(pk=run.pk, account=account)
    if run.state != SyncRun.State.RUNNING:
        return run
    for name, value in (
        ("records_in", records_in),
        ("records_out", records_out),
        ("records_failed", records_failed),
        ("api_calls", api_calls),
        ("watermark", watermark),
        ("details", details),
    ):
        if value is not None:
            setattr(run, name, value)
    run.stop_reason = str(stop_reason or "")
    if state is None:
        state = (
            SyncRun.State.STOPPED
            if run.stop_reason
            else SyncRun.State.PARTIAL
            if run.records_failed
            else SyncRun.State.SUCCEEDED
        )
    if state not in SyncRun.State.values or state == SyncRun.State.RUNNING:
        raise ApplicationError(_("A run ends as succeeded, partial, stopped, failed or cancelled."))
    run.state = state
    run.finished_at = timezone.now()
    run.save()
    if run.kind != SyncRun.Kind.PUSH and state in (
        SyncRun.State.SUCCEEDED,
        SyncRun.State.PARTIAL,
        SyncRun.State.STOPPED,
    ):
        Connection.objects.filter(pk=run.connection_id).update(last_sync_at=run.finished_at)
    return run


def sync_run_cancel(*, account: Account, run: SyncRun, actor: User | None = None) -> SyncRun:
    """Ask a running sync to stop; the engine sees the state and ends at its next batch."""
    ensure_owned(account, run)
    SyncRun.objects.filter(pk=run.pk, account=account, state=SyncRun.State.RUNNING).update(
        state=SyncRun.State.CANCELLED,
        finished_at=timezone.now(),
        stop_reason=stored(gettext_noop("Cancelled by a person.")),
    )
    run.refresh_from_db()
    audit_record(account=account, actor=actor, action="syncrun.cancel", target=run)
    return run
