from celery import shared_task

from marketing.core.tasks import RETRY_POLICY

from . import services
from .models import Message


@shared_task(bind=True, **RETRY_POLICY)
def message_run(self, message_id: int) -> None:
    message = Message.objects.filter(pk=message_id).select_related("account").first()
    if message is None or message.status != Message.Status.SENDING:
        return  # paused, cancelled or finished meanwhile
    services.message_run(message=message)


@shared_task
def messages_due() -> int:
    return len(services.messages_due())
