from celery import shared_task

from marketing.core.tasks import RETRY_POLICY

from . import services


@shared_task(bind=True, **RETRY_POLICY)
def events_dispatch(self) -> int:
    return services.events_dispatch()
