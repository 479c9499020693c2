"""DESIGN §7: one sending rate shared by every worker; throttling slows it; several workers deliver one message."""

import multiprocessing
import os
import threading

import pytest
from django.db import connection

from contacts.models import Contact, Group, GroupMembership
from marketing.core.errors import TransientError
from marketing.messaging.backends import sms as sms_backends
from marketing.messaging.backends.sms import MemorySmsBackend, SmsThrottled
from marketing.messaging.delivery import message_deliver
from marketing.messaging.models import Message, Recipient
from marketing.messaging.pipeline import message_prepare
from marketing.messaging.ratelimit import RECOVERY_SECONDS, FileStore, RateLimiter, RedisStore, rate_limiter
from marketing.messaging.services import message_create
from tests.factories import AccountFactory

RATE = 50.0
START = 1_000_000.0


class FrozenClock:
    """Time stands still unless a test moves it: every wait a limiter asks for is visible, none is slept."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _limiter_in_the_tests_folder(settings):
    settings.REDIS_URL = ""  # the shared limiter of the delivery tests lives under the test's own VAR_DIR


# CI always has Redis on its standard port; elsewhere the Redis variants run when REDIS_URL names one.
REDIS_FOR_TESTS = os.environ.get("REDIS_URL") or ("redis://127.0.0.1:6379/15" if os.environ.get("CI") else "")


def _stores(tmp_path):
    stores = [("file", lambda: FileStore("sms", tmp_path))]
    if REDIS_FOR_TESTS:
        import redis

        client = redis.Redis.from_url(REDIS_FOR_TESTS)
        client.delete("messaging:ratelimit:test-sms")
        stores.append(("redis", lambda: RedisStore("test-sms", client=client)))
    return stores


@pytest.fixture(params=["file", "redis"])
def make_store(request, tmp_path):
    stores = dict(_stores(tmp_path))
    if request.param not in stores:
        pytest.skip("REDIS_URL is not set")
    return stores[request.param]


def _grab(limiter: RateLimiter, clock: FrozenClock, times: int, permits: int, out: list) -> None:
    for _ in range(times):
        out.append((clock() + limiter.reserve(permits), permits))


def _assert_within_budget(grants: list[tuple[float, int]], rate: float) -> None:
    """Grants never overlap: each starts no earlier than the previous one's permits are used up at `rate`."""
    grants = sorted(grants)
    for (start, permits), (following, _) in zip(grants, grants[1:], strict=False):
        assert following >= start + permits / rate - 1e-9
    for second in range(int(grants[-1][0] - START) + 1):
        window = [p for s, p in grants if START + second <= s < START + second + 1]
        assert sum(window) <= rate + max(p for _, p in grants)


