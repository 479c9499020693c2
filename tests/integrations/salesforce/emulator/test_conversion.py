import pytest

from integrations.salesforce.emulator import ApiError

from .support import lead


def test_converting_a_lead_creates_an_account_and_a_contact_carrying_its_details(sf_emulator):
    org = sf_emulator.org
    lead_id = lead(
        sf_emulator,
        FirstName="Grace",
        LastName="Hopper",
        Company="Navy",
        Email="grace@example.com",
        Phone="+1 555 0100",
        MobilePhone="+1 555 0101",
        HasOptedOutOfEmail=True,
    )
    before = org.get("Lead", lead_id)

    contact_id = org.convert_lead(lead_id)

    converted, contact = org.get("Lead", lead_id), org.get("Contact", contact_id)
    account = org.get("Account", converted["ConvertedAccountId"])
    assert converted["IsConverted"] is True and converted["ConvertedContactId"] == contact_id
    assert converted["ConvertedDate"] == converted["SystemModstamp"][:10]
    assert converted["SystemModstamp"] >= before["SystemModstamp"]
    assert account["Name"] == "Navy" and contact["AccountId"] == account["Id"]
    assert (
        contact["FirstName"],
        contact["LastName"],
        contact["Email"],
        contact["Phone"],
        contact["MobilePhone"],
        contact["HasOptedOutOfEmail"],
    ) == ("Grace", "Hopper", "grace@example.com", "+1 555 0100", "+1 555 0101", True)
    assert contact["LastModifiedById"] == org.admin_user_id


def test_a_conversion_shows_in_queries(sf_emulator, api):
    lead_id = lead(sf_emulator)
    contact_id = sf_emulator.org.convert_lead(lead_id, by_user="integration")

    record = api.query(f"SELECT IsConverted, ConvertedContactId, Status FROM Lead WHERE Id = '{lead_id}'")["records"][0]

    assert (record["IsConverted"], record["ConvertedContactId"], record["Status"]) == (
        True,
        contact_id,
        "Closed - Converted",
    )


def test_converting_into_an_existing_contact_only_fills_its_blanks(sf_emulator):
    org = sf_emulator.org
    contact_id = org.create("Contact", {"LastName": "Hopper", "Email": "kept@example.com"})
    lead_id = lead(sf_emulator, FirstName="Grace", LastName="Hopper", Email="lead@example.com")

    assert org.convert_lead(lead_id, contact_id=contact_id) == contact_id

    contact = org.get("Contact", contact_id)
    assert (contact["FirstName"], contact["Email"]) == ("Grace", "kept@example.com")
    assert len(org.records("Contact")) == 1


def test_a_lead_converts_once(sf_emulator):
    lead_id = lead(sf_emulator)
    sf_emulator.org.convert_lead(lead_id)

    with pytest.raises(ApiError) as refused:
        sf_emulator.org.convert_lead(lead_id)

    assert refused.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert len(sf_emulator.org.records("Contact")) == 1
