"""`sf_optout_latency`: from a platform unsubscribe to the Salesforce opt-out field being set.

A real Celery worker (Redis broker) runs beside the benchmark; each unsubscribe goes through the event
outbox, the dispatch task and the push task, as in production. The target: under 60 s, worst case.
"""

import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .salesforce_org import EmulatorProcess, connect, drop

NAME = "sf_optout_latency"
SAMPLES = int(os.environ.get("BENCH_OPTOUT_SAMPLES", "20"))
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")
GIVE_UP_SECONDS = 120


def _worker(log) -> subprocess.Popen:
    celery = Path(sys.executable).with_name("celery")
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "CELERY_TASK_ALWAYS_EAGER": "false"}
    return subprocess.Popen(
        [str(celery), "-A", "marketing", "worker", "--concurrency=2", "--loglevel=INFO", "--without-mingle"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(path: Path, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready." in path.read_text(errors="replace"):
            return
        if worker.poll() is not None:
            raise RuntimeError(path.read_text(errors="replace")[-2000:])
        time.sleep(0.2)
    raise RuntimeError("the Celery worker did not start")


def run() -> dict:
    """Measured in a process of its own, so that its Django starts with the Redis broker the worker uses."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe()
    saved = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = BROKER
    try:
        child = context.Process(target=_child, args=(sender,))
        child.start()
        result = receiver.recv()
        child.join(timeout=60)
    finally:
        if saved is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved
    return result


def _child(pipe) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing.settings")
    django.setup()
    pipe.send(_measure())


def _measure() -> dict:
    import tempfile

    from contacts.models import Contact
    from contacts.services import suppressions_add
    from integrations.models import ExternalRef
    from integrations.salesforce.sync import salesforce_sync

    latencies = []
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as folder:
        emulator.ask("seed", {"Lead": SAMPLES, "Contact": 0})
        account, connection = connect("bench-sf-optout", emulator)
        salesforce_sync(connection=connection)
        refs = dict(ExternalRef.objects.filter(connection=connection).values_list("contact_id", "external_id"))
        emails = dict(Contact.objects.filter(account=account).values_list("pk", "email"))
        log_path = Path(folder) / "worker.log"
        with open(log_path, "w") as log:
            worker = _worker(log)
            try:
                _wait_ready(log_path, worker)
                for contact_id, lead in refs.items():
                    started = time.perf_counter()
                    suppressions_add(account=account, points=[emails[contact_id]], reason="bench", source="manual")
                    while not emulator.ask("get", ("Lead", lead))["HasOptedOutOfEmail"]:
                        if time.perf_counter() - started > GIVE_UP_SECONDS:
                            break
                        time.sleep(0.02)
                    latencies.append(time.perf_counter() - started)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
        drop(account)
    return {
        "samples": len(latencies),
        "median_seconds": round(statistics.median(latencies), 3),
        "worst_seconds": round(max(latencies), 3),
        "under_60_seconds": max(latencies) < 60,
    }
