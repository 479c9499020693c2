from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .ips import client_ip


class TokenRateThrottle(SimpleRateThrottle):
    """Per-token request rate (SPEC API-4); over it the API answers 429 with Retry-After."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "pk", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class AnonymousIpRateThrottle(SimpleRateThrottle):
    """API requests that end without a valid token (missing, wrong, expired, paused, from a refused address),
    per client address (SPEC API-4): API_RATE_ANONYMOUS_PER_IP.

    Unlike DRF's throttles, checking and counting are separate: every request from the address is checked
    before its token is even looked at, and only the refused ones are counted. A flooding address thus gets
    429 without its guesses being evaluated, while a well-behaved integration never spends this budget.
    """

    scope = "anonymous_ip"

    def get_rate(self) -> str:
        return settings.API_RATE_ANONYMOUS_PER_IP

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]

    def allow_request(self, request, view=None) -> bool:
        """Whether the address is still under its limit; counts nothing."""
        if self.rate is None:
            return True
        self._load(request)
        return len(self.history) < self.num_requests

    def record_refusal(self, request) -> None:
        if self.rate is None:
            return
        self._load(request)
        self.throttle_success()  # DRF's bookkeeping: prepend now, keep the window in the cache
