"""`api_single_contact`: `POST /api/Contact/Update` with one contact per request, as Zapier, Contact Form 7 and
landing pages send them (SPEC API-2, API-3). Target: ≥ 150 requests/s with p99 ≤ 150 ms at 16 clients.

gunicorn runs as `make run` starts it (the arguments are read from the Makefile) with production-like settings:
DEBUG off, PostgreSQL (the database of DATABASE_URL, as for every benchmark), Redis as cache and broker
(`BENCH_REDIS_URL`, database 8 by default; no Celery worker runs, the dispatch tasks wait in the queue and are
removed afterwards). The per-token rate limit is raised for the run (API_RATE_PER_TOKEN), or one token could
not send more than its 10 requests/s: the throttle still runs and counts every request.

Threaded clients (plain http.client: the load generator shares the machine with the server, so it is kept light)
send 8 and then 16 at a time for `BENCH_API_SECONDS` each (30 by default). Nine requests in ten bring a new
contact (a distinct phone and email, the group "Website leads", one in five URL-encoded in `json=` as Zapier
sends it); one in ten changes the first name of a contact an earlier request created. Afterwards the account's
contacts are counted: each accepted new contact stored exactly once, no phone or email twice, each update on the
contact it was meant for.
"""

import http.client
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from .cleanup import account_drop

NAME = "api_single_contact"
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "30"))
LEVELS = tuple(int(n) for n in os.environ.get("BENCH_API_CLIENTS", "8,16").split(","))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
RATE = "1000000/minute"
SLUG = "bench-api-single"
PATH = "/api/Contact/Update"
UPDATE_SHARE = 0.1
WARM_UP_REQUESTS = 40
TARGET_RPS, TARGET_P99_MS = 150, 150
PREFIXES = ("050", "052", "053", "054", "058")
FIRST = ("Dana", "נועה", "John", "מיכל", "Omer", "Sarah")


