"""`sms_deliver_100k`: personalized SMS to BENCH_SMS_COUNT contacts through the Twilio backend (SMS_BACKEND=twilio)
and real Celery workers, to the local Twilio fake (a real HTTP server in its own process).

Without a rate limit: messages a second from the task being queued until the fake holds every message and
the message is marked sent, against a bare loop (one keep-alive `requests.Session` posting the same forms).
With SMS_RATE_PER_SECOND=BENCH_SMS_RATE across MESSAGE_DELIVERY_WORKERS=BENCH_SMS_RATE_WORKERS workers (as
many Celery processes): the rate the fake saw, over the whole send and in its busiest second. The workers are
started as `make run` starts them (see `email_deliver_100k`), each run on its own broker.
"""

import multiprocessing
import os
import tempfile
import time

import requests
from django.conf import settings
from django.db import connection

from .bench_email_deliver_100k import CeleryWorkers
from .bench_send_prepare_1m import account_remove, audience_copy, bench_account

NAME = "sms_deliver_100k"
COUNT = int(os.environ.get("BENCH_SMS_COUNT", "100000"))
BARE_COUNT = min(COUNT, int(os.environ.get("BENCH_SMS_BARE_COUNT", "20000")))
WORKERS = int(os.environ.get("BENCH_SMS_WORKERS", "2"))
RATE = float(os.environ.get("BENCH_SMS_RATE", "200"))
RATE_WORKERS = int(os.environ.get("BENCH_SMS_RATE_WORKERS", "4"))
RATE_COUNT = int(os.environ.get("BENCH_SMS_RATE_COUNT", str(int(RATE * 30))))
TIMEOUT = float(os.environ.get("BENCH_SMS_TIMEOUT", "1800"))
SLUG = "bench-sms-deliver"
BODY = "[#First name#] [#Last name#], the [#city#] store has a gift for you (born [#Birth date#]): [#phone#]"


def _serve(pipe) -> None:
    from marketing.messaging.backends.twilio_fake import TwilioFake

    fake = TwilioFake().start()
    stamps: list[float] = []
    answer = fake.answer

    def stamped(form):
        stamps.append(time.time())
        return answer(form)

    fake.answer = stamped
    pipe.send((fake.url, fake.account_sid, fake.auth_token))
    while True:
        command = pipe.recv()
        if command == "count":
            pipe.send(len(fake.messages))
        elif command == "stamps":
            pipe.send(list(stamps))
        elif command == "reset":
            stamps.clear()
            fake.messages.clear()
            pipe.send(None)
        elif command == "stop":
            fake.stop()
            pipe.send(None)
            return


class FakeProcess:
    """The Twilio fake in its own process, so serving never shares an interpreter with what is measured."""

    def __enter__(self) -> "FakeProcess":
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        self.url, self.account_sid, self.auth_token = self.pipe.recv()
        return self

    def ask(self, command: str):
        self.pipe.send(command)
        return self.pipe.recv()

    def __exit__(self, *exc) -> None:
        self.ask("stop")
        self.process.join(10)


def _message(account, group):
    from marketing.messaging.pipeline import message_prepare
    from marketing.messaging.services import message_create

    message = message_create(
        account=account, membership=None, channel="sms", name="Bench", sender="Shop", body=BODY, group_ids=[group.pk]
    )
    return message_prepare(message=message)


def _deliver(message, fake: FakeProcess, *, workers: int, rate: float, expected: int) -> float:
    from django.utils import timezone

    from marketing.messaging.models import Message

    env = {
        "SMS_BACKEND": "twilio",
        "TWILIO_API_URL": fake.url,
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "SMS_RATE_PER_SECOND": str(rate),
        "MESSAGE_DELIVERY_WORKERS": str(workers),
        "PUBLIC_URL": settings.PUBLIC_URL,
    }
    with tempfile.TemporaryDirectory() as var_dir, CeleryWorkers(env, var_dir, concurrency=workers) as celery:
        # what message_send does, less its queueing on the default broker (another run's workers may read that)
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, started_at=timezone.now())
        started = time.perf_counter()
        celery.queue("marketing.messaging.tasks.message_run", message.pk)
        while True:
            status = Message.objects.filter(pk=message.pk).values_list("status", flat=True).get()
            received = fake.ask("count")
            if status != Message.Status.SENDING and received >= expected:
                return time.perf_counter() - started
            if time.perf_counter() - started > TIMEOUT:
                raise RuntimeError(f"delivery did not finish: {received} of {expected} received, message {status}")
            time.sleep(0.1)


