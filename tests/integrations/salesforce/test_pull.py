"""SF-4…6, SF-8, SF-15…17: the inbound sync against the emulator over HTTPS."""

import datetime as dt

import pytest

from contacts.models import Contact, Group, Suppression
from integrations.models import Connection, ExternalRef, SyncError, SyncRun
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.mapping import parse_datetime
from integrations.salesforce.models import SalesforceConnection, SalesforceSettings
from integrations.selectors import connections_due

from .conftest import CLIENT
from .conftest import lead as _lead
from .conftest import sync as _sync

pytestmark = pytest.mark.usefixtures("quick_salesforce")


def test_first_sync_brings_leads_and_contacts_with_defaults(account, connection, sf_emulator):
    lead = _lead(sf_emulator, FirstName="Dana", Email="dana@example.com", MobilePhone="0501234567")
    contact = sf_emulator.org.create("Contact", {"LastName": "Cohen", "Email": "noa@example.com"})

    run = _sync(connection)

    assert (run.kind, run.state, run.records_in) == ("initial", "succeeded", 2)
    dana = Contact.objects.get(account=account, email="dana@example.com")
    assert (dana.first_name, dana.last_name, dana.phone) == ("Dana", "Levi", "+972501234567")
    assert ExternalRef.objects.get(external_id=lead).contact == dana
    assert ExternalRef.objects.get(external_id=contact).object_type == "Contact"
    assert run.api_calls > 0


def test_incremental_pulls_only_changes_and_never_duplicates(account, connection, sf_emulator, clock):
    lead = _lead(sf_emulator, Email="dana@example.com")
    _sync(connection)
    clock.advance(minutes=5)
    sf_emulator.org.update("Lead", lead, {"FirstName": "Dana", "Email": "dana.levi@example.com"})

    run = _sync(connection)

    assert run.kind == "incremental"
    assert Contact.objects.filter(account=account).count() == 1
    assert Contact.objects.get(account=account).email == "dana.levi@example.com"  # same contact, new email


def test_the_overlap_window_is_not_applied_twice(account, connection, sf_emulator, clock):
    _lead(sf_emulator, Email="dana@example.com")
    _sync(connection)
    clock.advance(seconds=20)  # well inside the overlap window

    run = _sync(connection)

    assert run.details.get("already_synced") == 1 and run.records_in == 0


def test_our_own_writes_are_not_pulled_back(account, connection, sf_emulator, clock):
    lead = _lead(sf_emulator, Email="dana@example.com", FirstName="Dana")
    _sync(connection)
    clock.advance(minutes=5)
    # A write of ours: the values it sets are the ones last synced.
    sf_emulator.org.update("Lead", lead, {"FirstName": "Dana"}, by_user=sf_emulator.org.integration_user_id)

    run = _sync(connection)

    assert run.details.get("echo_skipped") == 1 and run.records_in == 0


def test_a_change_made_there_before_our_write_is_still_pulled(account, connection, sf_emulator, clock):
    lead = _lead(sf_emulator, Email="dana@example.com", FirstName="Dana")
    _sync(connection)
    clock.advance(minutes=5)
    sf_emulator.org.update("Lead", lead, {"FirstName": "Dana-Lee"})  # a person, in Salesforce
    sf_emulator.org.update("Lead", lead, {"Title": "CEO"}, by_user=sf_emulator.org.integration_user_id)

    _sync(connection)

    assert Contact.objects.get(account=account).first_name == "Dana-Lee"


@pytest.mark.parametrize("key", ["id", "email"])
def test_a_converted_lead_continues_as_the_same_contact(account, connection, sf_emulator, clock, key):
    SalesforceSettings.objects.filter(connection=connection).update(unique_key=key) if key == "email" else None
    lead = _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")
    _sync(connection)
    clock.advance(minutes=5)
    contact_id = sf_emulator.org.convert_lead(lead)
    clock.advance(minutes=1)
    sf_emulator.org.update("Contact", contact_id, {"FirstName": "Dana-Lee"})

    _sync(connection)

    assert Contact.objects.filter(account=account).count() == 1
    assert Contact.objects.get(account=account).first_name == "Dana-Lee"
    assert ExternalRef.objects.get(external_id=contact_id).contact == ExternalRef.objects.get(external_id=lead).contact


