"""Switchable faults, and the gate every REST API call passes (API enabled, limits, counting)."""

import random
import threading
import time

from .errors import ApiError

_SETTINGS = ("error_rate", "seed", "latency_ms", "limit_after_calls", "lock_rows", "api_disabled")


def limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


class Faults:
    """`set(error_rate=0.1, seed=1, latency_ms=50, limit_after_calls=N, lock_rows=K, api_disabled=True)`."""

    def __init__(self, org):
        self._org = org
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.error_rate = 0.0
            self.seed = 0
            self.latency_ms = 0
            self.limit_after_calls: int | None = None
            self.lock_rows = 0
            self.api_disabled = False
            self._random = random.Random(0)

    def set(self, **settings) -> None:
        unknown = set(settings) - set(_SETTINGS)
        if unknown:
            raise TypeError(f"Unknown fault settings: {', '.join(sorted(unknown))}")
        with self._lock:
            for name, value in settings.items():
                setattr(self, name, value)
            if "seed" in settings or "error_rate" in settings:
                self._random = random.Random(self.seed)

    def expire_sessions(self) -> None:
        """Every access token stops working now; refresh tokens still do."""
        self._org.tokens.expire_access()

    def revoke_refresh_tokens(self) -> None:
        self._org.tokens.revoke_refresh_tokens()

    def state(self) -> dict:
        return {name: getattr(self, name) for name in _SETTINGS}

    def admit(self) -> None:
        """Gate one REST API call: refuse it, count it, slow it down or fail it as the switches say."""
        if self.api_disabled:
            raise ApiError(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization.")
        with self._lock:
            if self.limit_after_calls is not None and self.limit_after_calls <= 0:
                raise limit_exceeded()
            if self._org.api_calls >= self._org.daily_api_limit:
                raise limit_exceeded()
            if self.limit_after_calls is not None:
                self.limit_after_calls -= 1
            self._org.count_api_call()
            failing = bool(self.error_rate) and self._random.random() < self.error_rate
            delay = self.latency_ms
        if delay:
            time.sleep(delay / 1000)
        if failing:
            raise ApiError(
                500,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if "
                "you contact support: 1785621393-24891 (-1174513457)",
            )

    def take_row_lock(self) -> bool:
        """True when this record write is to fail with UNABLE_TO_LOCK_ROW."""
        with self._lock:
            if self.lock_rows > 0:
                self.lock_rows -= 1
                return True
            return False


def row_lock_error(record_id: str | None = None) -> ApiError:
    message = "unable to obtain exclusive access to this record"
    if record_id:
        message += f" or 1 records: {record_id}"
    return ApiError(400, "UNABLE_TO_LOCK_ROW", message, [])
