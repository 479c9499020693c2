"""INT-1 with ACC-1 on the integrations screens: account B never sees, changes or retries anything of account A."""

from urllib.parse import parse_qs, urlparse

import pytest

from contacts.models import Contact
from integrations import services
from integrations.models import Connection, SyncError, SyncRun
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.models import SalesforceConnection, SalesforceSettings
from integrations.salesforce.views import settings as settings_views

from ..factories import AccountFactory
from ..tenancy import TenancyCase, assert_tenant_isolated

BASE = "/integrations/salesforce/"
SECRETS = [
    "a-only.example.test",
    "00QA00000000001AAA",
    "00QA00000000002AAA",
    "Email of A is bad",
    "stop reason of A",
    "detail-of-A",
    "Alice-of-A",
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setattr(settings_views, "object_fields", lambda connection, refresh: {"Lead": [], "Contact": []})


def _connect(account, host: str, flow: str = SalesforceConnection.AuthFlow.PASSWORD) -> Connection:
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=flow,
        client_id="client-id",
        client_secret="client-secret",
        username=f"integration@{host}",
        password="password-and-token",
    )
    connection = salesforce_services.salesforce_tokens_save(
        account=account, connection=connection, access_token="access-token", instance_url=f"https://{host}"
    )
    salesforce_services.salesforce_settings_save(account=account, connection=connection, values={})
    return connection


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def rows_of_a(account):
    connection = _connect(account, "a-only.example.test")
    contact = Contact.objects.create(account=account, email="alice@a.example", first_name="Alice-of-A")
    finished = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.FULL)
    services.sync_run_finish(
        account=account, run=finished, stop_reason="stop reason of A", details={"note": "detail-of-A"}
    )
    running = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    errors = [
        services.sync_error_record(
            account=account,
            connection=connection,
            run=running,
            direction="in",
            object_type="Lead",
            external_id=external_id,
            code="INVALID_EMAIL",
            message="Email of A is bad",
            contact=contact,
        )
        for external_id in ("00QA00000000001AAA", "00QA00000000002AAA")
    ]
    SyncError.objects.filter(pk=errors[1].pk).update(state=SyncError.State.DEAD, next_attempt_at=None)
    return {"connection": connection, "runs": [finished, running], "errors": errors, "contact": contact}


@pytest.fixture
def client_of_b(other_account, client_for):
    _connect(other_account, "b-org.example.test")
    return client_for(other_account.owner)


def _rows(rows_of_a) -> list:
    connection = rows_of_a["connection"]
    return [
        connection,
        SalesforceSettings.objects.get(connection=connection),
        *rows_of_a["runs"],
        *rows_of_a["errors"],
    ]


def test_the_integrations_screens_show_and_change_nothing_of_another_account(client_of_b, rows_of_a):
    finished, running = rows_of_a["runs"]
    pending, dead = rows_of_a["errors"]
    case = TenancyCase(
        rows=_rows(rows_of_a),
        secrets=SECRETS,
        list_urls=[
            BASE,
            f"{BASE}?edit=1",
            f"{BASE}settings/",
            f"{BASE}runs/",
            f"{BASE}runs/?page=2",
            f"{BASE}errors/",
            f"{BASE}errors/?state=dead",
            f"{BASE}errors/?state=resolved",
        ],
        object_urls=[
            f"{BASE}runs/{finished.pk}/",
            f"{BASE}runs/{running.pk}/",
            f"{BASE}runs/{running.pk}/cancel/",
            f"{BASE}errors/{pending.pk}/retry/",
            f"{BASE}errors/{dead.pk}/retry/",
        ],
        payload={"tab": "dead"},
        not_found=True,
    )

    assert_tenant_isolated(client_of_b, case)


def test_another_accounts_ids_are_not_found(client_of_b, rows_of_a):
    finished, running = rows_of_a["runs"]
    _pending, dead = rows_of_a["errors"]

    assert client_of_b.get(f"{BASE}runs/{finished.pk}/").status_code == 404
    assert client_of_b.post(f"{BASE}runs/{running.pk}/cancel/").status_code == 404
    assert client_of_b.post(f"{BASE}errors/{dead.pk}/retry/").status_code == 404


def test_actions_on_the_own_connection_never_reach_another_account(client_of_b, rows_of_a):
    """B's buttons act on B's connection; A's connection, runs and errors stay as they were."""
    rows = _rows(rows_of_a)
    before = [type(row).objects.filter(pk=row.pk).values().get() for row in rows]

    client_of_b.post(f"{BASE}errors/retry-dead/")
    client_of_b.post(f"{BASE}pause/", {"hours": "1"})
    client_of_b.post(f"{BASE}resume/")
    client_of_b.post(f"{BASE}settings/", {"pull_leads": "on", "schedule_minutes": "1"})
    client_of_b.post(f"{BASE}connect/", {"environment": "production", "auth_flow": "web_server", "client_id": "x"})

    assert [type(row).objects.filter(pk=row.pk).values().get() for row in rows] == before


def test_a_sign_in_started_by_one_account_cannot_be_finished_by_another(
    owner_client, account, other_account, client_for
):
    _connect(account, "a-only.example.test", SalesforceConnection.AuthFlow.WEB_SERVER)
    started = owner_client.post(f"{BASE}authorize/")
    state = parse_qs(urlparse(started["Location"]).query)["state"][0]
    intruder = client_for(other_account.owner)
    _connect(other_account, "b-org.example.test")

    response = intruder.get(f"{BASE}callback/", {"code": "stolen", "state": state}, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "state" in messages[0]  # the refusal names the mismatched state, in any language
    assert SalesforceConnection.objects.get(account=account).access_token == "access-token"
