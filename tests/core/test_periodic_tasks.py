"""Periodic schedules declared in code are written to django-celery-beat's tables, idempotently."""

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from marketing.celery import app as celery_app
from marketing.core.schedules import MANAGED_PREFIX, SCHEDULES, Schedule, schedules_declared
from marketing.core.services import periodic_tasks_sync

EVERY_MINUTE = Schedule(name="ping", task="marketing.core.tasks.worker_heartbeat", every_seconds=60)
NIGHTLY = Schedule(
    name="nightly", task="marketing.core.tasks.sessions_clear_expired", crontab={"minute": "5", "hour": "2"}
)

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    """Every column of every beat row, to prove a run changed nothing."""
    return {
        task.name: (task.pk, task.task, task.interval_id, task.crontab_id, task.enabled, task.date_changed, task.kwargs)
        for task in PeriodicTask.objects.all()
    }


def test_first_run_creates_one_prefixed_task_per_schedule():
    counts = periodic_tasks_sync(schedules=[EVERY_MINUTE, NIGHTLY])

    assert counts == {"created": 2, "updated": 0, "unchanged": 0, "disabled": 0}
    ping = PeriodicTask.objects.get(name="platform: ping")
    assert (ping.task, ping.enabled, ping.crontab) == ("marketing.core.tasks.worker_heartbeat", True, None)
    assert (ping.interval.every, ping.interval.period) == (60, IntervalSchedule.SECONDS)
    nightly = PeriodicTask.objects.get(name="platform: nightly")
    assert nightly.interval is None
    assert (nightly.crontab.minute, nightly.crontab.hour, nightly.crontab.day_of_week) == ("5", "2", "*")
    assert str(nightly.crontab.timezone) == "UTC"


def test_second_run_changes_nothing():
    periodic_tasks_sync(schedules=[EVERY_MINUTE, NIGHTLY])
    before = _snapshot()
    beat_last_update = PeriodicTasks.last_change()

    counts = periodic_tasks_sync(schedules=[EVERY_MINUTE, NIGHTLY])

    assert counts == {"created": 0, "updated": 0, "unchanged": 2, "disabled": 0}
    assert _snapshot() == before
    assert PeriodicTasks.last_change() == beat_last_update
    assert IntervalSchedule.objects.count() == 1
    assert CrontabSchedule.objects.count() == 1


def test_a_changed_interval_updates_the_row_in_place():
    periodic_tasks_sync(schedules=[EVERY_MINUTE])
    original = PeriodicTask.objects.get(name="platform: ping")

    counts = periodic_tasks_sync(schedules=[Schedule(name="ping", task=EVERY_MINUTE.task, every_seconds=300)])

    assert counts == {"created": 0, "updated": 1, "unchanged": 0, "disabled": 0}
    task = PeriodicTask.objects.get(name="platform: ping")
    assert task.pk == original.pk
    assert task.interval.every == 300


def test_a_changed_crontab_updates_the_row_in_place():
    periodic_tasks_sync(schedules=[NIGHTLY])
    original = PeriodicTask.objects.get(name="platform: nightly")

    periodic_tasks_sync(schedules=[Schedule(name="nightly", task=NIGHTLY.task, crontab={"minute": "30", "hour": "4"})])

    task = PeriodicTask.objects.get(name="platform: nightly")
    assert task.pk == original.pk
    assert (task.crontab.minute, task.crontab.hour) == ("30", "4")


def test_switching_from_interval_to_crontab_clears_the_interval():
    periodic_tasks_sync(schedules=[EVERY_MINUTE])

    periodic_tasks_sync(schedules=[Schedule(name="ping", task=EVERY_MINUTE.task, crontab={"minute": "*/2"})])

    task = PeriodicTask.objects.get(name="platform: ping")
    assert task.interval is None
    assert task.crontab.minute == "*/2"


