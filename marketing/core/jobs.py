"""The lease of a background job (`BackgroundJob`): one worker runs it at a time, and a job whose worker died
is taken over by the next delivery of its task.

A runner claims the job, renews the lease with each piece of work it commits, and ends by finishing it (done
or failed, with its error) or, on a passing fault that its task retries, by giving it back. A claim while a
live worker holds the job raises `JobBusy` with the end of that lease, so the task comes back then.
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import BackgroundJob

Status = BackgroundJob.Status


class JobBusy(Exception):
    """Another worker holds the job's lease until `until`: this delivery comes back after it."""

    def __init__(self, job: BackgroundJob, until: datetime):
        super().__init__(f"{job._meta.label} {job.pk} held until {until.isoformat()}")
        self.until = until

    def seconds_left(self) -> int:
        """How long the task waits before it asks again: until the lease ends, and at least a second."""
        return max(1, int((self.until - timezone.now()).total_seconds()) + 1)


def _row(job: BackgroundJob):
    return type(job).objects.filter(pk=job.pk)


def job_claim(*, job: BackgroundJob, lease: timedelta) -> bool:
    """Take the job for this worker: a waiting job, or a running one whose worker died (its lease passed).

    True when taken (the job is then RUNNING, held for `lease`); False when it is finished already (a job
    delivered twice runs once); JobBusy when a live worker holds it. `started_at` keeps the first start.
    """
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.RUNNING, lease_until__lt=now)
    claimable |= Q(status=Status.RUNNING, lease_until__isnull=True)  # running before leases existed
    taken = (
        _row(job)
        .filter(claimable)
        .update(status=Status.RUNNING, started_at=Coalesce("started_at", now), lease_until=now + lease)
    )
    job.refresh_from_db()
    if taken:
        return True
    if job.status == Status.RUNNING:
        raise JobBusy(job, job.lease_until)
    return False


def job_renew(*, job: BackgroundJob, lease: timedelta, **progress) -> None:
    """Hold the job for another `lease`, writing its `progress` fields with it (in the caller's transaction,
    so the progress commits with the work it counts)."""
    progress["lease_until"] = timezone.now() + lease
    for name, value in progress.items():
        setattr(job, name, value)
    _row(job).update(**progress)


def job_give_back(*, job: BackgroundJob) -> None:
    """Let go of the job unfinished, waiting again: the retried task claims it at once and goes on."""
    job.status, job.lease_until = Status.PENDING, None
    _row(job).update(status=job.status, lease_until=None)


def job_finish(*, job: BackgroundJob, status: str, error: str = "", **fields) -> None:
    """End the job DONE or FAILED (with its `error`, a stored text) and let go of its lease; `fields` are
    written with it."""
    if status not in (Status.DONE, Status.FAILED):
        raise ValueError(f"a job finishes done or failed, not {status!r}")
    values = {"status": status, "error": error, "finished_at": timezone.now(), "lease_until": None, **fields}
    for name, value in values.items():
        setattr(job, name, value)
    _row(job).update(**values)
