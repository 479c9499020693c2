"""Thin Celery wrappers: they pass ids, re-fetch, and let the services do the work."""

from datetime import datetime

from celery import shared_task

from marketing.core.errors import TransientError

from .models import Connection
from .salesforce.errors import ApiLimitReached


@shared_task(bind=True, autoretry_for=(TransientError,), retry_backoff=30, retry_jitter=True, max_retries=8)
def salesforce_sync_run(self, connection_id: int, full: bool = False) -> None:
    connection = Connection.objects.filter(pk=connection_id, provider="salesforce").first()
    if connection is None:
        return  # removed meanwhile: nothing to do
    from .salesforce.sync import salesforce_sync

    salesforce_sync(connection=connection, full=full)


@shared_task
def salesforce_syncs_due() -> int:
    """Every minute: start the sync of each connection whose own schedule says it is due (SPEC BG-1)."""
    from .salesforce.sync import connections_due

    due = connections_due()
    for connection_id in due:
        salesforce_sync_run.delay(connection_id)
    return len(due)


_PUSH_RETRY = {
    "bind": True,
    "autoretry_for": (TransientError, ApiLimitReached),
    "retry_backoff": 5,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 10,
}


def _live(connection_id: int) -> Connection | None:
    return (
        Connection.objects.filter(pk=connection_id, provider="salesforce")
        .exclude(state=Connection.State.DISCONNECTED)
        .first()
    )


@shared_task(**_PUSH_RETRY)
def salesforce_optouts_push(self, connection_id: int, channel: str, points: list[str]) -> None:
    connection = _live(connection_id)
    if connection is not None:
        from .salesforce.outbound import optouts_push

        optouts_push(connection=connection, channel=channel, points=points)


@shared_task(**_PUSH_RETRY)
def salesforce_markers_push(self, connection_id: int, contact_ids: list[int]) -> None:
    connection = _live(connection_id)
    if connection is not None:
        from .salesforce.outbound import markers_push

        markers_push(connection=connection, contact_ids=contact_ids)


@shared_task(**_PUSH_RETRY)
def salesforce_past_optouts_push(self, connection_id: int, since: str) -> None:
    connection = _live(connection_id)
    if connection is not None:
        from .salesforce.outbound import past_optouts_push

        past_optouts_push(connection=connection, since=datetime.fromisoformat(since))
