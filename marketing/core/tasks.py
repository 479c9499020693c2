from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from . import services
from .errors import TransientError

# Every task that talks to the outside world uses these: transient errors retry with
# exponential backoff and jitter, then the failure is kept for the admin (SPEC BG-2).
RETRY_POLICY = {
    "autoretry_for": (TransientError,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}

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
