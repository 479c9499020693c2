from marketing.core.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="messages: start the scheduled ones due", task="marketing.messaging.tasks.messages_due", every_seconds=30
    ),
    Schedule(
        name="messages: move old send history into the archive",
        task="marketing.messaging.tasks.messages_archive",
        crontab={"minute": "40", "hour": "2"},
    ),
]
