"""SF-15: the API budget — a share of the org's daily limit and an hourly cap, kept across processes."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from integrations import services
from integrations.models import Connection
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.budget import ApiBudget, BudgetExhausted, hour_start
from integrations.salesforce.client import SalesforceClient
from integrations.salesforce.errors import ApiLimitReached, SalesforceLimitExceeded
from integrations.salesforce.models import ApiUsage, SalesforceConnection

NOON = dt.datetime(2025, 3, 4, 12, 30, tzinfo=dt.UTC)


@pytest.fixture
def connection(account) -> Connection:
    return salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        client_id="client-id",
        client_secret="client-secret",
        hourly_call_cap=3,
        daily_share_percent=50,
    )


def test_the_hourly_cap_stops_the_call_that_would_pass_it(connection):
    budget = ApiBudget(connection)
    budget.record(2, now=NOON)
    budget.check(now=NOON)
    budget.record(1, now=NOON)

    with pytest.raises(BudgetExhausted) as stopped:
        budget.check(now=NOON)

    assert "hourly API budget reached" in stopped.value.reason
    assert stopped.value.resume_at == dt.datetime(2025, 3, 4, 13, 0, tzinfo=dt.UTC)
    assert stopped.value.details["limit"] == "hourly"


def test_the_hourly_count_starts_again_each_clock_hour(connection):
    budget = ApiBudget(connection)
    budget.record(3, now=NOON)

    budget.check(now=NOON + dt.timedelta(minutes=30))

    assert ApiUsage.objects.get(connection=connection, hour=hour_start(NOON)).calls == 3


def test_the_count_is_shared_by_every_process(connection):
    ApiBudget(connection).record(2, now=NOON)
    ApiBudget(Connection.objects.get(pk=connection.pk)).record(1, now=NOON)

    with pytest.raises(BudgetExhausted):
        ApiBudget(Connection.objects.get(pk=connection.pk)).check(now=NOON)


def test_the_daily_share_stops_before_the_org_passes_it(connection):
    Connection.objects.filter(pk=connection.pk).update(hourly_call_cap=1000)
    connection.refresh_from_db()
    budget = ApiBudget(connection)
    budget.record(1, (49, 100), now=NOON)
    budget.check(now=NOON)  # 49 + 1 = 50: exactly the share

    budget.record(1, (50, 100), now=NOON)
    with pytest.raises(BudgetExhausted) as stopped:
        budget.check(now=NOON)

    assert stopped.value.details == {"limit": "daily", "used": 50, "max": 100, "allowed": 50}
    assert "daily API share reached" in stopped.value.reason
    assert isinstance(stopped.value, ApiLimitReached)


def test_an_org_figure_from_an_earlier_hour_lets_one_call_through_to_refresh_it(connection):
    Connection.objects.filter(pk=connection.pk).update(hourly_call_cap=1000)
    connection.refresh_from_db()
    budget = ApiBudget(connection)
    budget.record(1, (90, 100), now=NOON)

    budget.check(now=NOON + dt.timedelta(hours=1))


def test_status_reports_the_budget_for_screens(connection):
    budget = ApiBudget(connection)
    budget.record(2, (10, 1000), now=NOON)

    assert budget.status(now=NOON) == {
        "hour_calls": 2,
        "hourly_cap": 3,
        "org_used": 10,
        "org_max": 1000,
        "org_allowed": 500,
        "share_percent": 50,
    }


# --- with the emulator: the client asks the budget before every call ---------------------------------


@pytest.fixture
def live(account, sf_emulator):
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url=sf_emulator.base_url,
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        client_id="emulator-client-id",
        client_secret="emulator-client-secret",
        ca_bundle=sf_emulator.ca_path,
    )
    # The hourly count belongs to the clock hour: keep the whole test inside one.
    with time_machine.travel(timezone.now().replace(minute=30, second=0, microsecond=0), tick=True):
        yield connection


def test_the_client_stops_before_passing_the_daily_share(live, sf_emulator):
    sf_emulator.org.daily_api_limit = 10  # share 50 %: the org may reach 5 calls
    client = SalesforceClient(live)

    with pytest.raises(BudgetExhausted):
        for _ in range(20):
            client.limits()

    assert sf_emulator.api_calls == 5 and client.api_calls == 5
    assert (client.limit_info.used, client.limit_info.total) == (5, 10)


def test_the_client_stops_at_the_hourly_cap(live, sf_emulator):
    Connection.objects.filter(pk=live.pk).update(hourly_call_cap=4)
    live.refresh_from_db()
    client = SalesforceClient(live)

    with pytest.raises(BudgetExhausted) as stopped:
        for _ in range(20):
            client.limits()

    assert sf_emulator.api_calls == 4
    assert stopped.value.details["limit"] == "hourly"
    assert ApiUsage.objects.get(connection=live).calls == 4


def test_request_limit_exceeded_stops_with_a_time_to_resume(live, sf_emulator):
    sf_emulator.faults.set(limit_after_calls=1)
    client = SalesforceClient(live)
    client.limits()

    with pytest.raises(SalesforceLimitExceeded) as stopped:
        client.limits()

    assert stopped.value.resume_at > timezone.now()
    assert stopped.value.code == "salesforce_limit_exceeded"
    services.connection_pause(
        account=live.account, connection=live, until=stopped.value.resume_at, reason=stopped.value.message
    )
    assert Connection.objects.get(pk=live.pk).state == Connection.State.PAUSED
