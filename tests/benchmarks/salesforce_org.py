"""A Salesforce emulator in its own process for the sync benchmarks (so it never shares our interpreter)."""

import multiprocessing
import tempfile
from datetime import UTC, datetime, timedelta

from .cleanup import account_drop

SEED_BATCH = 100
SEED_SPACING = timedelta(minutes=2)


def _records(sobject: str, count: int, start: int = 0) -> list[dict]:
    rows = []
    for i in range(start, start + count):
        row = {
            "FirstName": ["Dana", "נועה", "John", "מיכל"][i % 4],
            "LastName": f"{sobject}{i}",
            "Email": f"{sobject.lower()}{i}@example{i % 50}.com",
            "MobilePhone": f"05{i % 9}{(i + (5_000_000 if sobject == 'Contact' else 0)) % 10_000_000:07d}",
        }
        if sobject == "Lead":
            row["Company"] = "Acme"
        rows.append(row)
    return rows


def _serve(pipe, cert_dir: str) -> None:
    from integrations.salesforce.emulator import EmulatorServer

    server = EmulatorServer(port=0, cert_dir=cert_dir).start()
    pipe.send((server.base_url, server.ca_path))
    while True:
        command, arg = pipe.recv()
        if command == "stop":
            server.stop()
            pipe.send(None)
            return
        if command == "seed":  # {"Lead": n, "Contact": n}, last changed over the past days as in a real org
            now = datetime.now(UTC)
            for sobject, count in arg.items():
                for start in range(0, count, SEED_BATCH):
                    batches_left = (count - start) // SEED_BATCH + 1
                    server.org.clock = lambda moment=now - batches_left * SEED_SPACING: moment
                    server.org.bulk_create(sobject, _records(sobject, min(SEED_BATCH, count - start), start))
            server.org.clock = None
            pipe.send(None)
        elif command == "change":  # n records of each object get a new first name, as a person would
            for sobject in ("Lead", "Contact"):
                for record in server.org.records(sobject)[: arg // 2]:
                    server.org.update(sobject, record["Id"], {"FirstName": "Changed"})
            pipe.send(None)
        elif command == "count_where":  # (sobject, field, value): how many records hold the value
            sobject, name, value = arg
            pipe.send(sum(1 for record in server.org.records(sobject) if record.get(name) == value))
        elif command == "get":  # (sobject, id): one record
            pipe.send(server.org.get(*arg))
        elif command == "api_calls":
            pipe.send(server.api_calls)


class EmulatorProcess:
    def __enter__(self) -> "EmulatorProcess":
        self._dir = tempfile.TemporaryDirectory()
        self.pipe, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child, self._dir.name))
        self.process.start()
        self.base_url, self.ca_path = self.pipe.recv()
        return self

    def ask(self, command: str, arg=None):
        self.pipe.send((command, arg))
        return self.pipe.recv()

    def __exit__(self, *exc) -> None:
        self.ask("stop")
        self.process.join(timeout=10)
        self._dir.cleanup()


def connect(account_slug: str, emulator: EmulatorProcess):
    """A fresh benchmark account with a client-credentials connection and the default settings."""
    from integrations import services
    from integrations.salesforce import services as salesforce_services
    from integrations.salesforce.models import SalesforceConnection
    from marketing.accounts.models import Account, User
    from marketing.accounts.services import account_create

    old = Account.objects.filter(slug=account_slug).first()
    if old is not None:
        drop(old)
    owner, _ = User.objects.get_or_create(username=f"{account_slug}-owner")
    account = account_create(name=account_slug, slug=account_slug, owner=owner)
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url=emulator.base_url,
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        client_id="emulator-client-id",
        client_secret="emulator-client-secret",  # noqa: S106 — the emulator's built-in demo app
        ca_bundle=emulator.ca_path,
    )
    services.connection_test(account=account, connection=connection)
    salesforce_services.salesforce_settings_init(account=account, connection=connection)
    connection.refresh_from_db()
    return account, connection


def drop(account) -> None:
    account_drop(account)
