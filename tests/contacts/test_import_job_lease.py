"""IMP-4: an import whose worker died is taken over and finishes; a live one is never run twice; a crash is
reported on the job instead of leaving it "running" for ever."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from contacts import imports
from contacts.imports import import_job_run
from contacts.models import Contact, ImportJob
from contacts.tasks import import_job
from contacts.upsert import contacts_upsert
from marketing.core.errors import TransientError
from marketing.core.jobs import JobBusy
from marketing.core.texts import rendered

ROWS = [("Dana", "0501111111"), ("Ron", "0502222222"), ("Maya", "0503333333"), ("", "not a phone")]


def _job(account, **fields) -> ImportJob:
    job = ImportJob(
        account=account,
        filename="people.csv",
        consent=True,
        mapping=["first_name", "phone"],
        **fields,
    )
    body = "name,phone\n" + "".join(f"{name},{phone}\n" for name, phone in ROWS)
    job.file.save("people.csv", ContentFile(body.encode()), save=False)
    job.save()
    return job


def test_a_job_whose_worker_died_is_taken_over_and_finishes_with_counts_that_add_up(account):
    # The dead worker had stored the first two rows before it was killed; its lease has passed.
    contacts_upsert(account=account, rows=[{"first_name": "Dana", "phone": "0501111111"}], source="import")
    contacts_upsert(account=account, rows=[{"first_name": "Ron", "phone": "0502222222"}], source="import")
    job = _job(account, status=ImportJob.Status.RUNNING, lease_until=timezone.now() - dt.timedelta(seconds=1))

    import_job.delay(job.pk)  # the broker's redelivery of the task

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.lease_until is None
    assert job.rows_read == job.rows_new + job.rows_updated + job.rows_unchanged + job.rows_rejected == 4
    assert (job.rows_new, job.rows_unchanged, job.rows_rejected) == (1, 2, 1)
    assert Contact.objects.filter(account=account).count() == 3  # every row stored once


def test_a_job_a_live_worker_holds_is_left_to_it(account):
    held_until = timezone.now() + dt.timedelta(minutes=4)
    job = _job(account, status=ImportJob.Status.RUNNING, lease_until=held_until)

    with pytest.raises(JobBusy) as busy:
        import_job_run(job=job)

    job.refresh_from_db()
    assert busy.value.until == held_until
    assert job.status == ImportJob.Status.RUNNING and job.rows_read == 0
    assert not Contact.objects.filter(account=account).exists()


def test_a_finished_job_delivered_again_changes_nothing(account):
    job = _job(account)
    import_job_run(job=job)
    finished_at = ImportJob.objects.get(pk=job.pk).finished_at

    import_job_run(job=ImportJob.objects.get(pk=job.pk))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.finished_at == finished_at
    assert job.rows_new == 3


def _run_failing_with(account, monkeypatch, error: Exception) -> ImportJob:
    """Run a job whose reading fails with `error`; the job as it was left."""

    def fail(**kwargs):
        raise error

    monkeypatch.setattr(imports, "import_table", fail)
    job = _job(account)
    with pytest.raises(type(error)):
        import_job_run(job=job)
    job.refresh_from_db()
    return job


def test_an_unexpected_crash_marks_the_job_failed_with_its_reason(account, monkeypatch):
    job = _run_failing_with(account, monkeypatch, RuntimeError("disk full"))

    assert job.status == ImportJob.Status.FAILED and job.lease_until is None
    assert rendered(job.error) == "The import stopped on an unexpected error: disk full"


def test_a_passing_fault_gives_the_job_back_for_the_retry(account, monkeypatch):
    job = _run_failing_with(account, monkeypatch, TransientError("database restarting"))

    assert job.status == ImportJob.Status.PENDING and job.lease_until is None
