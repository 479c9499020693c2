"""SF-16, UX-2: a run's figures are saved while it goes (one small UPDATE a page, no API call), its stage is
known, a person can cancel it between pages, and what ends a run is kept for each reader's language (UX-1)."""

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from contacts.models import Contact
from integrations import services
from integrations.models import Connection, SyncRun
from integrations.salesforce import pull
from integrations.salesforce.models import SalesforceConnection
from marketing.core.texts import rendered

from .conftest import lead as _lead
from .conftest import sync as _sync

pytestmark = pytest.mark.usefixtures("quick_salesforce")


def _leads(sf, count: int) -> None:
    sf.org.bulk_create(
        "Lead", [{"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@example.com"} for i in range(count)]
    )


@pytest.fixture
def rest_pages(settings):
    settings.SALESFORCE_BULK_THRESHOLD = 10_000  # REST pages of 2,000, not one bulk read


@pytest.fixture
def pages_seen(monkeypatch, rest_pages):
    """The run's row as the next page starts: what a screen asking at that moment would read."""
    seen = []
    real = pull.Puller.apply_page

    def watched(self, plan, records, **kwargs):
        seen.append(SyncRun.objects.get(pk=self.run.pk))
        return real(self, plan, records, **kwargs)

    monkeypatch.setattr(pull.Puller, "apply_page", watched)
    return seen


def test_the_figures_are_saved_page_by_page_while_the_run_goes(account, connection, sf_emulator, pages_seen):
    _leads(sf_emulator, 2500)  # two pages: 2,000 and 500

    run = _sync(connection)

    first, second = pages_seen[:2]  # the Leads; then the (empty) page of Contacts
    assert first.state == second.state == SyncRun.State.RUNNING
    assert (first.records_in, first.details["stage"]) == (0, {"name": "pull", "object": "Lead"})
    assert (second.records_in, second.details["received"], second.details["new"]) == (2000, 2000, 2000)
    assert second.api_calls >= 1 and second.finished_at is None
    assert (run.state, run.records_in, run.details["received"]) == (SyncRun.State.SUCCEEDED, 2500, 2500)
    assert "stage" not in run.details  # the finished run keeps its totals only


def test_saving_the_figures_costs_one_update_a_page_and_no_api_call(account, connection, sf_emulator):
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    puller = pull.Puller(connection=connection, settings=connection.salesforce_settings, client=_Calls(), run=run)
    puller.counts.update(received=3, new=2, unchanged=1)

    with CaptureQueriesContext(db) as queries:
        puller.check_cancelled()

    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    run.refresh_from_db()
    assert (run.records_in, run.api_calls, run.details["received"]) == (3, 7, 3)


class _Calls:
    api_calls = 7


def test_a_run_cancelled_by_a_person_stops_after_the_page_it_is_on(
    account, connection, sf_emulator, rest_pages, monkeypatch
):
    _leads(sf_emulator, 2500)
    real = pull.Puller.apply_page

    def cancelled_during_the_first_page(self, plan, records, **kwargs):
        real(self, plan, records, **kwargs)
        services.sync_run_cancel(account=account, run=self.run)

    monkeypatch.setattr(pull.Puller, "apply_page", cancelled_during_the_first_page)

    run = _sync(connection)

    assert run.state == SyncRun.State.CANCELLED
    assert Contact.objects.filter(account=account).count() == 2000  # the page it was on landed whole
    with translation.override("he"):
        assert rendered(run.stop_reason) == "בוטל ידנית."
    with translation.override("en"):
        assert rendered(run.stop_reason) == "Cancelled by a person."


def test_a_run_stopped_by_the_budget_says_why_in_each_readers_language(account, connection, sf_emulator):
    _lead(sf_emulator, Email="dana@example.com")
    Connection.objects.filter(pk=connection.pk).update(hourly_call_cap=1)

    run = _sync(connection)

    assert run.state == SyncRun.State.STOPPED
    with translation.override("en"):
        english = rendered(run.stop_reason)
    with translation.override("he"):
        hebrew = rendered(run.stop_reason)
    assert english.startswith("hourly API budget reached (") and "of 1 calls this hour" in english
    assert "hourly" not in hebrew and "1" in hebrew


def test_salesforces_own_words_are_kept_as_they_came_and_labelled(account, connection, sf_emulator):
    settings = connection.salesforce_settings
    settings.sync_flag_field = "NoSuchFlag__c"  # Salesforce refuses the query: the run fails with its reason
    settings.save()

    run = _sync(connection)

    assert run.state == SyncRun.State.FAILED
    with translation.override("en"):
        english = rendered(run.stop_reason)
    with translation.override("he"):
        hebrew = rendered(run.stop_reason)
    assert english.startswith("Salesforce does not have a field or object this sync uses.")
    assert "Salesforce said: " in english and "NoSuchFlag__c" in english
    assert "תשובת Salesforce:" in hebrew and "NoSuchFlag__c" in hebrew


def test_the_connection_keeps_the_name_of_the_user_it_signs_in_as(account, connection):
    connection = SalesforceConnection.of(connection)
    connection.refresh_from_db()

    assert connection.external_user_name == "Integration User"
    assert connection.external_username == "integration@example.com"
