"""SF-7…10, SF-16: the two-way sync against the emulator over HTTPS — pushes, conflicts, markers, opt-outs."""

import datetime as dt

import pytest

from contacts.models import Contact, CustomField, Group, Suppression
from contacts.services import group_members_remove, suppressions_add
from contacts.upsert import contacts_upsert
from integrations.models import ExternalRef, SyncError
from integrations.salesforce import push as push_module
from integrations.salesforce.models import SalesforceSettings
from integrations.salesforce.outbound import optouts_push, past_optouts_push

from .conftest import lead as _lead
from .conftest import sync as _sync

pytestmark = pytest.mark.usefixtures("quick_salesforce")


@pytest.fixture(autouse=True)
def _no_lock_pause(monkeypatch):
    monkeypatch.setattr(push_module, "LOCK_PAUSE_SECONDS", 0)


def _linked(account, connection, sf, clock, **fields) -> tuple[str, Contact]:
    lead = _lead(sf, **{"FirstName": "Dana", "Email": "dana@example.com", **fields})
    _sync(connection)
    clock.advance(minutes=5)
    return lead, Contact.objects.get(account=account, external_refs__external_id=lead)


def _edit(account, contact, **values):
    contacts_upsert(account=account, rows=[{"id": contact.pk, **values}], source="manual")


def _settings(connection, **values):
    SalesforceSettings.objects.filter(connection=connection).update(**values)


def _member_with_a_marker_field(account, connection, sf, clock):
    """A linked contact in a synced group, with GRdeleted__c as the removed-from-group marker."""
    sf.org.add_field("Lead", "GRdeleted__c")
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    _settings(connection, deleted_marker_field="GRdeleted__c")
    lead, dana = _linked(account, connection, sf, clock)
    contacts_upsert(account=account, rows=[{"id": dana.pk}], source="manual", groups=[group])
    return group, lead, dana


def test_a_platform_change_goes_to_salesforce_and_never_comes_back(account, connection, sf_emulator, clock):
    lead, dana = _linked(account, connection, sf_emulator, clock)
    _edit(account, dana, first_name="Dana-Lee", phone="050-7654321")

    first = _sync(connection)

    record = sf_emulator.org.get("Lead", lead)
    assert (record["FirstName"], record["MobilePhone"]) == ("Dana-Lee", "+972507654321")
    assert first.records_out == 1
    stamp = record["SystemModstamp"]
    clock.advance(minutes=5)
    second = _sync(connection)
    clock.advance(minutes=5)
    third = _sync(connection)

    assert second.records_out == third.records_out == 0  # nothing written back, nothing pulled back
    assert second.records_in == third.records_in == 0
    assert sf_emulator.org.get("Lead", lead)["SystemModstamp"] == stamp
    dana.refresh_from_db()
    assert (dana.first_name, dana.phone) == ("Dana-Lee", "+972507654321")


@pytest.mark.parametrize("preferred", ["salesforce", "platform"])
def test_a_field_changed_on_both_sides_goes_to_the_preferred_system(account, connection, sf_emulator, clock, preferred):
    _settings(connection, preferred_system=preferred)
    lead, dana = _linked(account, connection, sf_emulator, clock, LastName="Levi")
    _edit(account, dana, first_name="Platform", last_name="Mizrahi")  # last name: only here
    sf_emulator.org.update("Lead", lead, {"FirstName": "Remote", "MobilePhone": "0521111111"})  # phone: only there

    run = _sync(connection)

    dana.refresh_from_db()
    record = sf_emulator.org.get("Lead", lead)
    winner, loser = ("Remote", "Platform") if preferred == "salesforce" else ("Platform", "Remote")
    assert dana.first_name == record["FirstName"] == winner
    assert dana.last_name == record["LastName"] == "Mizrahi"
    assert dana.phone == "+972521111111"
    assert run.details["conflicts"] == [
        {
            "contact_id": dana.pk,
            "object": "Lead",
            "record": lead,
            "field": "first_name",
            "winner": preferred,
            "kept": winner,
            "lost": loser,
        }
    ]


