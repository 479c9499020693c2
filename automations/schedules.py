from marketing.core.schedules import Schedule

SCHEDULES = [
    Schedule(name="events: dispatch what was left behind", task="automations.tasks.events_sweep", every_seconds=30),
]
