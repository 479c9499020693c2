"""`email_deliver_100k`: a newsletter personalized for BENCH_EMAIL_COUNT contacts, delivered over SMTP by real
Celery workers, against a bare loop.

The workers are started as `make run` starts them (`celery -A marketing worker --concurrency=2`, without beat)
with EMAIL_URL pointing at a local SMTP sink (aiosmtpd, its own process) and their own VAR_DIR, so the
filesystem broker they read is this run's alone. The recipient rows are prepared first (not timed here: see
`send_prepare_1m`); the clock runs from the task being queued until the sink holds every email and the
message is marked sent. The bare loop sends the same emails, built beforehand, through one persistent
smtplib connection to the same sink.
"""

import multiprocessing
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.utils import make_msgid
from pathlib import Path

from django.conf import settings
from django.db import connection

from .bench_send_prepare_1m import account_remove, audience_copy, bench_account

NAME = "email_deliver_100k"
COUNT = int(os.environ.get("BENCH_EMAIL_COUNT", "100000"))
BARE_COUNT = min(COUNT, int(os.environ.get("BENCH_EMAIL_BARE_COUNT", "20000")))
WORKERS = int(os.environ.get("BENCH_EMAIL_WORKERS", "2"))  # MESSAGE_DELIVERY_WORKERS, and the worker concurrency
SLUG = "bench-email-deliver"
TIMEOUT = float(os.environ.get("BENCH_EMAIL_TIMEOUT", "1800"))

