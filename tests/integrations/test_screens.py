"""INT-1, SF-15, SF-16 on the screens: every Salesforce screen in English and in Hebrew (right to left), the sync
runs with their chart and details, per-record errors and their retry, and who may see or change what."""

import json
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from contacts.models import Contact
from integrations import services
from integrations.models import Connection, SyncError, SyncRun
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.budget import hour_start
from integrations.salesforce.models import ApiUsage, SalesforceConnection
from integrations.salesforce.screens import RemoteField
from integrations.salesforce.views import settings as settings_views
from marketing.accounts.roles import Role

from ..factories import AccountFactory

BASE = "/integrations/salesforce/"
SCREENS = [BASE, f"{BASE}settings/", f"{BASE}runs/", f"{BASE}errors/", f"{BASE}errors/?state=dead"]


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _connect(account, host: str = "a-org.example.test") -> Connection:
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=SalesforceConnection.AuthFlow.PASSWORD,
        client_id="client-id",
        client_secret="client-secret",
        username=f"integration@{host}",
        password="password-and-token",
    )
    return salesforce_services.salesforce_tokens_save(
        account=account, connection=connection, access_token="access-token", instance_url=f"https://{host}"
    )


def _fields(*names_and_types) -> list[RemoteField]:
    return [RemoteField(name=n, label=n, type=t, updateable=True) for n, t in names_and_types]


DESCRIBED = {
    sobject: _fields(
        ("Email", "email"), ("FirstName", "string"), ("LastName", "string"), ("HasOptedOutOfEmail", "boolean")
    )
    for sobject in ("Lead", "Contact")
}


@pytest.fixture(autouse=True)
def _described(monkeypatch):
    """The settings screen reads the org's fields; here they come without Salesforce."""
    monkeypatch.setattr(settings_views, "object_fields", lambda connection, refresh: DESCRIBED)


@pytest.fixture
def connection(account) -> Connection:
    connection = _connect(account)
    salesforce_services.salesforce_settings_save(account=account, connection=connection, values={})  # the defaults
    return connection


def _run(account, connection, *, state=SyncRun.State.SUCCEEDED, **totals) -> SyncRun:
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    if state != SyncRun.State.RUNNING:
        run = services.sync_run_finish(account=account, run=run, state=state, **totals)
    return run


def _error(account, connection, external_id: str, *, dead: bool = False, **kwargs) -> SyncError:
    error = None
    for _attempt in range(services.SYNC_ERROR_MAX_ATTEMPTS if dead else 1):
        error = services.sync_error_record(
            account=account,
            connection=connection,
            direction=SyncError.Direction.IN,
            object_type="Lead",
            external_id=external_id,
            code="INVALID_EMAIL",
            message=kwargs.get("message", "Email is not valid"),
            contact=kwargs.get("contact"),
        )
    return error


@pytest.mark.parametrize("url", SCREENS)
def test_each_screen_renders_in_english(owner_client, connection, url):
    response = owner_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr">' in html
    assert 'id="integrations-nav"' in html and 'href="/integrations/salesforce/"' in html


@pytest.mark.parametrize("url", SCREENS)
def test_each_screen_renders_right_to_left_in_hebrew(db, client_for, url):
    account = AccountFactory(name="חשבון", slug="hebrew", language="he")
    connection = _connect(account, "he-org.example.test")
    salesforce_services.salesforce_settings_save(account=account, connection=connection, values={})
    _run(account, connection, records_in=3)

    response = client_for(account.owner).get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="he" dir="rtl">' in html and "bootstrap.rtl.min.css" in html
    assert 'id="integrations-nav"' in html


def test_without_a_connection_the_owner_gets_the_connect_form(owner_client, account):
    html = owner_client.get(BASE).content.decode()

    assert 'id="connect-form"' in html and 'value="https://login.example.test"' not in html
    assert "http://testserver/integrations/salesforce/callback/" in html
    assert owner_client.get(f"{BASE}settings/").status_code == 302
    assert owner_client.get(f"{BASE}runs/").status_code == 200
    assert owner_client.get(f"{BASE}errors/").status_code == 200
    assert owner_client.get("/integrations/").url == BASE