def test_a_changed_task_path_updates_the_row():
    periodic_tasks_sync(schedules=[EVERY_MINUTE])

    periodic_tasks_sync(
        schedules=[Schedule(name="ping", task="marketing.core.tasks.sessions_clear_expired", every_seconds=60)]
    )

    assert PeriodicTask.objects.get(name="platform: ping").task == "marketing.core.tasks.sessions_clear_expired"


def test_a_task_no_longer_declared_is_disabled_not_deleted():
    periodic_tasks_sync(schedules=[EVERY_MINUTE, NIGHTLY])
    beat_last_update = PeriodicTasks.last_change()

    counts = periodic_tasks_sync(schedules=[EVERY_MINUTE])

    assert counts == {"created": 0, "updated": 0, "unchanged": 1, "disabled": 1}
    assert PeriodicTask.objects.get(name="platform: nightly").enabled is False
    assert PeriodicTask.objects.get(name="platform: ping").enabled is True
    assert PeriodicTasks.last_change() != beat_last_update  # beat reloads its schedule


def test_an_operator_disabling_a_declared_task_is_respected():
    periodic_tasks_sync(schedules=[EVERY_MINUTE])
    PeriodicTask.objects.filter(name="platform: ping").update(enabled=False)

    counts = periodic_tasks_sync(schedules=[EVERY_MINUTE])

    assert counts["unchanged"] == 1
    assert PeriodicTask.objects.get(name="platform: ping").enabled is False


def test_an_operator_disabled_task_stays_disabled_when_its_schedule_changes():
    periodic_tasks_sync(schedules=[EVERY_MINUTE])
    PeriodicTask.objects.filter(name="platform: ping").update(enabled=False)

    periodic_tasks_sync(schedules=[Schedule(name="ping", task=EVERY_MINUTE.task, every_seconds=120)])

    task = PeriodicTask.objects.get(name="platform: ping")
    assert (task.interval.every, task.enabled) == (120, False)


def test_a_task_an_operator_added_by_hand_is_never_touched():
    hand_made = PeriodicTask.objects.create(
        name="weekly report (ops)",
        task="marketing.core.tasks.worker_heartbeat",
        interval=IntervalSchedule.objects.create(every=7, period=IntervalSchedule.DAYS),
    )

    periodic_tasks_sync(schedules=[EVERY_MINUTE])
    periodic_tasks_sync(schedules=[])

    hand_made_after = PeriodicTask.objects.get(pk=hand_made.pk)
    assert (hand_made_after.name, hand_made_after.enabled, hand_made_after.interval_id) == (
        "weekly report (ops)",
        True,
        hand_made.interval_id,
    )
    assert hand_made_after.date_changed == hand_made.date_changed


def test_core_schedules_are_declared():
    declared = schedules_declared()

    for schedule in SCHEDULES:
        assert schedule in declared
    assert {s.task for s in declared} >= {
        "marketing.core.tasks.worker_heartbeat",
        "marketing.core.tasks.sessions_clear_expired",
    }


def test_every_declared_schedule_names_a_task_a_worker_registers():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps' tasks

    registered = set(celery_app.tasks)

    assert {s.task for s in schedules_declared()} <= registered


def test_declared_schedule_names_are_unique():
    names = [s.full_name for s in schedules_declared()]

    assert len(names) == len(set(names))


def test_the_command_writes_every_declared_schedule_and_reports_counts(capsys):
    call_command("setup_periodic_tasks")

    declared = schedules_declared()
    assert json.loads(capsys.readouterr().out) == {
        "created": len(declared),
        "updated": 0,
        "unchanged": 0,
        "disabled": 0,
    }
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == {s.full_name for s in declared}
    assert all(name.startswith(MANAGED_PREFIX) for name in PeriodicTask.objects.values_list("name", flat=True))


def test_running_the_command_twice_changes_nothing(capsys):
    call_command("setup_periodic_tasks")
    capsys.readouterr()
    before = _snapshot()

    call_command("setup_periodic_tasks")

    declared = schedules_declared()
    assert json.loads(capsys.readouterr().out) == {
        "created": 0,
        "updated": 0,
        "unchanged": len(declared),
        "disabled": 0,
    }
    assert _snapshot() == before
