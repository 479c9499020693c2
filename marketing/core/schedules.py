"""Periodic schedules, declared in code and written to django-celery-beat's tables.

Each app may have a `schedules.py` with a `SCHEDULES` list; `manage.py
setup_periodic_tasks` writes them all idempotently.
"""

import importlib
import importlib.util
from dataclasses import dataclass, field

from django.apps import apps

MANAGED_PREFIX = "platform: "


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: dict = field(default_factory=dict)  # minute, hour, day_of_week, day_of_month, month_of_year

    @property
    def full_name(self) -> str:
        return MANAGED_PREFIX + self.name


SCHEDULES = [
    Schedule(name="worker heartbeat", task="marketing.core.tasks.worker_heartbeat", every_seconds=60),
    Schedule(
        name="clear expired sessions",
        task="marketing.core.tasks.sessions_clear_expired",
        crontab={"minute": "17", "hour": "3"},
    ),
]


def schedules_declared() -> list[Schedule]:
    found: list[Schedule] = []
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.schedules") is None:
            continue
        module = importlib.import_module(f"{config.name}.schedules")
        found.extend(getattr(module, "SCHEDULES", []))
    return found
