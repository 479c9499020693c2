"""Thin Celery wrappers: they pass ids, re-fetch, and let the services do the work."""

from celery import shared_task

from marketing.core.errors import TransientError

from .models import Connection


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
