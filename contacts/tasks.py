from celery import shared_task

from marketing.core.tasks import RETRY_POLICY

from .imports import import_job_run
from .models import ImportJob


@shared_task(bind=True, **RETRY_POLICY)
def import_job(self, job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).select_related("account").first()
    if job is None:
        return  # deleted meanwhile
    import_job_run(job=job)
