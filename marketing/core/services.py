import json

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from .models import AuditEntry
from .schedules import MANAGED_PREFIX, Schedule


def _is_token(actor) -> bool:
    meta = getattr(actor, "_meta", None)
    return meta is not None and meta.label_lower == "tokens.apitoken"


def audit_entry(*, account, actor, action: str, target=None, data: dict | None = None) -> AuditEntry:
    """An unsaved row of the audit trail (for bulk_create); `audit_record` writes one. `actor` is who did it:
    a User, an ApiToken (a write through the API), or None (the system: a task, a sync, a command)."""
    token = actor if _is_token(actor) else None
    user = actor if token is None and getattr(actor, "pk", None) else None
    return AuditEntry(
        account=account,
        actor=user,
        token=token,
        token_label=str(token)[:150] if token is not None else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


def audit_record(*, account, actor, action: str, target=None, data: dict | None = None) -> AuditEntry:
    """Write one row of the audit trail (see `audit_entry` for `actor`)."""
    entry = audit_entry(account=account, actor=actor, action=action, target=target, data=data)
    entry.save(force_insert=True)
    return entry


def _schedule_fields(schedule: Schedule) -> dict:
    if schedule.every_seconds:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=schedule.every_seconds, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    cron = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
    cron.update(schedule.crontab)
    crontab, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **cron)
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def periodic_tasks_sync(*, schedules: list[Schedule]) -> dict[str, int]:
    """Make beat's table match `schedules`: create, update, and disable what is no longer declared.

    Running it twice changes nothing the second time. An operator's "enabled"
    switch on an existing row is kept.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0, "disabled": 0}
    declared = set()
    for schedule in schedules:
        declared.add(schedule.full_name)
        wanted = {"task": schedule.task, **_schedule_fields(schedule)}
        task = PeriodicTask.objects.filter(name=schedule.full_name).first()
        if task is None:
            PeriodicTask.objects.create(name=schedule.full_name, kwargs=json.dumps({}), **wanted)
            counts["created"] += 1
            continue
        changed = {k: v for k, v in wanted.items() if getattr(task, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(task, key, value)
            task.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    stale = PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX, enabled=True).exclude(name__in=declared)
    counts["disabled"] = stale.update(enabled=False)
    if counts["disabled"]:
        PeriodicTasks.update_changed()  # queryset.update() bypasses the signal beat listens to
    return counts


def sessions_clear_expired() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