def test_new_members_of_a_synced_group_become_leads_with_the_required_defaults(account, connection, sf_emulator):
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    _settings(connection, lead_company_default="Private customer")
    contacts_upsert(
        account=account, rows=[{"email": "noa@example.com", "first_name": "Noa"}], source="manual", groups=[group]
    )

    run = _sync(connection)
    again = _sync(connection)

    leads = sf_emulator.org.records("Lead")
    assert len(leads) == 1
    assert (leads[0]["Email"], leads[0]["FirstName"]) == ("noa@example.com", "Noa")
    assert (leads[0]["LastName"], leads[0]["Company"]) == ("[not provided]", "Private customer")
    noa = Contact.objects.get(account=account, email="noa@example.com")
    assert ExternalRef.objects.get(connection=connection, external_id=leads[0]["Id"]).contact == noa
    assert run.details["created_there"] == 1 and again.records_out == 0
    assert Contact.objects.filter(account=account).count() == 1  # the new lead is not pulled back as another


@pytest.mark.parametrize(("language", "company"), [("he", "לא ידוע"), ("en", "Unknown")])
def test_a_new_lead_without_a_company_gets_unknown_in_the_accounts_language(
    account, connection, sf_emulator, language, company
):
    account.language = language
    account.save(update_fields=["language"])
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    contacts_upsert(account=account, rows=[{"email": "noa@example.com"}], source="manual", groups=[group])

    _sync(connection)

    assert SalesforceSettings.objects.get(connection=connection).lead_company_default == ""
    assert [lead["Company"] for lead in sf_emulator.org.records("Lead")] == [company]


def test_bulk_api_carries_large_pushes_and_links_each_record_to_its_contact(account, connection, sf_emulator, settings):
    settings.SALESFORCE_PUSH_BULK_THRESHOLD = 5
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    rows = [{"email": f"c{i}@example.com", "first_name": f"C{i}"} for i in range(8)]
    contacts_upsert(account=account, rows=rows, source="manual", groups=[group])

    created = _sync(connection)
    for contact in Contact.objects.filter(account=account):
        _edit(account, contact, last_name=f"Last {contact.first_name}")
    updated = _sync(connection)

    assert created.details["bulk_jobs"] == 1 and updated.details["bulk_jobs"] == 1
    for ref in ExternalRef.objects.filter(connection=connection).select_related("contact"):
        record = sf_emulator.org.get("Lead", ref.external_id)
        assert record["Email"] == ref.contact.email
        assert record["LastName"] == f"Last {ref.contact.first_name}"


def test_hebrew_values_go_through_the_bulk_api_and_each_record_is_linked(account, connection, sf_emulator, settings):
    settings.SALESFORCE_PUSH_BULK_THRESHOLD = 2
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    rows = [{"email": f"c{i}@example.com", "first_name": f"דנה {i}"} for i in range(3)]
    contacts_upsert(account=account, rows=rows, source="manual", groups=[group])

    run = _sync(connection)

    assert run.details["bulk_jobs"] == 1 and run.records_failed == 0
    assert sorted(lead["FirstName"] for lead in sf_emulator.org.records("Lead")) == ["דנה 0", "דנה 1", "דנה 2"]
    assert ExternalRef.objects.filter(connection=connection, contact__isnull=False).count() == 3


def test_an_unsubscribe_on_the_platform_reaches_salesforce_at_once_and_stays(
    account, connection, sf_emulator, clock, django_capture_on_commit_callbacks
):
    lead, dana = _linked(account, connection, sf_emulator, clock)

    with django_capture_on_commit_callbacks(execute=True):
        suppressions_add(account=account, points=["dana@example.com"], reason="asked", source="manual")

    assert sf_emulator.org.get("Lead", lead)["HasOptedOutOfEmail"] is True
    sf_emulator.org.update("Lead", lead, {"HasOptedOutOfEmail": False})  # re-subscribed there, explicitly
    clock.advance(minutes=5)
    _sync(connection)
    assert Suppression.objects.filter(account=account, point="dana@example.com").exists()  # never lifted here
    assert sf_emulator.org.get("Lead", lead)["HasOptedOutOfEmail"] is False  # nor pushed on again there


