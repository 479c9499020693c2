"""Lead conversion, as the Convert button does it: the lead becomes a contact under an account."""

from .errors import ApiError


def convert_lead(
    org, lead_id: str, *, by_user: str | None = None, account_id: str | None = None, contact_id: str | None = None
) -> str:
    """Convert a lead and return the contact id.

    A new account (named after the lead's company) and contact are created unless ids are given; an
    existing contact only gets the lead's values for its blank fields.
    """
    with org.savepoint():
        user = org.user_id(by_user)
        lead_type = org.types["Lead"]
        lead = org.live(lead_type, lead_id)
        if lead["IsConverted"]:
            raise ApiError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
        if account_id is None:
            account_id = org.create("Account", {"Name": lead["Company"] or lead["Name"]}, by_user=user)
        else:
            account_id = org.live(org.types["Account"], account_id)["Id"]
        person = {
            name: lead[name]
            for name in (
                "FirstName",
                "LastName",
                "Title",
                "Email",
                "Phone",
                "MobilePhone",
                "HasOptedOutOfEmail",
                "LeadSource",
            )
        }
        if contact_id is None:
            contact_id = org.create("Contact", {**person, "AccountId": account_id}, by_user=user)
        else:
            contact = org.live(org.types["Contact"], contact_id)
            blanks = {name: value for name, value in person.items() if value and not contact[name]}
            org.update(
                "Contact", contact["Id"], {**blanks, "AccountId": contact["AccountId"] or account_id}, by_user=user
            )
            contact_id = contact["Id"]
        converted = {
            **lead,
            "IsConverted": True,
            "ConvertedContactId": contact_id,
            "ConvertedAccountId": account_id,
            "ConvertedDate": org.now().date().isoformat(),
            "Status": "Closed - Converted",
        }
        org._write(lead_type, org._touch(lead_type, converted, user), lead)
        return contact_id
