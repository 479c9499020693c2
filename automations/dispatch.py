"""Dispatch: hands undispatched events to each consumer of their kind, with a checkpoint per consumer and event.

Each consumer runs in its own savepoint. When it fails on events of several accounts, it is tried again account
by account, then event by event, so only the event that fails on its own is charged an attempt: one account's
poison event never holds back or dead-letters another's.
"""

import logging
import traceback
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .consumers import Consumer, consumers_of
from .models import Event, EventDelivery

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
ERROR_MAX_CHARS = 4000

State = EventDelivery.State


def events_dispatch(*, limit: int = 1000) -> int:
    """Deliver up to `limit` due events; returns how many were taken (== limit: more may be waiting)."""
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(dispatched_at__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")[:limit]
        )
        if batch:
            _Round(batch, now).run()
    return len(batch)


class _Round:
    def __init__(self, batch: list[Event], now: datetime):
        self.batch = batch
        self.now = now
        self.consumers = consumers_of({event.kind for event in batch})
        self.rows = self._deliveries()
        self.touched: list[EventDelivery] = []

    def run(self) -> None:
        for consumer in self.consumers:
            due = [event for event in self.batch if self._due(self.rows.get((event.pk, consumer.name)))]
            if due:
                self._deliver(consumer, due)
        EventDelivery.objects.bulk_update(
            self.touched, ["state", "attempts", "last_error", "next_attempt_at", "updated_at"], batch_size=1000
        )
        self._settle()

    def _deliveries(self) -> dict[tuple[int, str], EventDelivery]:
        wanted = [
            EventDelivery(account_id=event.account_id, event=event, consumer=consumer.name)
            for event in self.batch
            for consumer in self.consumers
            if event.kind in consumer.kinds
        ]
        EventDelivery.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=1000)
        found = EventDelivery.objects.filter(
            event__in=self.batch, consumer__in=[consumer.name for consumer in self.consumers]
        )
        return {(row.event_id, row.consumer): row for row in found}

    def _due(self, row: EventDelivery | None) -> bool:
        if row is None or row.state != State.PENDING:
            return False
        return row.next_attempt_at is None or row.next_attempt_at <= self.now

    def _deliver(self, consumer: Consumer, events: list[Event]) -> None:
        try:
            with transaction.atomic():
                consumer.function(events)
        except Exception as exc:  # noqa: BLE001 - whatever a consumer raises is recorded, never passed on
            parts = _smaller(events)
            if parts:
                for part in parts:
                    self._deliver(consumer, part)
            else:
                self._failed(self.rows[(events[0].pk, consumer.name)], exc)
            return
        for event in events:
            self._record(self.rows[(event.pk, consumer.name)], State.DONE)

    def _failed(self, row: EventDelivery, exc: Exception) -> None:
        row.last_error = "".join(traceback.format_exception(exc))[-ERROR_MAX_CHARS:]
        if row.attempts + 1 >= settings.EVENTS_CONSUMER_MAX_ATTEMPTS:
            logger.error("Event consumer %s gave up on event %s (%s)", row.consumer, row.event_id, type(exc).__name__)
            self._record(row, State.DEAD)
            return
        logger.warning("Event consumer %s failed on event %s (%s)", row.consumer, row.event_id, type(exc).__name__)
        backoff = min(RETRY_BASE_SECONDS * 2**row.attempts, RETRY_MAX_SECONDS)
        self._record(row, State.PENDING, next_attempt_at=self.now + timedelta(seconds=backoff))

    def _record(self, row: EventDelivery, state: str, next_attempt_at: datetime | None = None) -> None:
        row.state, row.next_attempt_at, row.updated_at = state, next_attempt_at, self.now
        row.attempts += 1
        self.touched.append(row)

    def _settle(self) -> None:
        """Dispatched once each consumer is done with the event or gave up; else it waits for the earliest retry."""
        finished, waiting = [], []
        for event in self.batch:
            times = [
                row.next_attempt_at
                for consumer in self.consumers
                if (row := self.rows.get((event.pk, consumer.name))) is not None and row.state == State.PENDING
            ]
            if not times:
                finished.append(event.pk)
            else:
                event.next_attempt_at = None if None in times else min(times)
                waiting.append(event)
        Event.objects.filter(pk__in=finished).update(dispatched_at=self.now, next_attempt_at=None)
        Event.objects.bulk_update(waiting, ["next_attempt_at"], batch_size=1000)


def _smaller(events: list[Event]) -> list[list[Event]]:
    """The events split per account, else one by one; empty for a single event."""
    accounts: dict[int, list[Event]] = {}
    for event in events:
        accounts.setdefault(event.account_id, []).append(event)
    if len(accounts) > 1:
        return list(accounts.values())
    return [[event] for event in events] if len(events) > 1 else []