def test_an_unsubscribe_in_salesforce_is_not_lifted_by_the_platform(account, connection, sf_emulator, clock):
    lead, dana = _linked(account, connection, sf_emulator, clock)
    sf_emulator.org.update("Lead", lead, {"HasOptedOutOfEmail": True})
    _sync(connection)
    clock.advance(minutes=5)
    _edit(account, dana, first_name="Dana-Lee")

    _sync(connection)

    assert Suppression.objects.filter(account=account, point="dana@example.com", channel="email").exists()
    assert sf_emulator.org.get("Lead", lead)["HasOptedOutOfEmail"] is True


def test_an_unsubscribe_missed_by_the_event_goes_with_the_next_sync(account, connection, sf_emulator, clock):
    lead, _dana = _linked(account, connection, sf_emulator, clock)
    suppressions_add(account=account, points=["dana@example.com"], reason="asked", source="manual")  # no commit hook

    _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["HasOptedOutOfEmail"] is True


def test_past_unsubscribes_are_pushed_once_from_the_chosen_date(account, connection, sf_emulator, clock):
    recent = _lead(sf_emulator, Email="recent@example.com")
    old = _lead(sf_emulator, Email="old@example.com")
    _sync(connection)
    suppressions_add(account=account, points=["recent@example.com", "old@example.com"], reason="x", source="manual")
    now = dt.datetime.now(dt.UTC)
    Suppression.objects.filter(point="recent@example.com").update(created_at=now - dt.timedelta(days=200))
    Suppression.objects.filter(point="old@example.com").update(created_at=now - dt.timedelta(days=400))

    run = past_optouts_push(connection=connection, since=now - dt.timedelta(days=365))

    assert sf_emulator.org.get("Lead", recent)["HasOptedOutOfEmail"] is True
    assert sf_emulator.org.get("Lead", old)["HasOptedOutOfEmail"] is False
    assert run.kind == "push" and run.records_out == 1
    assert SalesforceSettings.objects.get(connection=connection).optouts_pushed_at is not None


def test_removal_from_a_synced_group_sets_the_marker_and_rejoining_clears_it(
    account, connection, sf_emulator, clock, django_capture_on_commit_callbacks
):
    group, lead, dana = _member_with_a_marker_field(account, connection, sf_emulator, clock)

    with django_capture_on_commit_callbacks(execute=True):
        group_members_remove(account=account, actor=None, group=group, contact_ids={dana.pk})
    assert sf_emulator.org.get("Lead", lead)["GRdeleted__c"] is True

    with django_capture_on_commit_callbacks(execute=True):
        contacts_upsert(account=account, rows=[{"id": dana.pk}], source="manual", groups=[group])
    assert sf_emulator.org.get("Lead", lead)["GRdeleted__c"] is False


def test_a_write_to_a_converted_lead_follows_the_conversion(account, connection, sf_emulator, clock):
    lead, dana = _linked(account, connection, sf_emulator, clock)
    contact_id = sf_emulator.org.convert_lead(lead)

    run = optouts_push(connection=connection, channel="email", points=["dana@example.com"])

    assert sf_emulator.org.get("Contact", contact_id)["HasOptedOutOfEmail"] is True
    assert ExternalRef.objects.get(connection=connection, external_id=contact_id).contact == dana
    assert ExternalRef.objects.get(connection=connection, external_id=lead).converted_to == contact_id
    assert run.details["converted"] == 1 and run.records_failed == 0


def test_a_write_to_a_deleted_record_unlinks_it_without_an_error(account, connection, sf_emulator, clock):
    lead, _dana = _linked(account, connection, sf_emulator, clock)
    sf_emulator.org.delete("Lead", lead)

    run = optouts_push(connection=connection, channel="email", points=["dana@example.com"])

    assert ExternalRef.objects.get(connection=connection, external_id=lead).deleted_at is not None
    assert run.records_failed == 0 and not SyncError.objects.filter(connection=connection).exists()


