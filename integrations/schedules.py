from marketing.core.schedules import Schedule

SCHEDULES = [
    # Each connection has its own interval (5 minutes by default); this only looks for the ones that are due.
    Schedule(name="integrations: start due syncs", task="integrations.tasks.connections_sync_due", every_seconds=60),
]
