import pytest

from integrations.salesforce.emulator import ids


def test_the_suffix_is_computed_the_way_salesforce_documents_it():
    assert ids.checksum("a0D30000001n7Pi") == "EAI"
    assert ids.normalize("a0D30000001n7Pi") == "a0D30000001n7PiEAI"


def test_an_18_character_id_is_case_insensitive():
    full = ids.make_id("00Q", 123_456_789)

    assert ids.normalize(full.lower()) == full
    assert ids.normalize(full.upper()) == full


@pytest.mark.parametrize("value", ["001000000000000AAB", "short", "a0D30000001n7P!", None, 42])
def test_anything_else_is_not_an_id(value):
    assert ids.normalize(value) is None


def test_ids_count_up_and_keep_their_key_prefix():
    factory = ids.IdFactory()

    first, second = factory.next("003"), factory.next("003")

    assert first[:3] == second[:3] == "003"
    assert first < second and ids.is_valid(first) and ids.is_valid(second)


def test_records_created_over_https_get_valid_ids_with_real_key_prefixes(sf_emulator, api):
    campaign = api.Campaign.create({"Name": "Spring"})["id"]
    lead = api.Lead.create({"LastName": "Lee", "Company": "Acme"})["id"]
    account = api.Account.create({"Name": "Acme"})["id"]
    contact = api.Contact.create({"LastName": "Lee", "AccountId": account})["id"]
    member = api.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})["id"]
    task = api.Task.create({"Subject": "Call", "WhoId": contact})["id"]
    org = sf_emulator.org

    prefixes = {
        campaign: "701",
        lead: "00Q",
        account: "001",
        contact: "003",
        member: "00v",
        task: "00T",
        org.integration_user_id: "005",
        org.admin_user_id: "005",
        org.organization_id: "00D",
    }
    for record_id, prefix in prefixes.items():
        assert len(record_id) == 18 and record_id[:3] == prefix
        assert record_id[15:] == ids.checksum(record_id[:15])