SUBJECT = "[#First name#], your [#city#] store has a gift for you"
BODY = """<html><head><style>
  .box { font-family: Arial, sans-serif; color: #222; } h1 { color: #c0392b; } td.cell { padding: 8px; }
</style></head><body><div class="box">
<h1>שלום [#First name#] [#Last name#]!</h1>
<p>Our [#city#] store is celebrating, and you are invited. Born on [#Birth date#]? Then this is for you.</p>
<table width="100%"><tr><td class="cell">
<img src="https://shop.example.com/banner.png" alt="Sale" width="600"></td></tr>
<tr><td class="cell"><p>Up to 50% off everything in the store, this week only. We wrote to [#email#].</p>
<p><a href="https://shop.example.com/sale?utm_source=newsletter">To the sale</a></p></td></tr></table>
<ul><li>Free delivery above 200 ₪</li><li>Returns within 30 days</li><li>Gift wrapping on request</li></ul>
</div></body></html>"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sink(port: int, count, ready) -> None:
    import logging
    import threading

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command otherwise

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


class Sink:
    """A local SMTP server in its own process that counts what it accepts."""

    def __enter__(self) -> "Sink":
        context = multiprocessing.get_context("spawn")
        self.port = _free_port()
        self.count = context.Value("l", 0)
        ready = context.Event()
        self.process = context.Process(target=_sink, args=(self.port, self.count, ready), daemon=True)
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def received(self) -> int:
        return self.count.value

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.join(10)


class CeleryWorkers:
    """`celery -A marketing worker` as `make run` starts it, on this run's database and its own broker."""

    def __init__(self, env: dict[str, str], var_dir: str, *, concurrency: int = WORKERS):
        self.concurrency = concurrency
        self.env = {**os.environ, **env, "VAR_DIR": var_dir}
        self.env.pop("CELERY_BROKER_URL", None)
        self.env.pop("REDIS_URL", None)
        self.var_dir = var_dir
        self.log = Path(var_dir) / "worker.log"

    def __enter__(self) -> "CeleryWorkers":
        celery = str(Path(sys.executable).with_name("celery"))
        command = [celery, "-A", "marketing", "worker", "--loglevel=INFO", f"--concurrency={self.concurrency}"]
        self.handle = open(self.log, "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            command, env=self.env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        return self

    def queue(self, task: str, *args) -> None:
        """Queue a task on these workers' broker (the filesystem one under their VAR_DIR)."""
        from celery import Celery

        folder = Path(self.var_dir) / "celery"
        producer = Celery(
            "bench",
            broker="filesystem://",
            broker_transport_options={
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                "store_processed": False,
            },
        )
        producer.conf.task_serializer = "json"
        producer.send_task(task, args=list(args))

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.handle.close()


def _message(account, group):
    from marketing.messaging.pipeline import message_prepare
    from marketing.messaging.services import message_create

    message = message_create(
        account=account,
        membership=None,
        channel="email",
        name="Bench newsletter",
        sender="shop@example.com",
        subject=SUBJECT,
        body=BODY,
        group_ids=[group.pk],
    )
    started = time.perf_counter()
    message = message_prepare(message=message)
    return message, time.perf_counter() - started


def _deliver(message, workers: CeleryWorkers, sink: Sink) -> float:
    from django.utils import timezone

    from marketing.messaging.models import Message

    # what message_send does, less its queueing on the default broker (another run's workers may read that)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, started_at=timezone.now())
    started = time.perf_counter()
    workers.queue("marketing.messaging.tasks.message_run", message.pk)
    deadline = started + TIMEOUT
    while True:
        status = Message.objects.filter(pk=message.pk).values_list("status", flat=True).get()
        if status != Message.Status.SENDING and sink.received() >= COUNT:
            return time.perf_counter() - started
        if time.perf_counter() > deadline:
            raise RuntimeError(f"delivery did not finish: {sink.received()} of {COUNT} received, message {status}")
        time.sleep(0.05)


def _bare_loop(message, sink: Sink) -> float:
    """Seconds to send BARE_COUNT emails, built beforehand, on one smtplib connection."""
    from marketing.messaging.email import EmailComposer
    from marketing.messaging.models import Recipient

    composer = EmailComposer(message)
    recipients = list(Recipient.objects.filter(message=message).order_by("pk")[:BARE_COUNT])
    built = [(r.point, composer.smtp_bytes(r, message_id=make_msgid(domain="example.com"))) for r in recipients]
    sender = composer.envelope_sender
    before = sink.received()
    client = smtplib.SMTP("127.0.0.1", sink.port)
    started = time.perf_counter()
    for point, data in built:
        client.sendmail(sender, [point], data)
    seconds = time.perf_counter() - started
    client.quit()
    assert sink.received() - before == len(built)
    return seconds


def run() -> dict:
    from contacts.models import Group
    from marketing.messaging.models import Recipient

    account = bench_account(SLUG)
    try:
        group = Group.objects.create(account=account, name="Subscribers")
        audience_copy(account, group, COUNT, channel="email", duplicates=0, suppressed=0)
        message, prepare_seconds = _message(account, group)
        with Sink() as sink, tempfile.TemporaryDirectory() as var_dir:
            env = {
                "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
                "MESSAGE_DELIVERY_WORKERS": str(WORKERS),
                "EMAIL_RATE_PER_SECOND": "0",
                "PUBLIC_URL": settings.PUBLIC_URL,
            }
            with CeleryWorkers(env, var_dir) as workers:
                seconds = _deliver(message, workers, sink)
            received = sink.received()
            bare_seconds = _bare_loop(message, sink)
        sent = Recipient.objects.filter(message=message, status=Recipient.Status.SENT).count()
    finally:
        account_remove(account)
    rate = COUNT / seconds
    bare_rate = BARE_COUNT / bare_seconds
    return {
        "database": connection.vendor,
        "emails": COUNT,
        "received_by_sink": received,
        "recipients_marked_sent": sent,
        "delivery_workers": WORKERS,
        "prepare_seconds": round(prepare_seconds, 2),
        "deliver_seconds": round(seconds, 2),
        "emails_per_second": round(rate),
        "bare_loop_emails": BARE_COUNT,
        "bare_loop_emails_per_second": round(bare_rate),
        "vs_bare_loop": round(rate / bare_rate, 3),
        "goal": ">= 1,000 emails/s and >= 0.7 x the bare loop",
    }
