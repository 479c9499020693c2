"""The values `message_prepare` stores (formatted in SQL where it can) are the texts `value_formatter` shows."""

from datetime import date

from contacts.models import Contact, CustomField, Group, GroupMembership
from marketing.messaging.models import Recipient
from marketing.messaging.personalize import value_formatter
from marketing.messaging.pipeline import message_keys, message_prepare, message_templates
from marketing.messaging.services import message_create

BODY = (
    "[#first_name#] [#last_name#] [#gender#] [#birth_date#] [#registration_date#] [#note#] [#size#] [#visit#] [#tier#]"
)


def test_stored_values_match_the_formatter_for_every_kind_of_field(account):
    account.language = "he"
    account.save()
    CustomField.objects.create(account=account, api_name="note", label="note", kind="text")
    CustomField.objects.create(account=account, api_name="size", label="size", kind="number")
    CustomField.objects.create(account=account, api_name="visit", label="visit", kind="date")
    CustomField.objects.create(account=account, api_name="tier", label="tier", kind="choice", choices=["A", "B"])
    group = Group.objects.create(account=account, name="All")
    rows = [
        {"first_name": "דנה", "gender": "female", "birth_date": date(1980, 2, 29), "custom": {"note": "a\\b\tc\nd"}},
        {"first_name": "Avi", "last_name": 'O"Neil', "gender": "male", "custom": {"size": 42.0, "visit": "2024-01-31"}},
        {"first_name": "", "custom": {"note": 17, "size": 41.5, "visit": "not a date", "tier": "B"}},
        {"first_name": "Null", "custom": {"note": None, "tier": True, "size": None}},
        {"first_name": "Nested", "custom": {"note": ["x", 1], "visit": None}},
    ]
    contacts = []
    for n, values in enumerate(rows):
        contact = Contact.objects.create(account=account, phone=f"+97250000000{n}", **values)
        GroupMembership.objects.create(account=account, group=group, contact=contact)
        contacts.append(contact)
    message = message_create(
        account=account, membership=None, channel="sms", name="Kinds", body=BODY, group_ids=[group.pk]
    )
    message_prepare(message=message)

    keys = message_keys(message_templates(message))
    formatted = value_formatter(account, keys)
    for contact in contacts:
        contact.refresh_from_db()
        expected = formatted({**{k: getattr(contact, k, None) for k in keys}, "custom": contact.custom})
        stored = Recipient.objects.get(message=message, contact=contact).values
        assert stored == [expected[k] for k in keys], contact.first_name
    assert Recipient.objects.get(message=message, contact=contacts[0]).values[:4] == ["דנה", "", "נקבה", "29/02/1980"]
