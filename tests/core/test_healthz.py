"""GET /healthz: database and broker decide the status code; the worker heartbeat is reported."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from marketing.celery import app as celery_app
from marketing.core.tasks import HEARTBEAT_CACHE_KEY, worker_heartbeat

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down():
    """A real (non-eager) broker connection that nobody answers on; restored afterwards."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = UNREACHABLE_BROKER
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved


def test_healthz_answers_ok_when_database_and_broker_are_up(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in {"postgresql", "sqlite"}
    assert body["broker"]["status"] == "ok"
    assert "status" in body["worker"]


def test_healthz_is_never_cached(client, db):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_broker_is_unreachable(client, db, broker_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["broker"]["status"] == "error"
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["status"] == "ok"


def test_worker_is_unknown_before_any_heartbeat(client, db):
    body = client.get("/healthz").json()

    assert body["worker"] == {"status": "unknown", "last_seen": None}


def test_worker_is_ok_after_a_heartbeat(client, db):
    worker_heartbeat.delay()

    worker = client.get("/healthz").json()["worker"]

    assert worker["status"] == "ok"
    assert worker["last_seen"] == cache.get(HEARTBEAT_CACHE_KEY)


def test_an_old_heartbeat_is_stale_but_does_not_fail_the_check(client, db, settings):
    beat_at = timezone.now() - timedelta(days=1)
    with time_machine.travel(beat_at, tick=False):
        worker_heartbeat.delay()

    response = client.get("/healthz")

    assert response.status_code == 200
    worker = response.json()["worker"]
    assert worker["status"] == "stale"
    assert worker["last_seen"] == beat_at.isoformat()
    assert worker["age_seconds"] > settings.HEARTBEAT_MAX_AGE_SECONDS


def test_a_heartbeat_just_inside_the_max_age_is_still_ok(client, db, settings):
    now = timezone.now()
    with time_machine.travel(now - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS - 5), tick=False):
        worker_heartbeat.delay()

    with time_machine.travel(now, tick=False):
        worker = client.get("/healthz").json()["worker"]

    assert worker["status"] == "ok"


def test_a_heartbeat_just_past_the_max_age_is_stale(client, db, settings):
    now = timezone.now()
    with time_machine.travel(now - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5), tick=False):
        worker_heartbeat.delay()

    with time_machine.travel(now, tick=False):
        worker = client.get("/healthz").json()["worker"]

    assert worker["status"] == "stale"
