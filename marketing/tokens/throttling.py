from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .ips import client_ip


class TokenRateThrottle(SimpleRateThrottle):
    """Per-token request rate (SPEC API-4); over it the API answers 429 with Retry-After.

    A sliding-window counter instead of DRF's list of timestamps: one counter per token and window of the
    rate's period, and the requests of the last period estimated as this window's count plus the previous
    window's, weighted by how much of it the last period still covers. Each request reads two numbers and bumps
    one, atomically, whatever the rate: DRF's list is read and written back whole by every request (9,000
    timestamps a minute at 150 requests/s) and loses the counts of requests that two workers answer at once.
    As with DRF, a refused request is not counted.
    """

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "pk", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        current, previous = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        counts = self.cache.get_many([current, previous])
        self.elapsed = self.now - window * self.duration
        self.current, self.previous = counts.get(current, 0), counts.get(previous, 0)
        if self._estimate(self.elapsed) >= self.num_requests:
            return self.throttle_failure()
        if current in counts:
            try:
                self.cache.incr(current)
                return True
            except ValueError:  # expired in between
                pass
        if not self.cache.add(current, 1, timeout=2 * self.duration):
            self.cache.incr(current)  # another worker started the window first
        return True

    def _estimate(self, elapsed: float) -> float:
        """Requests in the period before `elapsed` seconds into the current window."""
        return self.previous * (1 - elapsed / self.duration) + self.current

    def wait(self) -> float:
        """Seconds until the estimate falls below the limit (at least 1)."""
        limit, period = self.num_requests, self.duration
        if self.current < limit:  # the previous window's share still weighs too much: wait for it to fade
            seconds = period * (1 - (limit - self.current) / self.previous) - self.elapsed
        else:  # this window alone is full: it must become the previous one, and fade enough
            seconds = period - self.elapsed + period * (1 - limit / max(self.current, 1))
        return max(1.0, seconds)


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
