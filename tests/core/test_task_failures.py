"""BG-2: transient errors retry with backoff; failed jobs are kept and visible in the admin."""

import pytest
from celery import shared_task
from django_celery_results.models import TaskResult

from marketing.celery import app as celery_app
from marketing.core.errors import TransientError
from marketing.core.tasks import RETRY_POLICY


@shared_task(bind=True, name="tests.flaky", **RETRY_POLICY)
def flaky(self) -> None:
    raise TransientError("the provider answered 503")


@shared_task(name="tests.broken")
def broken(row_id: int) -> None:
    raise ValueError(f"row {row_id} cannot be processed")


@shared_task(name="tests.ok")
def ok() -> str:
    return "fine"


@pytest.fixture(autouse=True)
def _store_eager_results():
    celery_app.conf.task_store_eager_result = True
    yield
    celery_app.conf.task_store_eager_result = False


def test_transient_errors_retry_with_exponential_backoff_and_jitter():
    assert flaky.autoretry_for == (TransientError,)
    assert (flaky.retry_backoff, flaky.retry_backoff_max, flaky.retry_jitter) == (30, 3600, True)
    assert flaky.max_retries == 8


def test_a_failed_job_is_kept_with_its_error_and_shown_in_the_admin(db, admin_client):
    # As a worker runs it: the error is recorded, not raised into the caller.
    result = broken.apply((42,), throw=False)

    assert result.failed()
    failed = TaskResult.objects.get(task_name="tests.broken")
    assert failed.status == "FAILURE"
    assert "row 42 cannot be processed" in failed.result
    page = admin_client.get("/admin/django_celery_results/taskresult/?status__exact=FAILURE").content.decode()
    assert "tests.broken" in page


def test_successful_jobs_are_not_stored(db):
    ok.delay()

    assert not TaskResult.objects.filter(task_name="tests.ok").exists()
