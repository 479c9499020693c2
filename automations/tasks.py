from celery import shared_task

from marketing.core.tasks import RETRY_POLICY

from . import services

BATCH = 1000


@shared_task(bind=True, **RETRY_POLICY)
def events_dispatch(self) -> int:
    return _dispatch_batch()


@shared_task
def events_sweep() -> int:
    """Beat, every 30 s: events whose after-commit dispatch was lost, and deliveries whose retry time has come."""
    return _dispatch_batch()


def _dispatch_batch() -> int:
    taken = services.events_dispatch(limit=BATCH)
    if taken >= BATCH:
        events_dispatch.delay()  # a full batch: more may be waiting
    return taken