def test_two_limiters_in_two_threads_share_one_budget(make_store):
    clock = FrozenClock()
    grants: list = []
    limiters = [RateLimiter("sms", RATE, store=make_store(), clock=clock) for _ in range(2)]
    threads = [threading.Thread(target=_grab, args=(limiter, clock, 100, 5, grants)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(grants) == 200
    _assert_within_budget(grants, RATE)
    # 1,000 permits at 50 a second: the last grant waits its turn 19.9 seconds, not 9.95 (a per-worker limit).
    assert max(s for s, _ in grants) - START == pytest.approx(995 / RATE)


def test_slots_of_two_workers_interleave_evenly_and_never_crowd_a_second(make_store):
    clock = FrozenClock()
    limiters = [RateLimiter("sms", 500, store=make_store(), clock=clock) for _ in range(2)]
    slots: list[float] = []
    threads = [
        threading.Thread(target=lambda lim=lim: [slots.extend(lim.slots(lim.chunk)) for _ in range(60)])
        for lim in limiters
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slots.sort()
    assert len(slots) == 1200  # chunks of 10
    assert min(b - a for a, b in zip(slots, slots[1:], strict=False)) >= 1 / 500 - 1e-9
    assert max(sum(1 for s in slots if start <= s < start + 1) for start in slots) <= 500


def _grab_in_process(directory, queue) -> None:
    clock = FrozenClock()
    grants: list = []
    _grab(RateLimiter("sms", RATE, store=FileStore("sms", directory), clock=clock), clock, 100, 5, grants)
    queue.put(grants)


def test_two_limiters_in_two_processes_share_one_budget(tmp_path):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_grab_in_process, args=(tmp_path, queue)) for _ in range(2)]
    for process in processes:
        process.start()
    grants = queue.get(timeout=60) + queue.get(timeout=60)
    for process in processes:
        process.join(timeout=60)

    assert len(grants) == 200
    _assert_within_budget(grants, RATE)


def test_an_idle_bucket_does_not_save_up_a_burst(make_store):
    clock = FrozenClock()
    limiter = RateLimiter("sms", RATE, store=make_store(), clock=clock)
    limiter.reserve(10)
    clock.now += 3600  # an hour of nothing

    waits = [limiter.reserve(10) for _ in range(5)]

    assert waits == pytest.approx([0, 0.2, 0.4, 0.6, 0.8])


def test_throttling_halves_the_shared_rate_and_it_recovers_gradually(make_store):
    clock = FrozenClock()
    store = make_store()
    limiter, other = (RateLimiter("sms", RATE, store=store, clock=clock) for _ in range(2))

    limiter.slow_down()

    assert other.current_rate() == pytest.approx(RATE / 2)
    grants: list = []
    _grab(other, clock, 50, 1, grants)
    assert sum(1 for s, _ in grants if s < START + 1) == RATE / 2
    clock.now += RECOVERY_SECONDS / 2
    assert RATE / 2 < other.current_rate() < RATE
    clock.now += RECOVERY_SECONDS
    assert other.current_rate() == RATE


def test_throttling_twice_quarters_the_rate_and_retry_after_pauses_everyone(make_store):
    clock = FrozenClock()
    limiter = RateLimiter("sms", RATE, store=make_store(), clock=clock)

    limiter.slow_down()
    limiter.slow_down(retry_after=5)

    assert limiter.current_rate() == pytest.approx(RATE / 4)
    assert limiter.reserve(1) == pytest.approx(5)


def test_permits_are_taken_in_small_chunks():
    assert RateLimiter("sms", 200, store=object()).chunk == 4
    assert RateLimiter("sms", 2, store=object()).chunk == 1
    assert RateLimiter("sms", 100_000, store=object()).chunk == 100


def test_a_zero_rate_means_unlimited(settings):
    settings.SMS_RATE_PER_SECOND = 0
    settings.EMAIL_RATE_PER_SECOND = 10

    assert rate_limiter("sms") is None
    assert rate_limiter("email").rate == 10


# --- delivery under the limiter -----------------------------------------------------------------------------


def _prepared_sms(account, count: int) -> Message:
    account.sms_credits = count * 2
    account.save()
    group = Group.objects.create(account=account, name="Everyone")
    contacts = Contact.objects.bulk_create(
        [Contact(account=account, phone=f"+9725{i:08d}") for i in range(1, count + 1)]
    )
    GroupMembership.objects.bulk_create([GroupMembership(account=account, group=group, contact=c) for c in contacts])
    message = message_create(
        account=account, membership=None, channel="sms", name="Sale", body="Hi", sender="Shop", group_ids=[group.pk]
    )
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    return message_prepare(message=Message.objects.get(pk=message.pk))


class ThrottlingBackend(MemorySmsBackend):
    """Accepts three texts, then answers 429 like Twilio."""

    def send(self, message):
        if len(sms_backends.outbox) >= 3:
            raise SmsThrottled("Too Many Requests", retry_after=None)
        return super().send(message)


def test_a_throttled_provider_slows_the_shared_rate_and_the_rest_waits_in_the_queue(account, settings):
    settings.SMS_BACKEND = f"{__name__}.ThrottlingBackend"
    settings.SMS_RATE_PER_SECOND = 1000
    settings.MESSAGE_DELIVERY_WORKERS = 1
    sms_backends.outbox.clear()
    message = _prepared_sms(account, 10)

    with pytest.raises(TransientError):
        message_deliver(message=message)

    statuses = list(Recipient.objects.filter(message=message).values_list("status", flat=True))
    assert statuses.count(Recipient.Status.SENT) == 3
    assert statuses.count(Recipient.Status.QUEUED) == 7
    assert rate_limiter("sms").current_rate() < 1000


def test_message_run_fans_out_to_the_configured_number_of_workers(
    account, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MESSAGE_DELIVERY_WORKERS = 3
    settings.SMS_RATE_PER_SECOND = 0
    message = _prepared_sms(account, 4)
    from marketing.messaging import tasks

    queued = []
    monkeypatch.setattr(tasks.message_deliver_run, "delay", lambda pk: queued.append(pk))

    with django_capture_on_commit_callbacks(execute=True):
        message_deliver(message=message)

    assert queued == [message.pk, message.pk]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_several_workers_deliver_every_recipient_exactly_once(settings):
    settings.SMS_RATE_PER_SECOND = 5000
    settings.MESSAGE_DELIVERY_WORKERS = 4
    sms_backends.outbox.clear()
    account = AccountFactory(name="Fan", slug="fan")
    message = _prepared_sms(account, 400)
    errors: list = []

    def work():
        try:
            message_deliver(message=Message.objects.get(pk=message.pk), batch=25, fan_out=False)
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    phones = sorted(m.to for m in sms_backends.outbox)
    assert phones == sorted(Recipient.objects.filter(message=message).values_list("point", flat=True))
    assert len(phones) == len(set(phones)) == 400
    assert set(Recipient.objects.filter(message=message).values_list("status", flat=True)) == {"sent"}
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
