from marketing.core.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="messages: start the scheduled ones due", task="marketing.messaging.tasks.messages_due", every_seconds=30
    ),
]