def test_locked_rows_are_written_again(account, connection, sf_emulator, clock):
    lead, dana = _linked(account, connection, sf_emulator, clock)
    _edit(account, dana, first_name="Dana-Lee")
    sf_emulator.faults.set(lock_rows=2)

    run = _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["FirstName"] == "Dana-Lee"
    assert run.details["lock_retries"] >= 1 and run.records_failed == 0


def test_a_refused_record_is_reported_with_the_field_and_retried_until_it_goes(account, connection, sf_emulator, clock):
    sf_emulator.org.add_field("Lead", "Code__c", "string", length=20, unique=True)
    other = _lead(sf_emulator, Email="other@example.com", Code__c="A-1")
    lead, dana = _linked(account, connection, sf_emulator, clock)
    _settings(
        connection,
        field_map={"Lead": [{"remote": "Email", "local": "email"}, {"remote": "Code__c", "local": "external_ref"}]},
    )
    sf_emulator.org.update("Lead", lead, {"Title": "CEO"})
    _sync(connection)  # the new mapping's values recorded
    clock.advance(minutes=5)
    _edit(account, dana, external_ref="A-1")

    run = _sync(connection)

    error = SyncError.objects.get(connection=connection, direction="out")
    assert (error.code, error.external_id, error.contact_id) == ("DUPLICATE_VALUE", lead, dana.pk)
    assert "Code__c" in error.message and run.state == "partial"
    sf_emulator.org.update("Lead", other, {"Code__c": "B-2"})
    SyncError.objects.filter(pk=error.pk).update(next_attempt_at=dt.datetime.now(dt.UTC))
    clock.advance(minutes=5)

    _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["Code__c"] == "A-1"
    assert SyncError.objects.get(pk=error.pk).state == "resolved"


def test_another_accounts_unsubscribe_never_reaches_this_accounts_salesforce(
    account, other_account, connection, sf_emulator, clock, django_capture_on_commit_callbacks
):
    lead, _dana = _linked(account, connection, sf_emulator, clock)

    with django_capture_on_commit_callbacks(execute=True):
        suppressions_add(account=other_account, points=["dana@example.com"], reason="x", source="manual")

    assert sf_emulator.org.get("Lead", lead)["HasOptedOutOfEmail"] is False


def _mirror(account, sf) -> tuple[set, set]:
    """Both sides of a two-way sync as comparable facts: what the platform holds and what Salesforce holds."""
    ours = set(Contact.objects.filter(account=account).values_list("email", "first_name"))
    theirs = {(r["Email"], r["FirstName"] or "") for r in sf.org.records("Lead")}
    return ours, theirs


def test_a_fault_run_with_writes_ends_in_the_fault_free_state(account, connection, sf_emulator, clock):
    from marketing.core.errors import TransientError

    sf_emulator.org.bulk_create(
        "Lead", [{"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@example.com"} for i in range(300)]
    )
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    _sync(connection)
    clock.advance(minutes=5)
    for contact in Contact.objects.filter(account=account).order_by("pk")[:120]:
        _edit(account, contact, first_name=f"P{contact.pk}")
    rows = [{"email": f"new{i}@example.com", "first_name": f"N{i}"} for i in range(250)]  # two collection calls
    contacts_upsert(account=account, rows=rows, source="manual", groups=[group])

    sf_emulator.faults.expire_sessions()
    sf_emulator.faults.set(error_rate=0.05, seed=11, lock_rows=5, limit_after_calls=4)
    runs = []
    for attempt in range(30):
        try:
            runs.append(_sync(connection))
        except TransientError:
            runs.append(None)
        if runs[-1] is not None and runs[-1].state == "succeeded":
            break
        sf_emulator.faults.clear()
        sf_emulator.faults.set(error_rate=0.05, seed=attempt, lock_rows=1)
        SyncError.objects.filter(connection=connection).update(next_attempt_at=dt.datetime.now(dt.UTC))
        from integrations.models import Connection

        Connection.objects.filter(pk=connection.pk).update(state="active", paused_until=None)
        clock.advance(minutes=2)

    assert runs[0] is None or runs[0].state != "succeeded"
    assert runs[-1] is not None and runs[-1].state == "succeeded"
    ours, theirs = _mirror(account, sf_emulator)
    assert ours == theirs and len(ours) == 550
    assert len(sf_emulator.org.records("Lead")) == 550  # nothing created twice
    assert ExternalRef.objects.filter(connection=connection, deleted_at__isnull=True).count() == 550
    assert not SyncError.objects.filter(connection=connection).exclude(state="resolved").exists()


