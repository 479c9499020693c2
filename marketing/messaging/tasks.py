from celery import shared_task

from marketing.core.tasks import RETRY_POLICY

from . import archive, delivery, services
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


@shared_task
def messages_archive() -> int:
    """Daily: move the send history of messages finished long ago into the archive (SPEC MSG-6)."""
    return len(archive.messages_archive())


@shared_task(bind=True, **RETRY_POLICY)
def message_deliver_run(self, message_id: int) -> None:
    """One more worker on a prepared message's queue (fanned out by `message_deliver`)."""
    message = Message.objects.filter(pk=message_id, prepared=True).select_related("account").first()
    if message is None or message.status != Message.Status.SENDING:
        return
    delivery.message_deliver(message=message, fan_out=False)
