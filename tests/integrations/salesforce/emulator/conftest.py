import pytest
import requests
from simple_salesforce import Salesforce

from .support import CLIENT, VERSION, Rest, grant


@pytest.fixture(autouse=True)
def _trust_the_emulator(sf_emulator, monkeypatch):
    """requests lets REQUESTS_CA_BUNDLE win over Session.verify, so point it at the emulator's CA too."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sf_emulator.ca_path)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.fixture
def http(sf_emulator):
    with requests.Session() as client:
        client.verify = sf_emulator.ca_path
        yield client


@pytest.fixture
def token(sf_emulator, http) -> str:
    response = grant(sf_emulator, http, grant_type="client_credentials", **CLIENT)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def api(sf_emulator, http, token) -> Salesforce:
    return Salesforce(instance_url=sf_emulator.base_url, session_id=token, session=http, version=VERSION)


@pytest.fixture
def rest(sf_emulator, http, token) -> Rest:
    return Rest(sf_emulator, http, token)
