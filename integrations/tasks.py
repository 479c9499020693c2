"""The one sync task every connector shares: it loads the connection and hands it to its provider through the
registry. A connector's own tasks live in its app (e.g. `integrations.salesforce.tasks`)."""

import logging

from celery import shared_task

from marketing.core.errors import NotFound, TransientError

from . import registry
from .models import Connection
from .selectors import connections_due

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(TransientError,), retry_backoff=30, retry_jitter=True, max_retries=8)
def connection_sync(self, connection_id: int, full: bool = False) -> None:
    """One sync run of a connection, by its provider; a TransientError is retried with backoff."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return  # removed meanwhile: nothing to do
    try:
        provider = registry.get(connection.provider)
    except NotFound:
        logger.warning("connection %s: no provider %r is registered; not synced", connection_id, connection.provider)
        return
    provider.runtime(connection).sync(full=full)


@shared_task
def connections_sync_due() -> int:
    """Every minute: start the sync of each connection whose own schedule says it is due and that is not
    syncing already (SPEC BG-1)."""
    due = connections_due()
    for connection_id in due:
        connection_sync.delay(connection_id)
    return len(due)
