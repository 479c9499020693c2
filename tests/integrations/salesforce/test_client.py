"""SF-1, SF-15, SF-18: the REST client against the emulator — session renewal, limits, errors, retries."""

import datetime as dt
import random
from urllib.parse import parse_qs, urlparse

import certifi
import pytest
import requests
from django.utils import timezone

from integrations import services
from integrations.models import Connection
from integrations.salesforce import auth
from integrations.salesforce import client as client_module
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.client import SalesforceClient
from integrations.salesforce.errors import (
    SalesforceApiDisabled,
    SalesforceAuthError,
    SalesforceLimitExceeded,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from integrations.salesforce.models import ApiUsage, SalesforceConnection
from marketing.core.errors import ApplicationError, TransientError

CLIENT = {"client_id": "emulator-client-id", "client_secret": "emulator-client-secret"}
REDIRECT = "https://platform.example.test/integrations/salesforce/callback/"


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    monkeypatch.setattr(client_module, "RETRY_BASE_SECONDS", 0.001)
    monkeypatch.setattr(client_module, "BULK_POLL_SECONDS", 0)


def _connect(account, sf, **values) -> Connection:
    return salesforce_services.salesforce_connection_save(
        account=account,
        login_url=sf.base_url,
        auth_flow=values.pop("auth_flow", SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS),
        ca_bundle=sf.ca_path,
        **CLIENT,
        **values,
    )


@pytest.fixture
def connection(account, sf_emulator) -> Connection:
    return _connect(account, sf_emulator)


@pytest.fixture
def web_connection(account, sf_emulator) -> Connection:
    """Connected through the browser flow: it holds a refresh token."""
    connection = _connect(account, sf_emulator, auth_flow=SalesforceConnection.AuthFlow.WEB_SERVER)
    pair = auth.pkce_pair()
    url = auth.authorize_url(sf_emulator.base_url, CLIENT["client_id"], REDIRECT, "s", pair.challenge)
    location = requests.get(url, allow_redirects=False, verify=sf_emulator.ca_path, timeout=10).headers["Location"]
    tokens = auth.exchange_code(
        login_url=sf_emulator.base_url,
        code=parse_qs(urlparse(location).query)["code"][0],
        redirect_uri=REDIRECT,
        code_verifier=pair.verifier,
        ca_bundle=sf_emulator.ca_path,
        **CLIENT,
    )
    return salesforce_services.salesforce_tokens_save(
        account=account,
        connection=connection,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        instance_url=tokens.instance_url,
        identity_url=tokens.identity_url,
    )


def _lead(sf, n: int = 1) -> str:
    return sf.org.create("Lead", {"LastName": f"Lead {n}", "Company": "Acme", "Email": f"lead{n}@example.com"})


def test_the_first_call_signs_in_and_keeps_the_token_encrypted(connection, sf_emulator):
    _lead(sf_emulator)

    page = SalesforceClient(connection).query("SELECT Id, Email FROM Lead")

    assert page["totalSize"] == 1 and page["records"][0]["Email"] == "lead1@example.com"
    fresh = SalesforceConnection.objects.get(pk=connection.pk)
    assert fresh.access_token and fresh.instance_url == sf_emulator.base_url
    assert fresh.identity_url.startswith(sf_emulator.base_url + "/id/")


def test_every_call_is_counted_and_its_limit_header_read(connection, sf_emulator):
    sf_emulator.org.daily_api_limit = 5000
    client = SalesforceClient(connection)

    client.limits()
    client.describe("Lead")

    assert client.api_calls == 2 == sf_emulator.api_calls
    assert (client.limit_info.used, client.limit_info.total) == (2, 5000)
    usage = ApiUsage.objects.get(connection=connection)
    assert (usage.calls, usage.org_used, usage.org_max) == (2, 2, 5000)


def test_identity_names_the_integration_user(connection, sf_emulator):
    who = SalesforceClient(connection).identity()

    assert who["user_id"] == sf_emulator.org.integration_user_id
    assert who["organization_id"] == sf_emulator.org.organization_id
    assert who["username"] == "integration@example.com"


def test_an_expired_session_is_renewed_once_with_the_refresh_token(web_connection, sf_emulator):
    _lead(sf_emulator)
    client = SalesforceClient(web_connection)
    client.limits()
    old = SalesforceConnection.objects.get(pk=web_connection.pk).access_token
    sf_emulator.faults.expire_sessions()

    page = client.query("SELECT Id FROM Lead")

    assert page["totalSize"] == 1
    fresh = SalesforceConnection.objects.get(pk=web_connection.pk)
    assert fresh.access_token != old and fresh.refresh_token == web_connection.refresh_token
    assert client.api_calls == 3  # limits, the refused query, the query again


def test_without_a_refresh_token_the_connections_own_grant_signs_in_again(connection, sf_emulator):
    client = SalesforceClient(connection)
    client.limits()
    sf_emulator.faults.expire_sessions()

    assert client.limits()["DailyApiRequests"]["Max"] == sf_emulator.org.daily_api_limit


def test_a_second_expiry_in_the_same_call_is_an_error_not_a_loop(web_connection, sf_emulator, monkeypatch):
    client = SalesforceClient(web_connection)
    sf_emulator.faults.expire_sessions()
    monkeypatch.setattr(
        auth, "refresh", lambda **kw: auth.TokenSet(access_token="00D!not-valid", instance_url=sf_emulator.base_url)
    )

    with pytest.raises(SalesforceAuthError) as refused:
        client.limits()

    assert refused.value.code == "salesforce_session_rejected"
    assert client.api_calls == 2


def test_a_revoked_refresh_token_asks_to_reconnect_and_marks_the_connection(web_connection, sf_emulator):
    client = SalesforceClient(web_connection)
    sf_emulator.faults.expire_sessions()
    sf_emulator.faults.revoke_refresh_tokens()

    with pytest.raises(SalesforceAuthError) as refused:
        client.query("SELECT Id FROM Lead")

    assert refused.value.code == "salesforce_reconnect"
    fresh = SalesforceConnection.objects.get(pk=web_connection.pk)
    assert fresh.state == Connection.State.ERROR and "Reconnect Salesforce" in fresh.status_message
    with pytest.raises(Exception, match="needs attention"):
        services.sync_run_start(account=fresh.account, connection=fresh, kind="incremental")


def test_an_org_without_api_access_gets_a_clear_error(connection, sf_emulator):
    sf_emulator.faults.set(api_disabled=True)

    with pytest.raises(SalesforceApiDisabled) as refused:
        SalesforceClient(connection).query("SELECT Id FROM Lead")

    assert "API_DISABLED_FOR_ORG" in refused.value.message and "API Enabled" in refused.value.message
    assert SalesforceConnection.objects.get(pk=connection.pk).state == Connection.State.ERROR


def test_request_limit_exceeded_becomes_salesforce_limit_exceeded(connection, sf_emulator):
    sf_emulator.faults.set(limit_after_calls=0)

    with pytest.raises(SalesforceLimitExceeded) as stopped:
        SalesforceClient(connection).limits()

    assert stopped.value.resume_at >= timezone.now() + dt.timedelta(minutes=59)
    assert sf_emulator.api_calls == 0


def _seed_failing_first_then_passing(rate: float) -> int:
    for seed in range(1000):
        draws = random.Random(seed)
        if draws.random() < rate <= draws.random():
            return seed
    raise AssertionError("no such seed")


def test_a_server_error_is_retried_and_the_call_succeeds(connection, sf_emulator):
    sf_emulator.faults.set(error_rate=0.5, seed=_seed_failing_first_then_passing(0.5))
    client = SalesforceClient(connection)

    assert client.limits()
    assert client.api_calls == 2


def test_server_errors_that_persist_end_as_a_transient_error_after_a_few_tries(connection, sf_emulator):
    sf_emulator.faults.set(error_rate=1.0)
    client = SalesforceClient(connection)

    with pytest.raises(SalesforceUnavailable) as failed:
        client.limits()

    assert isinstance(failed.value, TransientError)
    assert client.api_calls == client_module.RETRY_ATTEMPTS


def test_a_locked_row_is_retried(connection, sf_emulator):
    lead = _lead(sf_emulator)
    sf_emulator.faults.set(lock_rows=1)
    client = SalesforceClient(connection)

    client.update("Lead", lead, {"FirstName": "Dana"})

    assert sf_emulator.org.get("Lead", lead)["FirstName"] == "Dana"
    assert client.api_calls == 2


def test_a_missing_field_is_named(connection, sf_emulator):
    with pytest.raises(SalesforceRequestError) as refused:
        SalesforceClient(connection).query("SELECT Id, NoSuchField__c FROM Lead")

    assert refused.value.code == "salesforce_missing_field"
    assert "Check the field mapping" in refused.value.message


def test_paging_with_query_more(connection, sf_emulator):
    sf_emulator.org.bulk_create("Lead", [{"LastName": f"L{i}", "Company": "Acme"} for i in range(2005)])
    client = SalesforceClient(connection)

    first = client.query("SELECT Id FROM Lead ORDER BY SystemModstamp, Id")
    second = client.query_more(first["nextRecordsUrl"])

    assert (len(first["records"]), len(second["records"]), second["done"]) == (2000, 5, True)


def test_collections_update_and_create_report_each_record(connection, sf_emulator):
    leads = [_lead(sf_emulator, n) for n in range(3)]
    client = SalesforceClient(connection)

    updated = client.composite_update(
        [{"Id": leads[0], "FirstName": "A"}, {"Id": leads[1], "FirstName": "B"}, {"Id": "00Q000000000000AAA"}],
        sobject="Lead",
    )
    created = client.composite_create(
        [{"LastName": "New", "Company": "Acme"}, {"FirstName": "No last"}], sobject="Lead"
    )

    assert [r["success"] for r in updated] == [True, True, False]
    assert sf_emulator.org.get("Lead", leads[1])["FirstName"] == "B"
    assert [r["success"] for r in created] == [True, False]
    assert created[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"


def test_deleted_and_updated_windows(connection, sf_emulator):
    kept, gone = _lead(sf_emulator, 1), _lead(sf_emulator, 2)
    sf_emulator.org.delete("Lead", gone)
    later = timezone.now() + dt.timedelta(minutes=3)
    sf_emulator.org.clock = lambda: later  # Salesforce never reports the current minute: let time pass
    client = SalesforceClient(connection)
    start, end = timezone.now() - dt.timedelta(minutes=5), later

    deleted = client.deleted("Lead", start, end)
    updated = client.updated("Lead", start, end)

    assert [r["id"] for r in deleted["deletedRecords"]] == [gone]
    assert kept in updated["ids"]


def test_bulk_query_yields_rows(connection, sf_emulator):
    sf_emulator.org.bulk_create("Lead", [{"LastName": f"L{i}", "Company": "Acme"} for i in range(3)])

    rows = list(SalesforceClient(connection).bulk2_query("SELECT Id, LastName FROM Lead ORDER BY LastName"))

    assert [row["LastName"] for row in rows] == ["L0", "L1", "L2"]


def test_a_connections_own_ca_bundle_wins_over_the_environment(connection, sf_emulator, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())

    assert SalesforceClient(connection).limits()


def test_without_its_own_bundle_the_client_trusts_requests_ca_bundle(account, sf_emulator, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sf_emulator.ca_path)
    connection = _connect(account, sf_emulator)
    connection.ca_bundle = ""
    connection.save(update_fields=["config"])

    assert SalesforceClient(connection).limits()


def test_disconnect_revokes_the_authorization_at_salesforce_and_stops_the_client(web_connection, sf_emulator):
    refresh_token = web_connection.refresh_token

    services.connection_disconnect(account=web_connection.account, connection=web_connection)

    with pytest.raises(SalesforceAuthError) as refused:
        auth.refresh(
            login_url=sf_emulator.base_url, refresh_token=refresh_token, ca_bundle=sf_emulator.ca_path, **CLIENT
        )
    assert refused.value.code == "salesforce_reconnect"
    with pytest.raises(ApplicationError, match="disconnected"):
        SalesforceClient(SalesforceConnection.objects.get(pk=web_connection.pk)).limits()
    assert sf_emulator.api_calls == 0
