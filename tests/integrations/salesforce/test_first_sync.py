"""SF-4, SF-7, CON-1: connecting an org never rewrites it — records sharing a phone or an email, contacts
that were here first, and contacts deleted here."""

import pytest

from contacts.models import Contact, Group
from contacts.services import contact_delete
from contacts.upsert import contacts_upsert
from integrations.models import ExternalRef
from integrations.salesforce.emulator.seed import people
from integrations.salesforce.models import SalesforceSettings

from .conftest import lead as _lead
from .conftest import sync as _sync

pytestmark = pytest.mark.usefixtures("quick_salesforce")

PAIRS = 12


def _settings(connection, **values):
    SalesforceSettings.objects.filter(connection=connection).update(**values)


def _english(account):
    account.language = "en"
    account.save(update_fields=["language"])


def _org(sf) -> dict:
    """Every record there, whole: values, SystemModstamp and LastModifiedById included."""
    return {sobject: {r["Id"]: r for r in sf.org.records(sobject)} for sobject in ("Lead", "Contact")}


def _demo_pairs(sf, **contact_overrides):
    """The demo org: each person a Lead and a Contact with the same phone and different emails."""
    for row in people(PAIRS, kind="lead"):
        sf.org.create("Lead", row)
    for row in people(PAIRS, kind="contact"):
        sf.org.create("Contact", {**row, **contact_overrides})


def _two_cycles(connection, clock):
    first = _sync(connection)
    clock.advance(minutes=5)
    second = _sync(connection)
    return first, second


@pytest.mark.parametrize("key", ["id", "email"])
@pytest.mark.parametrize("preferred", ["salesforce", "platform"])
def test_leads_and_contacts_sharing_phones_are_never_merged_or_written(
    account, connection, sf_emulator, clock, key, preferred
):
    group = Group.objects.create(account=account, name="VIP")
    settings = SalesforceSettings.objects.get(connection=connection)
    settings.synced_groups.add(group)
    _settings(connection, unique_key=key, preferred_system=preferred, inbound_group=group)
    _demo_pairs(sf_emulator)
    before = _org(sf_emulator)

    first, second = _two_cycles(connection, clock)

    assert _org(sf_emulator) == before  # every record holds exactly what it had, and none was written
    assert first.records_out == second.records_out == 0
    assert Contact.objects.filter(account=account).count() == 2 * PAIRS  # one contact per record
    for sobject in ("Lead", "Contact"):
        for record in sf_emulator.org.records(sobject):
            contact = ExternalRef.objects.get(connection=connection, external_id=record["Id"]).contact
            assert contact.email == record["Email"]


def test_with_the_email_key_two_records_of_one_person_share_a_contact_and_keep_their_own_values(
    account, connection, sf_emulator, clock
):
    _settings(connection, unique_key="email")
    lead = _lead(sf_emulator, FirstName="Dani", LastName="Levi", Email="dana@example.com", MobilePhone="0501234567")
    contact = sf_emulator.org.create(
        "Contact", {"FirstName": "Dana", "LastName": "Levi-Cohen", "Email": "Dana@Example.com"}
    )
    before = _org(sf_emulator)

    first, second = _two_cycles(connection, clock)

    assert _org(sf_emulator) == before and first.records_out == second.records_out == 0
    dana = Contact.objects.get(account=account)
    assert {r.external_id for r in dana.external_refs.all()} == {lead, contact}
    # A Contact over a Lead: the contact takes the Contact's values; the Lead's phone, which the Contact lacks,
    # stays too.
    assert (dana.first_name, dana.last_name, dana.phone) == ("Dana", "Levi-Cohen", "+972501234567")
    assert first.details["shared_contact"] == 1


def test_a_change_made_here_to_a_shared_contact_goes_to_both_records(account, connection, sf_emulator, clock):
    _settings(connection, unique_key="email")
    lead = _lead(sf_emulator, FirstName="Dani", Email="dana@example.com")
    contact = sf_emulator.org.create("Contact", {"FirstName": "Dana", "LastName": "Levi", "Email": "dana@example.com"})
    _two_cycles(connection, clock)
    dana = Contact.objects.get(account=account)
    contacts_upsert(account=account, rows=[{"id": dana.pk, "first_name": "Daniela"}], source="manual")
    clock.advance(minutes=5)

    _sync(connection)

    assert sf_emulator.org.get("Lead", lead)["FirstName"] == "Daniela"
    assert sf_emulator.org.get("Contact", contact)["FirstName"] == "Daniela"
    assert sf_emulator.org.get("Lead", lead)["LastName"] == "Levi"  # untouched fields stay as they were


def test_a_change_there_to_one_record_of_a_shared_contact_is_not_carried_to_the_other(
    account, connection, sf_emulator, clock
):
    _settings(connection, unique_key="email")
    lead = _lead(sf_emulator, FirstName="Dani", Email="dana@example.com")
    contact = sf_emulator.org.create("Contact", {"FirstName": "Dana", "LastName": "Levi", "Email": "dana@example.com"})
    _two_cycles(connection, clock)
    sf_emulator.org.update("Lead", lead, {"FirstName": "Danit"})
    contact_before = sf_emulator.org.get("Contact", contact)

    _sync(connection)
    clock.advance(minutes=5)
    _sync(connection)

    assert Contact.objects.get(account=account).first_name == "Danit"  # the newest change wins here
    assert sf_emulator.org.get("Contact", contact) == contact_before  # and stays on its own record there


