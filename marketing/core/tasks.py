from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from . import services

HEARTBEAT_CACHE_KEY = "health:worker-heartbeat"


@shared_task
def worker_heartbeat() -> str:
    """Beat sends this every minute; /healthz reads when a worker last ran it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now


@shared_task
def sessions_clear_expired() -> int:
    return services.sessions_clear_expired()
