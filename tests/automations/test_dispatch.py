"""The outbox dispatch: a checkpoint per consumer and event, a savepoint per consumer, retries and dead letters."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from automations.models import Event, EventDelivery
from automations.services import EventKind, events_consumer, events_dispatch, events_emit
from marketing.core.models import AuditEntry

JOINED = EventKind.GROUP_JOINED


def _emit(account, **payload) -> Event:
    return events_emit(account=account, kind=JOINED, payload={"group_id": 1, "contact_ids": [1], **payload})


def _consumed() -> list[int]:
    """Events a consumer's own writes say it handled (undone with its savepoint when it fails)."""
    return sorted(
        int(pk) for pk in AuditEntry.objects.filter(action="test.consumed").values_list("target_id", flat=True)
    )


def _consume(events) -> None:
    AuditEntry.objects.bulk_create(
        [AuditEntry(account_id=e.account_id, action="test.consumed", target_id=str(e.pk)) for e in events]
    )


def _delivery(event, name) -> EventDelivery:
    return EventDelivery.objects.get(event=event, consumer=name)


def _later(minutes: int):
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes), tick=False)


def test_each_consumer_gets_its_own_delivery_row_named_by_its_dotted_path(account, consumers):
    @events_consumer(JOINED)
    def first(events):
        _consume(events)

    @events_consumer(JOINED, name="tests.second")
    def second(events):
        pass

    event = _emit(account)

    taken = events_dispatch()

    rows = {row.consumer: row for row in EventDelivery.objects.filter(event=event)}
    path = f"{__name__}.test_each_consumer_gets_its_own_delivery_row_named_by_its_dotted_path.<locals>.first"
    assert set(rows) == {path, "tests.second"}
    assert {row.state for row in rows.values()} == {"done"} and {row.account_id for row in rows.values()} == {
        account.pk
    }
    assert taken == 1 and _consumed() == [event.pk]
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_failing_consumer_is_rolled_back_alone_and_the_others_go_on(
    account, consumers, django_capture_on_commit_callbacks
):
    queued = []

    @events_consumer(JOINED, name="tests.broken")
    def broken(events):
        _consume(events)
        transaction.on_commit(lambda: queued.append("broken"))
        raise RuntimeError("the consumer's bug")

    @events_consumer(JOINED, name="tests.fine")
    def fine(events):
        transaction.on_commit(lambda: queued.append("fine"))

    event = _emit(account)

    with django_capture_on_commit_callbacks(execute=True):
        events_dispatch()

    failed = _delivery(event, "tests.broken")
    assert (failed.state, failed.attempts) == ("pending", 1)
    assert "RuntimeError: the consumer's bug" in failed.last_error
    assert failed.next_attempt_at > failed.updated_at  # backed off
    assert _delivery(event, "tests.fine").state == "done"
    assert queued == ["fine"]  # the broken consumer's writes and queued work were undone
    assert _consumed() == []
    event.refresh_from_db()
    assert event.dispatched_at is None and event.next_attempt_at == failed.next_attempt_at


def test_a_retry_waits_for_its_backoff_and_goes_to_the_failing_consumer_only(account, consumers):
    calls = {"flaky": 0, "fine": 0}

    @events_consumer(JOINED, name="tests.flaky")
    def flaky(events):
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise ConnectionError("down for a moment")

    @events_consumer(JOINED, name="tests.fine")
    def fine(events):
        calls["fine"] += 1

    event = _emit(account)
    events_dispatch()

    assert events_dispatch() == 0  # not due yet
    with _later(minutes=2):
        assert events_dispatch() == 1

    assert calls == {"flaky": 2, "fine": 1}
    assert _delivery(event, "tests.flaky").state == "done"
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_consumer_failing_every_time_gives_up_and_the_event_is_dispatched(account, consumers, max_attempts):
    @events_consumer(JOINED, name="tests.broken")
    def broken(events):
        raise ValueError("never works")

    event = _emit(account)

    for hours in range(max_attempts):
        with _later(minutes=60 * hours + 1):
            events_dispatch()

    dead = _delivery(event, "tests.broken")
    assert (dead.state, dead.attempts, dead.next_attempt_at) == ("dead", max_attempts, None)
    event.refresh_from_db()
    assert event.dispatched_at is not None
    with _later(minutes=60 * max_attempts):
        assert events_dispatch() == 0


def test_one_accounts_poison_event_never_holds_back_or_dead_letters_another_accounts(
    account, other_account, consumers, max_attempts
):
    @events_consumer(JOINED, name="tests.picky")
    def picky(events):
        _consume(events)
        if any(e.payload.get("poison") for e in events):
            raise ValueError("cannot handle this one")

    poison = _emit(account, poison=True)
    same_account = _emit(account)
    other = _emit(other_account)

    events_dispatch()
    assert _consumed() == [same_account.pk, other.pk]
    for hours in range(1, max_attempts):
        with _later(minutes=60 * hours):
            events_dispatch()

    assert _consumed() == [same_account.pk, other.pk]  # each handled once, none again
    assert _delivery(poison, "tests.picky").state == "dead"
    assert _delivery(poison, "tests.picky").attempts == max_attempts
    for event in (same_account, other):
        assert (_delivery(event, "tests.picky").state, _delivery(event, "tests.picky").attempts) == ("done", 1)
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_events_of_a_kind_without_consumers_are_dispatched_without_delivery_rows(account, consumers):
    event = events_emit(account=account, kind=EventKind.GROUP_CREATED, payload={"group_id": 1})

    events_dispatch()

    event.refresh_from_db()
    assert event.dispatched_at is not None and not EventDelivery.objects.exists()


def test_a_consumer_sees_its_kinds_in_order_in_one_call(account, consumers):
    seen = []

    @events_consumer(EventKind.GROUP_JOINED, EventKind.GROUP_LEFT, name="tests.groups")
    def groups(events):
        seen.append([e.kind for e in events])

    events_emit(account=account, kind=EventKind.GROUP_JOINED, payload={})
    events_emit(account=account, kind=EventKind.GROUP_LEFT, payload={})
    events_emit(account=account, kind=EventKind.CONTACT_CREATED, payload={})
    events_emit(account=account, kind=EventKind.GROUP_JOINED, payload={})

    events_dispatch()

    assert seen == [["group.joined", "group.left", "group.joined"]]


def test_two_consumers_cannot_share_a_name(consumers):
    from django.core.exceptions import ImproperlyConfigured

    @events_consumer(JOINED, name="tests.same")
    def one(events):
        pass

    with pytest.raises(ImproperlyConfigured):

        @events_consumer(JOINED, name="tests.same")
        def two(events):
            pass