def test_the_navbar_leads_to_integrations(owner_client, account):
    html = owner_client.get("/").content.decode()

    assert 'href="/integrations/salesforce/"' in html


def test_the_budget_shows_this_hours_calls_and_the_orgs_use(owner_client, account, connection):
    ApiUsage.objects.create(
        account=account, connection=connection, hour=hour_start(timezone.now()), calls=120, org_used=9000, org_max=15000
    )

    html = owner_client.get(BASE).content.decode()

    assert "This hour: 120 of 3,600 calls" in html
    assert "Organization today: 9,000 of 15,000 calls; syncing stops at 7,500 (50%)" in html
    assert 'aria-valuenow="60"' in html  # 9,000 of 15,000


def test_the_runs_list_shows_totals_duration_and_a_chart(owner_client, account, connection):
    _run(account, connection, records_in=12, records_out=3, records_failed=1, api_calls=7)
    _run(account, connection, state=SyncRun.State.STOPPED, stop_reason="hourly API budget reached", api_calls=2)

    response = owner_client.get(f"{BASE}runs/")

    html = response.content.decode()
    chart = response.context["chart"]
    assert chart["series"]["records_in"]["data"] == [12, 0] and chart["series"]["api_calls"]["data"] == [7, 2]
    assert 'id="runs-chart-data"' in html and "vendor/chart.js/chart.umd.min.js" in html
    assert "hourly API budget reached" in html and "Stopped early" in html
    assert "0:00:00" in html


def test_run_times_are_shown_in_the_accounts_time_zone(owner_client, account, connection):
    run = _run(account, connection)
    SyncRun.objects.filter(pk=run.pk).update(
        started_at=datetime(2025, 1, 1, 10, 0, tzinfo=UTC),
        finished_at=datetime(2025, 1, 1, 11, 2, 3, tzinfo=UTC),
    )

    html = owner_client.get(f"{BASE}runs/").content.decode()

    assert "12:00" in html and "1:02:03" in html  # Asia/Jerusalem is UTC+2 in January


def test_runs_are_paginated(owner_client, account, connection):
    for _n in range(30):
        _run(account, connection)

    response = owner_client.get(f"{BASE}runs/", {"page": 2})

    assert len(response.context["page"].object_list) == 5


def test_a_run_shows_its_details_and_errors(owner_client, account, connection):
    run = _run(account, connection, state=SyncRun.State.RUNNING)
    contact = Contact.objects.create(account=account, email="dana@example.com", first_name="Dana")
    services.sync_error_record(
        account=account,
        connection=connection,
        run=run,
        direction="in",
        object_type="Lead",
        external_id="00Q000000000001AAA",
        code="INVALID_EMAIL",
        message="Bad email",
        contact=contact,
    )
    services.sync_run_finish(
        account=account,
        run=run,
        records_failed=1,
        details={"received": 2, "new": 1, "failed": 1, "pages": 2},
    )

    html = owner_client.get(f"{BASE}runs/{run.pk}/").content.decode()

    details = html[html.index('id="run-details"') : html.index('id="error-table"')]
    assert "Records read from Salesforce" in details and "New contacts" in details and "Refused here" in details
    assert "pages" not in details and "received" not in details.replace('data-key="received"', "")  # no raw keys
    assert 'href="https://a-org.example.test/00Q000000000001AAA"' in html
    assert f'href="/contacts/{contact.pk}/"' in html
    assert "Cancel run" not in html


def test_a_running_run_can_be_cancelled(owner_client, account, connection):
    run = _run(account, connection, state=SyncRun.State.RUNNING)
    assert "Cancel run" in owner_client.get(f"{BASE}runs/{run.pk}/").content.decode()

    owner_client.post(f"{BASE}runs/{run.pk}/cancel/")

    run.refresh_from_db()
    assert run.state == SyncRun.State.CANCELLED and run.finished_at