def test_deletes_inside_the_window_leave_the_synced_group(account, connection, sf_emulator, clock):
    group = Group.objects.create(account=account, name="From Salesforce")
    SalesforceSettings.objects.filter(connection=connection).update(inbound_group=group)
    lead = _lead(sf_emulator, Email="dana@example.com")
    _sync(connection)
    assert group.memberships.count() == 1
    clock.advance(minutes=5)
    sf_emulator.org.delete("Lead", lead)
    clock.advance(minutes=5)

    run = _sync(connection)

    assert run.details.get("deleted") == 1
    assert group.memberships.count() == 0
    assert Contact.objects.filter(account=account).count() == 1  # left the group, not deleted (the default)


def test_deletes_outside_the_window_are_found_by_a_full_reconcile(account, connection, sf_emulator, clock):
    SalesforceSettings.objects.filter(connection=connection).update(delete_mode="delete_contact")
    keep, lead = _lead(sf_emulator, Email="keep@example.com"), _lead(sf_emulator, Email="gone@example.com")
    _sync(connection)
    clock.advance(days=20)
    sf_emulator.org.delete("Lead", lead)
    sf_emulator.org.set_deleted_retention_start(clock.now)  # the log no longer reaches back to our watermark
    clock.advance(minutes=5)

    run = _sync(connection)

    assert run.details.get("reconciles") == 2  # Leads and Contacts
    assert list(Contact.objects.filter(account=account).values_list("email", flat=True)) == ["keep@example.com"]
    assert ExternalRef.objects.get(external_id=keep).deleted_at is None


def test_sync_flag_mode_pulls_flagged_records_and_clears_the_flag(account, connection, sf_emulator):
    sf_emulator.org.add_field("Lead", "Sync__c", "boolean")
    SalesforceSettings.objects.filter(connection=connection).update(sync_flag_field="Sync__c")
    flagged = _lead(sf_emulator, Email="yes@example.com", Sync__c=True)
    _lead(sf_emulator, Email="no@example.com", Sync__c=False)

    run = _sync(connection)

    assert list(Contact.objects.filter(account=account).values_list("email", flat=True)) == ["yes@example.com"]
    assert sf_emulator.org.get("Lead", flagged)["Sync__c"] is False
    assert run.records_out == 1


def test_an_opt_out_in_salesforce_suppresses_and_a_cleared_box_does_not_lift_it(
    account, connection, sf_emulator, clock
):
    lead = _lead(sf_emulator, Email="dana@example.com", HasOptedOutOfEmail=True)
    _sync(connection)
    assert Suppression.objects.filter(account=account, channel="email", point="dana@example.com").exists()
    clock.advance(minutes=5)
    sf_emulator.org.update("Lead", lead, {"HasOptedOutOfEmail": False})

    _sync(connection)

    assert Suppression.objects.filter(account=account, channel="email", point="dana@example.com").exists()


def test_a_rejected_record_is_reported_retried_and_resolved(account, connection, sf_emulator, clock):
    lead = _lead(sf_emulator, MobilePhone="12-34")  # no email, a phone that is no phone
    run = _sync(connection)
    error = SyncError.objects.get(external_id=lead)
    assert (run.records_failed, error.state, error.attempts) == (1, "pending", 1)
    clock.advance(minutes=5)
    sf_emulator.org.update("Lead", lead, {"MobilePhone": "0521234567"})

    _sync(connection)

    error.refresh_from_db()
    assert error.state == "resolved"
    assert Contact.objects.get(account=account).phone == "+972521234567"


def test_a_large_first_read_goes_through_bulk_api(account, connection, sf_emulator):
    sf_emulator.org.bulk_create(
        "Lead", [{"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@example.com"} for i in range(120)]
    )

    run = _sync(connection)

    assert run.details.get("bulk_queries") == 1
    assert Contact.objects.filter(account=account).count() == 120


def test_request_limit_exceeded_pauses_and_the_next_run_resumes_without_loss(account, connection, sf_emulator):
    from django.conf import settings

    settings.SALESFORCE_BULK_THRESHOLD = 10_000
    sf_emulator.org.bulk_create(
        "Lead", [{"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@example.com"} for i in range(450)]
    )
    sf_emulator.faults.set(limit_after_calls=3)

    stopped = _sync(connection)

    connection.refresh_from_db()
    assert stopped.state == "stopped" and connection.state == "paused"
    sf_emulator.faults.clear()
    Connection.objects.filter(pk=connection.pk).update(paused_until=connection.paused_until - dt.timedelta(days=2))
    finished = _sync(connection)
    assert finished.state == "succeeded"
    assert Contact.objects.filter(account=account).count() == 450
    assert ExternalRef.objects.filter(connection=connection).count() == 450


