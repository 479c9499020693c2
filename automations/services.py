"""The outbox: writing events, dispatching them, and giving dead deliveries another chance."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from marketing.accounts.models import Account, User
from marketing.core.services import audit_record

from .consumers import events_consumer
from .dispatch import events_dispatch
from .events import EventKind
from .models import Event, EventDelivery

__all__ = [
    "EventKind",
    "event_deliveries_retry",
    "events_consumer",
    "events_dispatch",
    "events_emit",
    "events_emit_many",
]


def events_emit(*, account: Account, kind: str, payload: dict) -> Event:
    """Write an event in the caller's transaction; it is dispatched after commit."""
    event = Event.objects.create(account=account, kind=kind, payload=payload)
    _dispatch_after_commit()
    return event


def events_emit_many(*, account: Account, events: Iterable[tuple[str, dict]]) -> int:
    rows = [Event(account=account, kind=kind, payload=payload) for kind, payload in events]
    Event.objects.bulk_create(rows, batch_size=1000)
    if rows:
        _dispatch_after_commit()
    return len(rows)


def _dispatch_after_commit() -> None:
    from .tasks import events_dispatch as task  # tasks import this module

    # A .delay lost here (a crash after commit, the broker down) is made up for by the sweeper.
    transaction.on_commit(task.delay)


@transaction.atomic
def event_deliveries_retry(*, account: Account, actor: User | None, delivery_ids: Iterable[int]) -> int:
    """Give dead deliveries of `account` their attempts back and dispatch them again; returns how many."""
    rows = list(
        EventDelivery.objects.select_for_update()
        .filter(account=account, pk__in=list(delivery_ids), state=EventDelivery.State.DEAD)
        .values_list("pk", "event_id")
    )
    if not rows:
        return 0
    ids = [pk for pk, _event in rows]
    EventDelivery.objects.filter(pk__in=ids).update(
        state=EventDelivery.State.PENDING, attempts=0, next_attempt_at=None, updated_at=timezone.now()
    )
    Event.objects.filter(pk__in={event for _pk, event in rows}).update(dispatched_at=None, next_attempt_at=None)
    audit_record(account=account, actor=actor, action="event_delivery.retry", data={"ids": sorted(ids)})
    _dispatch_after_commit()
    return len(ids)
