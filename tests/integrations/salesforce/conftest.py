"""The Salesforce emulator for tests: one HTTPS server for the whole run, a fresh org for each test."""

import datetime as dt

import pytest
import time_machine

from integrations import services
from integrations.models import Connection, SyncRun
from integrations.salesforce import client as client_module
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.emulator import EmulatorServer
from integrations.salesforce.models import SalesforceConnection
from integrations.salesforce.sync import salesforce_sync


@pytest.fixture(scope="session")
def _sf_emulator_server():
    with EmulatorServer(port=0) as server:
        yield server


@pytest.fixture
def sf_emulator(_sf_emulator_server) -> EmulatorServer:
    """The running emulator, reset: no records but the users, no tokens, no faults, counters at zero.

    Clients must trust `sf_emulator.ca_path` (verify=..., or REQUESTS_CA_BUNDLE).
    """
    _sf_emulator_server.reset()
    yield _sf_emulator_server
    _sf_emulator_server.reset()


CLIENT = {"client_id": "emulator-client-id", "client_secret": "emulator-client-secret"}


@pytest.fixture
def quick_salesforce(monkeypatch, settings, sf_emulator):
    monkeypatch.setattr(client_module, "RETRY_BASE_SECONDS", 0.001)
    monkeypatch.setattr(client_module, "BULK_POLL_SECONDS", 0)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sf_emulator.ca_path)
    settings.SALESFORCE_BULK_THRESHOLD = 50


class Clock:
    """Time for both sides (the emulator runs in this process): deleted/updated answer in whole past minutes."""

    def __init__(self, traveller):
        self.traveller = traveller

    @property
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def advance(self, **delta):
        self.traveller.shift(dt.timedelta(**delta))


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as traveller:
        yield Clock(traveller)


def emulator_connection(account, sf) -> Connection:
    """A client-credentials connection of `account` to the emulator's demo app (not tested yet)."""
    return salesforce_services.salesforce_connection_save(
        account=account,
        login_url=sf.base_url,
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        ca_bundle=sf.ca_path,
        **CLIENT,
    )


@pytest.fixture
def connection(account, sf_emulator) -> Connection:
    connection = emulator_connection(account, sf_emulator)
    services.connection_test(account=account, connection=connection)
    salesforce_services.salesforce_settings_init(account=account, connection=connection)
    connection.refresh_from_db()
    return connection


def lead(sf, **fields):
    values = {"LastName": "Levi", "Company": "Acme", **fields}
    return sf.org.create("Lead", values)


def sync(connection, **kw) -> SyncRun:
    connection.refresh_from_db()
    return salesforce_sync(connection=connection, **kw)