def test_a_due_connection_is_found_by_its_own_interval(account, connection):
    assert connections_due() == [connection.pk]
    Connection.objects.filter(pk=connection.pk).update(last_sync_at=dt.datetime.now(dt.UTC))
    assert connections_due() == []


def test_another_accounts_connection_never_touches_this_accounts_contacts(
    account, other_account, connection, sf_emulator
):
    mine = Contact.objects.create(account=other_account, email="dana@example.com", first_name="Other")
    _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")

    _sync(connection)

    mine.refresh_from_db()
    assert mine.first_name == "Other"
    assert Contact.objects.filter(account=account, email="dana@example.com").count() == 1


def test_the_command_prints_the_run_as_json(account, connection, sf_emulator):
    import io
    import json

    from django.core.management import call_command

    _lead(sf_emulator, Email="dana@example.com")
    out = io.StringIO()
    call_command("sync_salesforce", account=account.slug, json=True, stdout=out)

    summary = json.loads(out.getvalue())
    assert (summary["kind"], summary["state"], summary["records_in"]) == ("initial", "succeeded", 1)
    assert summary["api_calls"] >= 1


def _world(account) -> set:
    """The platform side of a sync, as comparable facts."""
    contacts = set(Contact.objects.filter(account=account).values_list("email", "first_name", "phone"))
    refs = set(ExternalRef.objects.filter(account=account).values_list("external_id", "contact__email"))
    return contacts | refs


def _seed_story(sf, count=300):
    ids = sf.org.bulk_create(
        "Lead",
        [
            {"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@example.com", "MobilePhone": f"05{i % 9}{i:07d}"}
            for i in range(count)
        ],
    )
    return ids


def _change_story(sf, ids):
    for i, lead in enumerate(ids[::3]):
        sf.org.update("Lead", lead, {"FirstName": f"Changed{i}"})


def test_a_fault_run_ends_in_exactly_the_state_of_a_fault_free_run(
    account, other_account, connection, sf_emulator, clock, settings
):
    settings.SALESFORCE_BULK_THRESHOLD = 10_000
    # The fault-free run, in another account against the same records.
    ids = _seed_story(sf_emulator)
    clean = salesforce_services.salesforce_connection_save(
        account=other_account,
        login_url=sf_emulator.base_url,
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        ca_bundle=sf_emulator.ca_path,
        **CLIENT,
    )
    salesforce_services.salesforce_settings_init(account=other_account, connection=clean)
    _sync(clean)
    _sync(connection)
    clock.advance(minutes=5)
    _change_story(sf_emulator, ids)
    clock.advance(minutes=1)
    _sync(clean)

    sf_emulator.faults.set(error_rate=0.05, seed=7)
    sf_emulator.faults.expire_sessions()
    sf_emulator.faults.set(error_rate=0.05, seed=7, lock_rows=2, limit_after_calls=2)
    runs = [_sync(connection)]
    for _attempt in range(20):
        if runs[-1].state == "succeeded":
            break
        sf_emulator.faults.clear()
        sf_emulator.faults.set(error_rate=0.05, seed=len(runs))
        Connection.objects.filter(pk=connection.pk).update(state="active", paused_until=None)
        clock.advance(minutes=1)
        runs.append(_sync(connection))

    assert runs[0].state == "stopped" and runs[-1].state == "succeeded"
    assert _world(account) == _world(other_account)
    newest = max(parse_datetime(str(r["SystemModstamp"])) for r in sf_emulator.org.records("Lead"))
    assert connection.cursors.get(stream="Lead").watermark == newest


def test_a_worker_killed_between_pages_resumes_without_duplicates(
    account, connection, sf_emulator, monkeypatch, settings
):
    from integrations.salesforce import pull

    settings.SALESFORCE_BULK_THRESHOLD = 10_000  # REST pages of 2,000
    _seed_story(sf_emulator, count=4500)  # three pages of 2,000
    real = pull.Puller.apply_page
    pages = []

    def dies_after_two_pages(self, *args, **kwargs):
        if len(pages) == 2:
            raise SystemExit("worker killed")
        pages.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pull.Puller, "apply_page", dies_after_two_pages)
    with pytest.raises(SystemExit):
        _sync(connection)
    assert Contact.objects.filter(account=account).count() == 4000
    monkeypatch.setattr(pull.Puller, "apply_page", real)
    SyncRun.objects.filter(state="running").update(state="failed")  # what the reaper does with a dead run

    _sync(connection)

    assert Contact.objects.filter(account=account).count() == 4500
    assert ExternalRef.objects.filter(connection=connection).count() == 4500