def test_the_errors_tabs_list_each_state(owner_client, account, connection):
    _error(account, connection, "00Q000000000001AAA", message="pending one")
    _error(account, connection, "00Q000000000002AAA", dead=True, message="dead one")

    pending = owner_client.get(f"{BASE}errors/").content.decode()
    dead = owner_client.get(f"{BASE}errors/", {"state": "dead"}).content.decode()

    assert "pending one" in pending and "dead one" not in pending
    assert "dead one" in dead and "pending one" not in dead and "Retry all given up" in dead
    assert 'href="https://a-org.example.test/00Q000000000002AAA"' in dead


def test_retry_makes_a_dead_error_pending_and_due(owner_client, account, connection):
    error = _error(account, connection, "00Q000000000002AAA", dead=True)
    assert error.state == SyncError.State.DEAD

    response = owner_client.post(f"{BASE}errors/{error.pk}/retry/", {"tab": "dead"})

    error.refresh_from_db()
    assert error.state == SyncError.State.PENDING and error.next_attempt_at <= timezone.now()
    assert response["Location"] == f"{BASE}errors/?state=dead"


def test_retry_all_dead(owner_client, account, connection):
    first = _error(account, connection, "00Q000000000001AAA", dead=True)
    second = _error(account, connection, "00Q000000000002AAA", dead=True)
    again = _error(account, connection, "00Q000000000002AAA")  # failed again since it was given up
    due_later = again.next_attempt_at

    response = owner_client.post(f"{BASE}errors/retry-dead/", follow=True)

    states = dict(SyncError.objects.filter(connection=connection).values_list("pk", "state"))
    assert states == {first.pk: "pending", second.pk: "dead", again.pk: "pending"}
    again.refresh_from_db()
    assert again.next_attempt_at < due_later
    assert "2 records are retried at the next sync." in response.content.decode()


def test_runs_and_errors_list_only_this_accounts_rows(owner_client, account, connection, other_account):
    theirs = _connect(other_account, "b-org.example.test")
    _run(other_account, theirs, stop_reason="reason of B", state=SyncRun.State.STOPPED)
    _error(other_account, theirs, "00QB00000000001AAA", message="error of B")
    _run(account, connection, api_calls=4)

    runs = owner_client.get(f"{BASE}runs/")
    errors = owner_client.get(f"{BASE}errors/")

    assert [run.connection_id for run, _duration in runs.context["page"].object_list] == [connection.pk]
    assert "reason of B" not in runs.content.decode()
    assert list(errors.context["page"].object_list) == [] and "error of B" not in errors.content.decode()


def test_reports_only_members_see_nothing(client_for, make_member, account, connection):
    client = client_for(make_member(account, role=Role.REPORTS_ONLY).user)

    for url in SCREENS:
        assert client.get(url).status_code == 403, url


def test_members_who_see_contacts_read_but_do_not_change(client_for, make_member, account, connection):
    client = client_for(make_member(account, role=Role.USER).user)
    run = _run(account, connection, state=SyncRun.State.RUNNING)
    error = _error(account, connection, "00Q000000000002AAA", dead=True)

    pages = [client.get(url) for url in [*SCREENS, f"{BASE}runs/{run.pk}/"]]
    refused = [
        client.post(f"{BASE}runs/{run.pk}/cancel/"),
        client.post(f"{BASE}errors/{error.pk}/retry/"),
        client.post(f"{BASE}errors/retry-dead/"),
    ]

    assert [p.status_code for p in pages] == [200] * len(pages)
    assert "Cancel run" not in pages[-1].content.decode()
    assert "Retry all given up" not in client.get(f"{BASE}errors/?state=dead").content.decode()
    assert [r.status_code for r in refused] == [403, 403, 403]
    run.refresh_from_db()
    error.refresh_from_db()
    assert run.state == SyncRun.State.RUNNING and error.state == SyncError.State.DEAD


def test_the_chart_data_is_valid_json_in_the_page(owner_client, account, connection):
    _run(account, connection, records_in=5)
    html = owner_client.get(f"{BASE}runs/").content.decode()

    start = html.index('<script id="runs-chart-data" type="application/json">') + len(
        '<script id="runs-chart-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])

    assert data["series"]["records_in"]["data"] == [5] and data["axes"]["calls"] == "API calls"
