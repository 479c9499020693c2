"""One sending rate per channel, shared by every worker process (DESIGN §7: a per-worker limit multiplies).

    limiter = rate_limiter("sms")          # None when SMS_RATE_PER_SECOND is 0 (unlimited)
    limiter.acquire(limiter.chunk)         # waits until that many messages may go, then returns
    for moment in limiter.slots(limiter.chunk): ...   # or: the time each of them may go

A virtual-scheduling token bucket (GCRA): the shared state is the time the next permit becomes free. A
reservation of n permits moves it n / rate forward and tells the caller how long to wait for its turn, so
each reservation is one atomic read-modify-write however many workers share the budget. Permits are taken
in small chunks (about 20 ms of the rate) to keep the cost per message low without bursts.

When the provider throttles, `slow_down` halves the rate for everyone (and holds all sending for the
Retry-After it gave); the rate recovers by doubling every `RECOVERY_SECONDS` back up to the configured one.

The state lives in Redis when `REDIS_URL` is set (every machine shares it); otherwise in a file under
`VAR_DIR` guarded by an exclusive file lock, which every process of the embedded single-machine run shares.
"""

import fcntl
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

RECOVERY_SECONDS = 10.0  # after a throttle, the rate doubles this often until it is back to the setting
MIN_FACTOR = 1 / 64
CHUNK_SECONDS = 0.02
MAX_CHUNK = 100


@dataclass
class BucketState:
    tat: float = 0.0  # when the next permit is free (seconds since the epoch)
    factor: float = 1.0  # the share of the configured rate in force at `factor_at`
    factor_at: float = 0.0


def _factor(state: BucketState, now: float) -> float:
    if state.factor >= 1.0:
        return 1.0
    recovered = state.factor * 2 ** (max(0.0, now - state.factor_at) / RECOVERY_SECONDS)
    return min(1.0, recovered)


def bucket_reserve(state: BucketState, *, now: float, permits: int, rate: float) -> float:
    """Take `permits` from the bucket (changing `state`); the seconds to wait before they may be used."""
    start = max(state.tat, now)
    state.tat = start + permits / (rate * _factor(state, now))
    return start - now


def bucket_slow_down(state: BucketState, *, now: float, retry_after: float | None = None) -> None:
    state.factor = max(MIN_FACTOR, _factor(state, now) / 2)
    state.factor_at = now
    if retry_after:
        state.tat = max(state.tat, now + retry_after)


class FileStore:
    """The bucket in a small JSON file, read and written under an exclusive lock (one machine)."""

    def __init__(self, name: str, directory: Path | str | None = None) -> None:
        directory = Path(directory or Path(settings.VAR_DIR) / "ratelimit")
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{name}.json"

    def update(self, change: Callable[[BucketState], float | None]) -> float | None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = b""
            while chunk := os.read(fd, 4096):
                raw += chunk
            try:
                state = BucketState(**json.loads(raw)) if raw else BucketState()
            except (ValueError, TypeError):
                state = BucketState()
            result = change(state)
            data = json.dumps(asdict(state)).encode()
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, data)
            return result
        finally:
            os.close(fd)  # closing releases the lock


class RedisStore:
    """The bucket in a Redis hash, changed in an optimistic WATCH/MULTI transaction (every machine)."""

    def __init__(self, name: str, url: str | None = None, *, client=None) -> None:
        import redis

        self.key = f"messaging:ratelimit:{name}"
        self.client = client or redis.Redis.from_url(url or settings.REDIS_URL)

    def update(self, change: Callable[[BucketState], float | None]) -> float | None:
        result: list = []

        def run(pipe) -> None:
            raw = pipe.hgetall(self.key)
            state = BucketState(**{k.decode(): float(v) for k, v in raw.items()}) if raw else BucketState()
            result[:] = [change(state)]
            pipe.multi()
            pipe.hset(self.key, mapping=asdict(state))
            pipe.expire(self.key, 24 * 3600)

        self.client.transaction(run, self.key)
        return result[0]


def _store(name: str):
    if settings.REDIS_URL:
        return RedisStore(name)
    return FileStore(name)


class RateLimiter:
    def __init__(
        self,
        name: str,
        rate: float,
        *,
        store=None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.name = name
        self.rate = float(rate)
        self.store = store if store is not None else _store(name)
        self.clock = clock
        self.sleep = sleep

    @property
    def chunk(self) -> int:
        """How many permits to take at a time: about 20 ms of the rate, at least one."""
        return max(1, min(MAX_CHUNK, math.floor(self.rate * CHUNK_SECONDS)))

    def reserve(self, permits: int) -> float:
        """Take `permits`; the seconds the caller waits before using them."""
        now = self.clock()
        return self.store.update(lambda state: bucket_reserve(state, now=now, permits=permits, rate=self.rate))

    def acquire(self, permits: int) -> None:
        wait = self.reserve(permits)
        if wait > 0:
            self.sleep(wait)

    def slots(self, permits: int) -> list[float]:
        """Take `permits`; the clock time at which each may be used, evenly spaced at the rate in force.

        Sending each at its time keeps any one-second window within the rate (one chunk never bursts)."""
        now = self.clock()

        def change(state: BucketState) -> tuple[float, float]:
            spacing = 1 / (self.rate * _factor(state, now))
            return bucket_reserve(state, now=now, permits=permits, rate=self.rate), spacing

        wait, spacing = self.store.update(change)
        return [now + wait + i * spacing for i in range(permits)]

    def wait_until(self, moment: float) -> None:
        wait = moment - self.clock()
        if wait > 0:
            self.sleep(wait)

    def slow_down(self, retry_after: float | None = None) -> None:
        """The provider throttled: halve the shared rate (and pause everyone for `retry_after` seconds)."""
        now = self.clock()
        self.store.update(lambda state: bucket_slow_down(state, now=now, retry_after=retry_after))

    def current_rate(self) -> float:
        now = self.clock()
        return self.store.update(lambda state: self.rate * _factor(state, now))


RATE_SETTINGS = {"sms": "SMS_RATE_PER_SECOND", "email": "EMAIL_RATE_PER_SECOND"}


def rate_limiter(channel: str) -> RateLimiter | None:
    """The shared limiter of a channel, or None when its rate is 0 (unlimited)."""
    rate = float(getattr(settings, RATE_SETTINGS[channel], 0) or 0)
    if rate <= 0:
        return None
    return RateLimiter(channel, rate)