def test_a_record_refused_inside_a_bulk_job_is_reported_and_the_rest_are_written(
    account, connection, sf_emulator, clock, settings
):
    settings.SALESFORCE_PUSH_BULK_THRESHOLD = 2
    sf_emulator.org.add_field("Lead", "Code__c", "string", length=20, unique=True)
    _lead(sf_emulator, Email="other@example.com", Code__c="A-1")
    leads = [_lead(sf_emulator, Email=f"p{i}@example.com") for i in range(3)]
    CustomField.objects.create(account=account, api_name="code", label="code")
    _settings(
        connection,
        field_map={"Lead": [{"remote": "Email", "local": "email"}, {"remote": "Code__c", "local": "custom:code"}]},
    )
    _sync(connection)
    clock.advance(minutes=5)
    for i in range(3):
        _edit(account, Contact.objects.get(account=account, email=f"p{i}@example.com"), **{"custom:code": f"B-{i}"})
    _edit(account, Contact.objects.get(account=account, email="p0@example.com"), **{"custom:code": "A-1"})

    run = _sync(connection)

    assert run.details["bulk_jobs"] == 1 and run.records_out == 2 and run.records_failed == 1
    error = SyncError.objects.get(connection=connection, direction="out")
    assert (error.code, error.external_id) == ("DUPLICATE_VALUE", leads[0]) and "Code__c" in error.message
    assert [sf_emulator.org.get("Lead", lead)["Code__c"] for lead in leads] == [None, "B-1", "B-2"]


def test_with_the_email_key_an_email_changed_there_moves_the_same_contact(account, connection, sf_emulator, clock):
    _settings(connection, unique_key="email")
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    lead, dana = _linked(account, connection, sf_emulator, clock)
    contacts_upsert(account=account, rows=[{"id": dana.pk}], source="manual", groups=[group])
    sf_emulator.org.update("Lead", lead, {"Email": "dana.new@example.com"})

    _sync(connection)

    dana.refresh_from_db()
    assert (dana.email, dana.first_name) == ("dana.new@example.com", "Dana")
    assert Contact.objects.filter(account=account).count() == 1
    assert len(sf_emulator.org.records("Lead")) == 1
    assert sf_emulator.org.get("Lead", lead)["FirstName"] == "Dana"


def test_a_record_deleted_there_is_not_created_again_by_a_later_edit(account, connection, sf_emulator, clock):
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    lead, dana = _linked(account, connection, sf_emulator, clock)
    contacts_upsert(account=account, rows=[{"id": dana.pk}], source="manual", groups=[group])
    sf_emulator.org.delete("Lead", lead)
    _edit(account, dana, first_name="Dana-Lee")

    run = _sync(connection)
    _sync(connection)

    assert run.details["deleted_there"] == 1
    assert sf_emulator.org.records("Lead") == []
    assert not group.memberships.filter(contact=dana).exists()  # as a deletion pulled from there


def test_read_only_fields_are_read_but_never_written(account, connection, sf_emulator, clock):
    CustomField.objects.create(account=account, api_name="since", label="since")
    mappings = [
        {"remote": "Email", "local": "email"},
        {"remote": "FirstName", "local": "first_name"},
        {"remote": "CreatedDate", "local": "custom:since"},
    ]
    _settings(connection, field_map={"Lead": mappings, "Contact": mappings})
    lead, dana = _linked(account, connection, sf_emulator, clock)
    _edit(account, dana, first_name="Dana-Lee", **{"custom:since": "yesterday"})

    run = _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["FirstName"] == "Dana-Lee"
    assert run.records_failed == 0 and not SyncError.objects.filter(connection=connection).exists()


