"""The beat sweeper: what a lost after-commit dispatch left behind is dispatched; a full batch queues the next."""

from automations import tasks
from automations.models import Event
from automations.services import EventKind, events_consumer, events_emit
from marketing.core.schedules import schedules_declared


def test_an_event_whose_dispatch_was_lost_is_dispatched_by_the_sweeper(account, consumers):
    seen = []

    @events_consumer(EventKind.GROUP_JOINED, name="tests.recorder")
    def recorder(events):
        seen.extend(e.pk for e in events)

    # The test's transaction never commits, so the on-commit .delay never runs: as when a worker dies after commit.
    event = events_emit(account=account, kind=EventKind.GROUP_JOINED, payload={"group_id": 1, "contact_ids": [2]})
    assert Event.objects.get(pk=event.pk).dispatched_at is None

    assert tasks.events_sweep.delay().get() == 1

    assert seen == [event.pk]
    assert Event.objects.get(pk=event.pk).dispatched_at is not None


def test_a_full_batch_queues_the_next_one(account, consumers, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "BATCH", 2)
    monkeypatch.setattr(tasks.events_dispatch, "delay", lambda: queued.append("dispatch"))
    for n in range(3):
        events_emit(account=account, kind=EventKind.GROUP_CREATED, payload={"group_id": n})

    assert tasks.events_sweep() == 2
    assert queued == ["dispatch"]
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 1

    assert tasks.events_sweep() == 1
    assert queued == ["dispatch"]  # not full: nothing more to queue
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_the_sweeper_runs_every_30_seconds():
    sweeps = [s for s in schedules_declared() if s.task == "automations.tasks.events_sweep"]

    assert [s.every_seconds for s in sweeps] == [30]
