"""INT-1: one generic sync task. It finds the connection's provider in the registry and runs its sync; the
beat task starts every due connection of every registered provider, except those already syncing."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations import registry, services, tasks
from integrations.base import ConnectionStatus
from integrations.models import Connection, SyncRun
from integrations.selectors import connections_due
from marketing.core.errors import ApplicationError, TransientError


class FakeRuntime:
    def __init__(self, provider: "FakeProvider", connection: Connection):
        self.provider, self.connection = provider, connection

    def test(self) -> ConnectionStatus:
        return ConnectionStatus(ok=True, message="fine", config={"account_id": "fake-42"})

    def sync(self, *, full: bool = False) -> SyncRun:
        self.provider.calls.append((self.connection.pk, full))
        if self.provider.failures:
            self.provider.failures -= 1
            raise TransientError("the fake system is busy")
        run = services.sync_run_start(
            account=self.connection.account, connection=self.connection, kind="full" if full else "incremental"
        )
        return services.sync_run_finish(account=self.connection.account, run=run, records_in=3)

    def revoke(self) -> None:
        pass


class FakeProvider:
    key = "fake"
    name = "Fake CRM"
    features = frozenset({"contacts.pull"})
    reusable_credentials = frozenset({"api_key"})

    def __init__(self):
        self.calls: list[tuple[int, bool]] = []
        self.failures = 0

    def validate(self, connection: Connection) -> None:
        if not connection.config.get("address"):
            raise ApplicationError("Give the fake system's address.", details={"field": "address"})

    def runtime(self, connection: Connection) -> FakeRuntime:
        return FakeRuntime(self, connection)


@pytest.fixture
def fake(monkeypatch) -> FakeProvider:
    """A second connector, registered for this test only."""
    provider = FakeProvider()
    monkeypatch.setitem(registry._providers, provider.key, provider)
    return provider


@pytest.fixture
def fake_connection(account, fake) -> Connection:
    return services.connection_save(account=account, provider="fake", config={"address": "https://fake.example.test"})


def test_the_sync_task_runs_the_sync_of_the_connections_provider(account, fake, fake_connection):
    tasks.connection_sync.delay(fake_connection.pk, full=True)

    assert fake.calls == [(fake_connection.pk, True)]
    run = SyncRun.objects.get(connection=fake_connection)
    assert (run.kind, run.state, run.records_in) == ("full", "succeeded", 3)


def test_a_passing_failure_is_retried_by_the_task(account, fake, fake_connection):
    fake.failures = 1

    result = tasks.connection_sync.apply(args=[fake_connection.pk], throw=False)  # eager: the retry runs at once

    assert result.successful() and tasks.connection_sync.max_retries == 8
    assert fake.calls == [(fake_connection.pk, False), (fake_connection.pk, False)]
    assert SyncRun.objects.get(connection=fake_connection).state == "succeeded"


def test_a_connection_that_cannot_sync_fails_the_task_without_a_run(account, fake, fake_connection):
    services.connection_pause(account=account, connection=fake_connection, until=None, reason="by hand")

    with pytest.raises(ApplicationError):
        tasks.connection_sync.delay(fake_connection.pk)

    assert not SyncRun.objects.filter(connection=fake_connection).exists()


def test_a_removed_connection_or_an_unknown_provider_is_nothing_to_do(account, fake):
    orphan = Connection.objects.create(account=account, provider="gone")

    tasks.connection_sync.delay(orphan.pk + 1000)
    tasks.connection_sync.delay(orphan.pk)

    assert fake.calls == [] and not SyncRun.objects.exists()


def test_the_provider_checks_what_it_needs_before_a_connection_is_saved(account, fake):
    with pytest.raises(ApplicationError) as refused:
        services.connection_save(account=account, provider="fake")

    assert refused.value.details == {"field": "address"}
    assert not Connection.objects.filter(account=account).exists()


def test_the_test_of_a_connection_goes_to_its_provider(account, fake, fake_connection):
    status = services.connection_test(account=account, connection=fake_connection)

    fake_connection.refresh_from_db()
    assert status.ok and fake_connection.connected_at is not None
    assert fake_connection.config == {"address": "https://fake.example.test", "account_id": "fake-42"}


def test_config_and_credentials_keep_what_is_not_given_and_drop_what_is_emptied(account, fake, fake_connection):
    services.connection_save(
        account=account, provider="fake", config={"region": "eu"}, credentials={"api_key": "k-1", "token": "t-1"}
    )

    services.connection_save(account=account, provider="fake", config={"region": ""}, credentials={"token": "t-2"})

    fresh = Connection.objects.get(pk=fake_connection.pk)
    assert fresh.config == {"address": "https://fake.example.test"}
    assert fresh.credentials == {"api_key": "k-1", "token": "t-2"}


def test_saved_credentials_do_not_undo_a_settings_change_made_meanwhile(account, fake, fake_connection):
    stale = Connection.objects.get(pk=fake_connection.pk)
    services.connection_save(account=account, provider="fake", config={"region": "eu"})

    services.connection_credentials_update(
        account=account, connection=stale, credentials={"token": "t-1"}, config={"seen_as": "platform"}
    )

    fresh = Connection.objects.get(pk=fake_connection.pk)
    assert fresh.config == {"address": "https://fake.example.test", "region": "eu", "seen_as": "platform"}
    assert fresh.credentials == {"token": "t-1"}


def test_a_disconnect_forgets_every_credential_but_those_a_reconnect_reuses(account, fake, fake_connection):
    services.connection_save(account=account, provider="fake", credentials={"api_key": "k-1", "token": "t-1"})

    services.connection_disconnect(account=account, connection=fake_connection)

    fresh = Connection.objects.get(pk=fake_connection.pk)
    assert fresh.state == Connection.State.DISCONNECTED
    assert fresh.credentials == {"api_key": "k-1"} and fresh.config == {"address": "https://fake.example.test"}


def test_due_connections_of_every_registered_provider_start_the_generic_task(
    account, other_account, fake, fake_connection, monkeypatch
):
    salesforce = Connection.objects.create(account=other_account, provider="salesforce")
    Connection.objects.create(account=other_account, provider="gone")  # no provider registered: never started
    syncing = services.connection_save(
        account=other_account, provider="fake", config={"address": "https://f.example.test"}
    )
    SyncRun.objects.create(account=other_account, connection=syncing, kind="incremental")  # running now
    recent = Connection.objects.create(account=account, provider="salesforce", last_sync_at=timezone.now())
    started = []
    monkeypatch.setattr(tasks.connection_sync, "delay", lambda connection_id: started.append(connection_id))

    count = tasks.connections_sync_due()

    assert sorted(started) == sorted([fake_connection.pk, salesforce.pk]) and count == 2
    assert recent.pk not in connections_due(now=timezone.now() + dt.timedelta(minutes=4))
    assert recent.pk in connections_due(now=timezone.now() + dt.timedelta(minutes=6))


def test_a_run_left_running_by_a_dead_worker_holds_the_next_sync_back_for_two_hours_only(
    account, fake, fake_connection
):
    SyncRun.objects.create(account=account, connection=fake_connection, kind="incremental")

    assert connections_due() == []
    assert connections_due(now=timezone.now() + dt.timedelta(hours=2, minutes=1)) == [fake_connection.pk]