def _bare_loop(message, fake: FakeProcess) -> float:
    """Seconds to post BARE_COUNT of the message's forms, rendered beforehand, on one keep-alive session."""
    from marketing.messaging.models import Recipient
    from marketing.messaging.pipeline import message_keys, message_templates

    body = message_templates(message)["body"]
    keys = message_keys({"body": body})
    forms = [
        {"To": r.point, "Body": body.render(dict(zip(keys, r.values, strict=False))), "From": message.sender}
        for r in Recipient.objects.filter(message=message).order_by("pk")[:BARE_COUNT]
    ]
    url = f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    with requests.Session() as session:
        session.auth = (fake.account_sid, fake.auth_token)
        session.headers["Accept"] = "application/json"
        started = time.perf_counter()
        for form in forms:
            response = session.post(url, data=form, timeout=(5, 30))
            assert response.status_code == 201, response.text
            response.json()
        return time.perf_counter() - started


def _rate_part(account, group, fake: FakeProcess) -> dict:
    from marketing.messaging.models import Recipient

    if not hasattr(settings, "SMS_RATE_PER_SECOND") or not hasattr(settings, "MESSAGE_DELIVERY_WORKERS"):
        return {"rate": "not available"}
    from contacts.models import Group

    fewer = Group.objects.create(account=account, name="Some subscribers")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO contacts_groupmembership (account_id, group_id, contact_id, joined_at, source) "
            "SELECT account_id, %s, contact_id, now(), 'bench' FROM contacts_groupmembership WHERE group_id = %s "
            "ORDER BY contact_id LIMIT %s",
            [fewer.pk, group.pk, RATE_COUNT],
        )
    message = _message(account, fewer)
    fake.ask("reset")
    seconds = _deliver(message, fake, workers=RATE_WORKERS, rate=RATE, expected=RATE_COUNT)
    stamps = sorted(fake.ask("stamps"))
    achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    busiest, low = 0, 0
    for high, stamp in enumerate(stamps):  # the most messages inside any one second
        while stamp - stamps[low] >= 1.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    return {
        "rate": {
            "configured_per_second": RATE,
            "workers": RATE_WORKERS,
            "messages": len(stamps),
            "recipients_marked_sent": Recipient.objects.filter(message=message, status=Recipient.Status.SENT).count(),
            "achieved_per_second": round(achieved, 1),
            "achieved_vs_configured": round(achieved / RATE, 3),
            "busiest_second_messages": busiest,
            "seconds": round(seconds, 1),
        }
    }


def run() -> dict:
    from contacts.models import Group
    from marketing.messaging.models import Recipient

    account = bench_account(SLUG, sms_credits=10 * COUNT)
    try:
        group = Group.objects.create(account=account, name="Subscribers")
        audience_copy(account, group, COUNT, channel="sms", duplicates=0, suppressed=0)
        message = _message(account, group)
        with FakeProcess() as fake:
            seconds = _deliver(message, fake, workers=WORKERS, rate=0, expected=COUNT)
            received = fake.ask("count")
            sent = Recipient.objects.filter(message=message, status=Recipient.Status.SENT).count()
            bare_seconds = _bare_loop(message, fake)
            rate_part = _rate_part(account, group, fake)
    finally:
        account_remove(account)
    rate = COUNT / seconds
    bare_rate = BARE_COUNT / bare_seconds
    return {
        "database": connection.vendor,
        "messages": COUNT,
        "received_by_fake": received,
        "recipients_marked_sent": sent,
        "delivery_workers": WORKERS,
        "deliver_seconds": round(seconds, 2),
        "messages_per_second": round(rate),
        "bare_loop_messages": BARE_COUNT,
        "bare_loop_messages_per_second": round(bare_rate),
        "vs_bare_loop": round(rate / bare_rate, 3),
        **rate_part,
        "goal": "rate: never above the configured rate, >= 95% of it",
    }