def test_a_checkbox_brought_into_a_text_field_is_not_written_back(account, connection, sf_emulator, clock):
    sf_emulator.org.add_field("Lead", "Vip__c")
    CustomField.objects.create(account=account, api_name="vip", label="vip")
    mappings = [{"remote": "Email", "local": "email"}, {"remote": "Vip__c", "local": "custom:vip"}]
    _settings(connection, field_map={"Lead": mappings, "Contact": mappings})
    _lead(sf_emulator, Email="dana@example.com", Vip__c=True)
    first = _sync(connection)
    clock.advance(minutes=5)

    second = _sync(connection)

    assert first.records_out == second.records_out == 0


def test_the_marker_follows_membership_whatever_order_the_events_are_handled_in(
    account, connection, sf_emulator, clock
):
    from integrations.salesforce.outbound import markers_push

    group, lead, dana = _member_with_a_marker_field(account, connection, sf_emulator, clock)
    group_members_remove(account=account, actor=None, group=group, contact_ids={dana.pk})
    markers_push(connection=connection, contact_ids=[dana.pk])
    assert sf_emulator.org.get("Lead", lead)["GRdeleted__c"] is True
    contacts_upsert(account=account, rows=[{"id": dana.pk}], source="manual", groups=[group])

    markers_push(connection=connection, contact_ids=[dana.pk])  # the "left" event handled late
    markers_push(connection=connection, contact_ids=[dana.pk])

    assert sf_emulator.org.get("Lead", lead)["GRdeleted__c"] is False


def test_a_record_created_by_the_push_gets_its_status_when_it_comes_back(account, connection, sf_emulator, clock):
    CustomField.objects.create(account=account, api_name="status", label="status")
    _settings(connection, status_field="status")
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    contacts_upsert(account=account, rows=[{"email": "noa@example.com"}], source="manual", groups=[group])
    _sync(connection)
    clock.advance(minutes=5)

    _sync(connection)

    assert Contact.objects.get(account=account).custom == {"status": "Prospect"}


def test_a_lead_converted_into_a_contact_linked_elsewhere_is_reported_not_merged(
    account, connection, sf_emulator, clock
):
    lead, dana = _linked(account, connection, sf_emulator, clock)
    noa_id = sf_emulator.org.create("Contact", {"LastName": "Cohen", "Email": "noa@example.com"})
    _sync(connection)
    noa = Contact.objects.get(account=account, email="noa@example.com")
    sf_emulator.org.convert_lead(lead, contact_id=noa_id)

    optouts_push(connection=connection, channel="email", points=["dana@example.com"])

    assert sf_emulator.org.get("Contact", noa_id)["HasOptedOutOfEmail"] is False  # Dana's opt-out is not Noa's
    error = SyncError.objects.get(connection=connection, code="converted_into_linked_contact")
    assert error.contact == dana and noa_id in error.message
    assert ExternalRef.objects.get(connection=connection, external_id=noa_id).contact == noa


def test_a_new_member_who_is_already_there_is_linked_not_created_twice(account, connection, sf_emulator):
    sf_emulator.org.add_field("Lead", "Sync__c")
    sf_emulator.org.add_field("Contact", "Sync__c")
    _settings(connection, sync_flag_field="Sync__c")  # unflagged records are never brought in
    existing = _lead(sf_emulator, Email="Noa@Example.com", FirstName="Noa")
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    contacts_upsert(account=account, rows=[{"email": "noa@example.com"}], source="manual", groups=[group])

    run = _sync(connection)

    assert [r["Id"] for r in sf_emulator.org.records("Lead")] == [existing]
    assert ExternalRef.objects.get(connection=connection).external_id == existing
    assert run.details["linked_there"] == 1


