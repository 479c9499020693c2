"""The Salesforce emulator for tests: one HTTPS server for the whole run, a fresh org for each test."""

import pytest

from integrations.salesforce.emulator import EmulatorServer


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