def test_a_contact_here_first_is_linked_without_writing_its_values_there(account, connection, sf_emulator, clock):
    contacts_upsert(
        account=account,
        rows=[{"email": "dana@example.com", "first_name": "Dana", "last_name": "Levi", "phone": "0501234567"}],
        source="manual",
    )
    lead = _lead(sf_emulator, FirstName="Dana", LastName="Levi", Email="dana@example.com")  # no phone there
    before = _org(sf_emulator)

    first, second = _two_cycles(connection, clock)

    assert _org(sf_emulator) == before and first.records_out == second.records_out == 0
    dana = Contact.objects.get(account=account)
    assert dana.phone == "+972501234567"  # what Salesforce lacks is not taken away here either
    assert ExternalRef.objects.get(external_id=lead).contact == dana
    assert first.details["linked_existing"] == 1


def test_with_fill_blanks_on_what_the_platform_has_and_salesforce_lacks_goes_there(
    account, connection, sf_emulator, clock
):
    _settings(connection, fill_salesforce_blanks=True)
    contacts_upsert(account=account, rows=[{"email": "dana@example.com", "phone": "0501234567"}], source="manual")
    lead = _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")

    _two_cycles(connection, clock)

    record = sf_emulator.org.get("Lead", lead)
    assert record["MobilePhone"] == "+972501234567"
    assert record["FirstName"] == "Dana" and record["Email"] == "dana@example.com"


def test_a_phone_alone_never_links_a_record_to_a_contact_with_another_email(account, connection, sf_emulator, clock):
    contacts_upsert(account=account, rows=[{"email": "noa@example.com", "phone": "0501234567"}], source="manual")
    _lead(sf_emulator, FirstName="Dana", Email="dana@example.com", MobilePhone="0501234567")

    _two_cycles(connection, clock)

    assert set(Contact.objects.filter(account=account).values_list("email", flat=True)) == {
        "noa@example.com",
        "dana@example.com",
    }


@pytest.mark.parametrize(("policy", "back"), [("when_changed", True), ("never", False)])
def test_a_contact_deleted_here_stays_deleted_unless_its_record_changes_there(
    account, connection, sf_emulator, clock, policy, back
):
    _settings(connection, deleted_here=policy)
    lead = _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")
    _sync(connection)
    clock.advance(minutes=5)
    contact_delete(account=account, actor=None, contact=Contact.objects.get(account=account))
    clock.advance(minutes=5)

    _sync(connection, full=True)
    clock.advance(minutes=5)
    _sync(connection)

    assert not Contact.objects.filter(account=account).exists()  # an unchanged record does not bring it back
    tombstone = ExternalRef.objects.get(external_id=lead)
    assert tombstone.contact is None and tombstone.contact_deleted_at is not None

    sf_emulator.org.update("Lead", lead, {"FirstName": "Dana-Lee"})
    clock.advance(minutes=5)
    _sync(connection)

    assert Contact.objects.filter(account=account, first_name="Dana-Lee").exists() is back
    assert len(sf_emulator.org.records("Lead")) == 1


def test_a_lead_deleted_here_and_converted_there_does_not_come_back_as_its_contact(
    account, connection, sf_emulator, clock
):
    _settings(connection, deleted_here="never")
    lead = _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")
    _sync(connection)
    contact_delete(account=account, actor=None, contact=Contact.objects.get(account=account))
    clock.advance(minutes=5)
    converted = sf_emulator.org.convert_lead(lead)
    clock.advance(minutes=5)

    _sync(connection)

    assert not Contact.objects.filter(account=account).exists()
    assert ExternalRef.objects.get(external_id=converted).contact is None


def test_a_record_deleted_there_after_its_contact_was_deleted_here_is_marked_deleted(
    account, connection, sf_emulator, clock
):
    lead = _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")
    _sync(connection)
    contact_delete(account=account, actor=None, contact=Contact.objects.get(account=account))
    sf_emulator.org.delete("Lead", lead)
    clock.advance(minutes=5)

    _sync(connection)

    assert ExternalRef.objects.get(external_id=lead).deleted_at is not None


@pytest.mark.parametrize(
    ("policy", "said"),
    [("when_changed", "back only if the record changes in Salesforce later"), ("never", "will not bring the contact")],
)
def test_the_delete_confirmation_says_the_contact_is_synced_and_what_follows(
    account, connection, sf_emulator, owner_client, policy, said
):
    _english(account)
    _settings(connection, deleted_here=policy)
    _lead(sf_emulator, FirstName="Dana", Email="dana@example.com")
    _sync(connection)
    contacts_upsert(account=account, rows=[{"email": "noa@example.com"}], source="manual")
    dana = Contact.objects.get(account=account, email="dana@example.com")
    noa = Contact.objects.get(account=account, email="noa@example.com")

    synced_page = owner_client.get(f"/contacts/{dana.pk}/").content.decode()
    local_page = owner_client.get(f"/contacts/{noa.pk}/").content.decode()

    assert "This contact is synced with Salesforce: its record there is not deleted" in synced_page
    assert said in synced_page
    assert "Salesforce" not in local_page


def test_the_run_detail_states_the_rule_records_meeting_a_contact_follow(
    account, connection, sf_emulator, owner_client
):
    _english(account)
    _settings(connection, unique_key="email")
    _lead(sf_emulator, FirstName="Dani", Email="dana@example.com")
    sf_emulator.org.create("Contact", {"FirstName": "Dana", "LastName": "Levi", "Email": "dana@example.com"})

    run = _sync(connection)

    page = owner_client.get(f"/integrations/salesforce/runs/{run.pk}/").content.decode()
    assert 'id="linking-rule"' in page and "a Contact's values over a Lead's" in page
