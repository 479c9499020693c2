"""Salesforce's own tasks: what reaches Salesforce before the next sync. The sync itself is the generic
`integrations.tasks.connection_sync`. Thin Celery wrappers: they pass ids, re-fetch, and let the services work.

The names are the ones these tasks had before they moved here, so messages queued then still find them.
"""

from datetime import datetime

from celery import shared_task

from integrations.models import Connection
from marketing.core.errors import TransientError

from .errors import ApiLimitReached

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


@shared_task(name="integrations.tasks.salesforce_optouts_push", **_PUSH_RETRY)
def salesforce_optouts_push(self, connection_id: int, channel: str, points: list[str]) -> None:
    connection = _live(connection_id)
    if connection is not None:
        from .outbound import optouts_push

        optouts_push(connection=connection, channel=channel, points=points)


@shared_task(name="integrations.tasks.salesforce_markers_push", **_PUSH_RETRY)
def salesforce_markers_push(self, connection_id: int, contact_ids: list[int]) -> None:
    connection = _live(connection_id)
    if connection is not None:
        from .outbound import markers_push

        markers_push(connection=connection, contact_ids=contact_ids)


@shared_task(name="integrations.tasks.salesforce_past_optouts_push", **_PUSH_RETRY)
def salesforce_past_optouts_push(self, connection_id: int, since: str) -> None:
    connection = _live(connection_id)
    if connection is not None:
        from .outbound import past_optouts_push

        past_optouts_push(connection=connection, since=datetime.fromisoformat(since))
