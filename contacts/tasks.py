from celery import shared_task

from marketing.core.jobs import JobBusy
from marketing.core.tasks import RETRY_POLICY

from .bulk import bulk_job_run
from .imports import import_job_run
from .models import BulkJob, ImportJob


@shared_task(bind=True, **RETRY_POLICY)
def import_job(self, job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).select_related("account").first()
    if job is None:
        return  # deleted meanwhile
    try:
        import_job_run(job=job)
    except JobBusy as busy:
        # Another worker holds it: come back when its lease ends, and take over if that worker died.
        raise self.retry(countdown=busy.seconds_left(), exc=busy) from busy


@shared_task(bind=True, **RETRY_POLICY)
def bulk_job(self, job_id: int) -> None:
    job = BulkJob.objects.filter(pk=job_id).select_related("account", "created_by").first()
    if job is None:
        return  # deleted meanwhile
    try:
        bulk_job_run(job=job)
    except JobBusy as busy:
        # Another worker holds it: come back when its lease ends, and go on from its last chunk if it died.
        raise self.retry(countdown=busy.seconds_left(), exc=busy) from busy