def gunicorn_args() -> list[str]:
    """The arguments the Makefile's `run` target gives gunicorn (workers, worker class, logger …), but `--bind`."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text().replace("\\\n", " ")
    found = re.search(r"/gunicorn (marketing\.wsgi [^&\n]*)", makefile)
    if found is None:
        raise RuntimeError("no gunicorn command in the Makefile's run target")
    args = shlex.split(found.group(1))
    if "--bind" in args:
        at = args.index("--bind")
        del args[at : at + 2]
    if any("$(" in arg for arg in args):
        raise RuntimeError(f"a make variable left in the gunicorn command: {args}")
    return args


def _workers(args: list[str]) -> int:
    for flag in ("--workers", "-w"):
        if flag in args:
            return int(args[args.index(flag) + 1])
    return 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise RuntimeError("api_single_contact needs PostgreSQL: set DATABASE_URL (make bench does)")
    return os.environ["DATABASE_URL"]


def _server(port: int, log) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "false",
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": REDIS,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "API_RATE_PER_TOKEN": RATE,
    }
    return subprocess.Popen(
        [str(gunicorn), *gunicorn_args(), "--bind", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(port: int, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU time of gunicorn's workers so far (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return 0.0
    return total / tick


def _account():
    from marketing.accounts.models import Account, User
    from marketing.accounts.services import account_create
    from marketing.tokens.services import token_create

    account_drop(Account.objects.filter(slug=SLUG).first())
    owner, _ = User.objects.get_or_create(username="bench-api-owner")
    account = account_create(name="Bench API", slug=SLUG, owner=owner)
    issued = token_create(account=account, actor=owner, name="Bench")
    return account, owner.username, issued.plaintext


class _Load:
    """The contacts sent and what the server answered, shared by the client threads."""

    def __init__(self, port: int, username: str, token: str):
        self.port = port
        self.user = {"Username": username, "Token": token}
        self.lock = threading.Lock()
        self.sequence = 0
        self.created: list[tuple[str, int]] = []  # (phone as sent, contact id) of each accepted new contact
        self.misrouted = 0  # updates answered with another contact than the one they were for
        self.first_error = ""  # what the first refused or failed request got, to tell why

    def _next(self) -> int:
        with self.lock:
            self.sequence += 1
            return self.sequence

    def _contact(self, rng: random.Random) -> tuple[dict, int | None]:
        """The contact to send, and the id it must land on (None: a new one)."""
        with self.lock:
            earlier = rng.choice(self.created) if self.created and rng.random() < UPDATE_SHARE else None
        if earlier is not None:
            phone, contact_id = earlier
            return {"FirstName": f"Changed {self._next()}", "PhoneNumber": phone}, contact_id
        n = self._next()
        contact = {
            "FirstName": rng.choice(FIRST),
            "LastName": f"Lead{n}",
            "PhoneNumber": f"{PREFIXES[n % len(PREFIXES)]}-{n:07d}",
            "Email": f"lead{n}@example{n % 50}.co.il",
            "AddToGroupName": "Website leads",
            "HandleEvents": True,
        }
        return contact, None

    def request(self, rng: random.Random, counts: dict) -> float:
        contact, expected = self._contact(rng)
        document = {"User": self.user, "Data": {"UpdateExistingContacts": "true", "Contacts": [contact]}}
        body = json.dumps(document, ensure_ascii=False).encode()
        zapier = expected is None and rng.random() < 0.2
        started = time.perf_counter()
        try:
            # gunicorn's sync workers close every connection after its answer: a new one each time.
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            if zapier:
                conn.request("POST", f"{PATH}?json={quote(body)}", headers={"Content-Length": "0"})
            else:
                conn.request("POST", PATH, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            conn.close()
        except OSError as exc:
            counts["errors"] += 1
            self.first_error = self.first_error or repr(exc)
            return (time.perf_counter() - started) * 1000
        elapsed = (time.perf_counter() - started) * 1000
        try:
            outcome = json.loads(payload)["Data"]["Contacts"][0]
        except (ValueError, KeyError, TypeError, IndexError):
            outcome = None
        if response.status != 200 or outcome is None or outcome["Status"] not in ("New", "Updated", "Unchanged"):
            counts["errors"] += 1
            self.first_error = self.first_error or f"{response.status} {payload[:300].decode(errors='replace')}"
        elif outcome["Status"] == "New":
            counts["new"] += 1
            with self.lock:
                self.created.append((contact["PhoneNumber"], outcome["ContactId"]))
        else:
            counts["updated"] += 1
            if outcome["ContactId"] != expected:
                with self.lock:
                    self.misrouted += 1
        return elapsed

    def run(self, clients: int, seconds: float, server: subprocess.Popen) -> dict:
        latencies: list[list[float]] = [[] for _ in range(clients)]
        counts = [{"new": 0, "updated": 0, "errors": 0} for _ in range(clients)]
        deadline = time.perf_counter() + seconds

        def client(number: int) -> None:
            rng = random.Random(clients * 1000 + number)
            while time.perf_counter() < deadline:
                latencies[number].append(self.request(rng, counts[number]))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started, server_cpu, client_cpu = time.perf_counter(), _cpu_seconds(server), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = _cpu_seconds(server) - server_cpu, time.process_time() - client_cpu
        every = sorted(ms for own in latencies for ms in own)
        totals = {key: sum(c[key] for c in counts) for key in ("new", "updated", "errors")}
        return {
            "clients": clients,
            "seconds": round(elapsed, 1),
            "requests": len(every),
            "requests_per_second": round(len(every) / elapsed, 1),
            "p50_ms": round(statistics.median(every), 1) if every else None,
            "p99_ms": round(every[min(len(every) - 1, int(len(every) * 0.99))], 1) if every else None,
            "max_ms": round(every[-1], 1) if every else None,
            "errors": totals["errors"],
            "accepted": totals["new"] + totals["updated"],
            "accepted_new": totals["new"],
            "accepted_updates": totals["updated"],
            # Where the CPU went (the machine has two cores; PostgreSQL and Redis take the rest).
            "server_cpu_ms_per_request": round(server_cpu * 1000 / len(every), 2) if every else None,
            "client_cpu_ms_per_request": round(client_cpu * 1000 / len(every), 2) if every else None,
        }


def _stored(account) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_contact WHERE account_id = %s", [account.pk])
        (stored,) = cursor.fetchone()
        duplicates = {}
        for column in ("phone", "email"):
            cursor.execute(
                f"SELECT count(*) FROM (SELECT {column} FROM contacts_contact WHERE account_id = %s AND {column} <> '' "
                f"GROUP BY {column} HAVING count(*) > 1) AS d",
                [account.pk],
            )
            duplicates[column] = cursor.fetchone()[0]
    return {"stored": stored, "duplicate_phones": duplicates["phone"], "duplicate_emails": duplicates["email"]}


def _forget_queued_tasks() -> None:
    """The dispatch tasks no worker took: removed from the benchmark's Redis database."""
    import redis

    redis.Redis.from_url(REDIS).delete("celery")


def run() -> dict:
    account, username, token = _account()
    port = _free_port()
    levels = []
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "gunicorn.log"
        with open(log_path, "w") as log:
            server = _server(port, log)
            try:
                _wait_ready(port, server, log_path)
                load = _Load(port, username, token)
                rng, warm = random.Random(0), {"new": 0, "updated": 0, "errors": 0}
                for _ in range(WARM_UP_REQUESTS):  # each worker loads what it loads on first use
                    load.request(rng, warm)
                for clients in LEVELS:
                    levels.append(load.run(clients, SECONDS, server))
            finally:
                server.terminate()
                server.wait(timeout=30)
    stored = _stored(account)
    accepted_new = warm["new"] + sum(level["accepted_new"] for level in levels)
    account_drop(account)
    _forget_queued_tasks()
    last = levels[-1]
    return {
        "gunicorn": " ".join(gunicorn_args()),
        "workers": _workers(gunicorn_args()),
        "load_average_after": round(os.getloadavg()[0], 2),
        "levels": levels,
        "warm_up_errors": warm["errors"],
        "accepted_new": accepted_new,
        **stored,
        "updates_on_another_contact": load.misrouted,
        "first_error": load.first_error or None,
        "stored_equals_accepted": stored["stored"] == accepted_new
        and not (stored["duplicate_phones"] or stored["duplicate_emails"] or load.misrouted),
        "meets_target": last["clients"] >= 16
        and last["requests_per_second"] >= TARGET_RPS
        and last["p99_ms"] <= TARGET_P99_MS
        and not last["errors"],
    }