def test_clearing_the_only_contact_point_there_is_not_undone_by_the_push(account, connection, sf_emulator, clock):
    lead, dana = _linked(account, connection, sf_emulator, clock)
    sf_emulator.org.update("Lead", lead, {"Email": None})

    _sync(connection)
    clock.advance(minutes=5)
    again = _sync(connection)

    dana.refresh_from_db()
    assert dana.email == "dana@example.com"  # a contact keeps its last way to be reached
    assert sf_emulator.org.get("Lead", lead)["Email"] is None and again.records_out == 0


def test_a_record_linked_by_email_then_receives_the_platform_edits(account, connection, sf_emulator, clock):
    sf_emulator.org.add_field("Lead", "Sync__c")
    sf_emulator.org.add_field("Contact", "Sync__c")
    _settings(connection, sync_flag_field="Sync__c")
    existing = _lead(sf_emulator, Email="noa@example.com", FirstName="Noa")
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    contacts_upsert(
        account=account, rows=[{"email": "noa@example.com", "first_name": "Noa"}], source="manual", groups=[group]
    )
    _sync(connection)
    clock.advance(minutes=5)
    _edit(account, Contact.objects.get(account=account), first_name="Noa-Lee")

    _sync(connection)

    assert sf_emulator.org.get("Lead", existing)["FirstName"] == "Noa-Lee"


def test_a_contact_unsubscribed_before_it_was_linked_is_opted_out_there(account, connection, sf_emulator):
    group = Group.objects.create(account=account, name="VIP")
    SalesforceSettings.objects.get(connection=connection).synced_groups.add(group)
    contacts_upsert(account=account, rows=[{"email": "noa@example.com"}], source="manual", groups=[group])
    suppressions_add(account=account, points=["noa@example.com"], reason="asked", source="manual")
    Suppression.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))

    _sync(connection)

    (lead,) = sf_emulator.org.records("Lead")
    assert lead["HasOptedOutOfEmail"] is True


def test_a_refused_field_does_not_hold_back_the_others(account, connection, sf_emulator, clock):
    sf_emulator.org.add_field("Lead", "Code__c", "string", length=5)
    CustomField.objects.create(account=account, api_name="code", label="code")
    mappings = [
        {"remote": "Email", "local": "email"},
        {"remote": "FirstName", "local": "first_name"},
        {"remote": "Code__c", "local": "custom:code"},
    ]
    _settings(connection, field_map={"Lead": mappings, "Contact": mappings[:2]})
    lead, dana = _linked(account, connection, sf_emulator, clock)
    _edit(account, dana, first_name="Dana-Lee", **{"custom:code": "much too long"})

    run = _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["FirstName"] == "Dana-Lee"
    error = SyncError.objects.get(connection=connection, direction="out")
    assert error.code == "STRING_TOO_LONG" and "Code__c" in error.message and error.state == "pending"
    assert run.details["partial_retries"] == 1


def test_a_marker_write_that_failed_is_made_by_the_next_sync(
    account, connection, sf_emulator, clock, django_capture_on_commit_callbacks
):
    group, lead, dana = _member_with_a_marker_field(account, connection, sf_emulator, clock)
    sf_emulator.faults.set(lock_rows=10)  # more locked writes than the retries
    with django_capture_on_commit_callbacks(execute=True):
        group_members_remove(account=account, actor=None, group=group, contact_ids={dana.pk})
    assert sf_emulator.org.get("Lead", lead)["GRdeleted__c"] is False
    sf_emulator.faults.clear()
    SyncError.objects.update(next_attempt_at=dt.datetime.now(dt.UTC))  # its backoff has passed

    _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["GRdeleted__c"] is True
    assert not SyncError.objects.exclude(state="resolved").exists()


def test_a_phone_cleared_here_is_not_read_back_from_the_fallback_field(account, connection, sf_emulator, clock):
    lead, dana = _linked(account, connection, sf_emulator, clock, Phone="050-1234567")
    assert dana.phone == "+972501234567"
    _edit(account, dana, phone="")

    _sync(connection)
    clock.advance(minutes=5)
    _sync(connection)

    dana.refresh_from_db()
    record = sf_emulator.org.get("Lead", lead)
    assert dana.phone == "" and (record["MobilePhone"], record["Phone"]) == (None, None)
