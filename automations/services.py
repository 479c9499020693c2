from collections.abc import Callable, Iterable
from itertools import groupby

from django.db import transaction
from django.utils import timezone

from marketing.accounts.models import Account

from .models import Event


class EventKind:
    CONTACT_CREATED = "contact.created"
    CONTACT_UPDATED = "contact.updated"
    GROUP_JOINED = "group.joined"
    GROUP_LEFT = "group.left"
    CONTACT_UNSUBSCRIBED = "contact.unsubscribed"


_CONSUMERS: dict[str, list[Callable[[list[Event]], None]]] = {}


def events_consumer(kind: str):
    """Register a function that receives each dispatched batch of events of `kind`.

    Consumers run inside the dispatch transaction and should only queue work (on commit): an error
    rolls the batch back, so it is dispatched again.
    """

    def register(consumer: Callable[[list[Event]], None]):
        _CONSUMERS.setdefault(kind, []).append(consumer)
        return consumer

    return register


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
    from .tasks import events_dispatch

    transaction.on_commit(events_dispatch.delay)


def events_dispatch(*, limit: int = 1000) -> int:
    """Hand undispatched events to their consumers (automations register here as they arrive)."""
    with transaction.atomic():
        batch = list(
            Event.objects.select_for_update(skip_locked=True).filter(dispatched_at__isnull=True).order_by("id")[:limit]
        )
        if not batch:
            return 0
        for kind, run in groupby(batch, key=lambda event: event.kind):  # in order: a join then a leave stays so
            events = list(run)
            for consumer in _CONSUMERS.get(kind, ()):
                consumer(events)
        Event.objects.filter(pk__in=[e.pk for e in batch]).update(dispatched_at=timezone.now())
    return len(batch)
