"""The batch upsert engine (CON-1, CON-2, IMP-5, IMP-7, UNS-4) — every entry point goes through it."""

import datetime as dt

import pytest

from automations.models import Event
from contacts.models import Contact, CustomField, Group, GroupMembership, Suppression
from contacts.services import Policy, contacts_upsert


def upsert(account, rows, **kwargs):
    kwargs.setdefault("source", "test")
    return contacts_upsert(account=account, rows=rows, keep_outcomes=True, **kwargs)


def statuses(result):
    return [o.status for o in result.outcomes]


def test_new_contacts_are_created_with_normalized_points(account):
    result = upsert(
        account,
        [
            {"first_name": " Dana ", "last_name": "Levi", "phone": "050-1234567", "email": " Dana@Example.COM"},
            {"phone": "+972 52 765 4321"},
        ],
    )

    assert result.as_dict() == {"read": 2, "new": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    dana = Contact.objects.get(account=account, email="dana@example.com")
    assert (dana.first_name, dana.phone, dana.source) == ("Dana", "+972501234567", "test")


def test_every_row_ends_in_exactly_one_outcome_and_counts_add_up(account):
    rows = [
        {"phone": "0501111111"},
        {"phone": "not a phone"},
        {"email": "bad@"},
        {"first_name": "No points"},
        {"phone": "050-111-1111", "first_name": "Same person"},
        {"phone": "0501111111", "first_name": "Same person"},
    ]

    result = upsert(account, rows)

    assert statuses(result) == ["new", "rejected", "rejected", "rejected", "updated", "unchanged"]
    assert result.read == len(rows) == result.new + result.updated + result.unchanged + result.rejected
    reasons = [o.reason for o in result.outcomes if o.status == "rejected"]
    assert all(reasons) and "phone or an email" in reasons[2]


def test_reimporting_the_same_rows_changes_nothing(account):
    rows = [{"phone": f"05{i % 9}{i:07d}", "first_name": f"n{i}", "email": f"p{i}@example.com"} for i in range(300)]
    upsert(account, rows, chunk_size=70)
    before = list(Contact.objects.filter(account=account).order_by("id").values())

    again = upsert(account, rows, chunk_size=70)

    assert again.as_dict() == {"read": 300, "new": 0, "updated": 0, "unchanged": 300, "rejected": 0}
    assert list(Contact.objects.filter(account=account).order_by("id").values()) == before


def test_matching_prefers_id_then_reference_then_email_then_phone(account):
    a = Contact.objects.create(account=account, email="a@example.com", phone="+972501111111", external_ref="R-1")
    b = Contact.objects.create(account=account, email="b@example.com", phone="+972502222222")

    result = upsert(
        account,
        [
            {"id": b.pk, "first_name": "by id"},
            {"external_ref": "R-1", "email": "b@example.com", "first_name": "by ref"},
            {"email": "b@example.com", "phone": "+972501111111", "last_name": "by email"},
            {"phone": "0502222222", "last_name": "by phone"},
        ],
        policy=Policy(avoid_losing_data=True),
    )

    assert statuses(result) == ["updated", "updated", "updated", "updated"]
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.first_name == "by ref" and a.email == "b@example.com"
    assert b.first_name == "by id" and b.last_name == "by phone"


def test_one_parent_phone_for_several_children_by_reference(account):
    rows = [
        {"external_ref": "child-1", "first_name": "Noa", "phone": "0501234567"},
        {"external_ref": "child-2", "first_name": "Omer", "phone": "0501234567"},
    ]

    assert statuses(upsert(account, rows)) == ["new", "new"]
    assert Contact.objects.filter(account=account, phone="+972501234567").count() == 2


def test_policies_add_new_update_existing_avoid_losing_data(account):
    Contact.objects.create(account=account, phone="+972501234567", first_name="Dana", last_name="Levi")

    no_new = upsert(account, [{"phone": "0529999999"}], policy=Policy(add_new=False))
    no_update = upsert(account, [{"phone": "0501234567", "first_name": "X"}], policy=Policy(update_existing=False))
    keep = upsert(account, [{"phone": "0501234567", "last_name": ""}], policy=Policy(avoid_losing_data=True))
    clear = upsert(account, [{"phone": "0501234567", "last_name": ""}])

    assert statuses(no_new) == ["rejected"] and "adding new contacts is off" in no_new.outcomes[0].reason
    assert statuses(no_update) == ["unchanged"] and statuses(keep) == ["unchanged"]
    assert statuses(clear) == ["updated"]
    contact = Contact.objects.get(account=account)
    assert (contact.first_name, contact.last_name) == ("Dana", "")


def test_absent_keys_are_left_alone(account):
    Contact.objects.create(account=account, email="a@example.com", first_name="Dana", birth_date=dt.date(1990, 5, 1))

    upsert(account, [{"email": "a@example.com", "last_name": "Levi"}])

    contact = Contact.objects.get(account=account)
    assert (contact.first_name, contact.last_name, contact.birth_date) == ("Dana", "Levi", dt.date(1990, 5, 1))


def test_a_contact_never_loses_its_last_contact_point(account):
    Contact.objects.create(account=account, email="a@example.com", external_ref="R")

    upsert(account, [{"external_ref": "R", "email": ""}])

    assert Contact.objects.get(account=account).email == "a@example.com"


def test_an_unknown_id_is_rejected(account, other_account):
    theirs = Contact.objects.create(account=other_account, email="x@example.com")

    result = upsert(account, [{"id": theirs.pk, "first_name": "stolen"}])

    assert statuses(result) == ["rejected"]
    theirs.refresh_from_db()
    assert theirs.first_name == ""


def test_a_reference_of_another_contact_is_refused(account):
    Contact.objects.create(account=account, email="a@example.com", external_ref="R-1")
    b = Contact.objects.create(account=account, email="b@example.com")

    result = upsert(account, [{"id": b.pk, "external_ref": "R-1"}])

    assert statuses(result) == ["rejected"] and "R-1" in result.outcomes[0].reason


def test_groups_by_name_are_created_and_joined_once(account):
    result = upsert(
        account,
        [{"phone": "0501234567", "groups": ["VIP", "לקוחות"]}, {"phone": "0501234567", "groups": ["VIP"]}],
    )

    assert statuses(result) == ["new", "unchanged"]
    vip = Group.objects.get(account=account, name="VIP")
    assert GroupMembership.objects.filter(group=vip).count() == 1
    assert Group.objects.filter(account=account, name="לקוחות").exists()


def test_group_ids_of_another_account_are_ignored(account, other_account):
    mine = Group.objects.create(account=account, name="Mine")
    theirs = Group.objects.create(account=other_account, name="Theirs")

    upsert(account, [{"phone": "0501234567", "group_ids_add": [mine.pk, theirs.pk]}])

    assert GroupMembership.objects.filter(group=mine).count() == 1
    assert not GroupMembership.objects.filter(group=theirs).exists()


def test_remove_from_group(account):
    group = Group.objects.create(account=account, name="Mine")
    upsert(account, [{"phone": "0501234567"}], groups=[group])

    upsert(account, [{"phone": "0501234567", "group_ids_remove": [group.pk]}])

    assert not GroupMembership.objects.filter(group=group).exists()
    assert Event.objects.filter(account=account, kind="group.left").exists()


def test_events_are_written_per_batch(account):
    group = Group.objects.create(account=account, name="Newsletter")

    upsert(account, [{"phone": "0501234567"}, {"email": "a@example.com"}], groups=[group])
    upsert(account, [{"phone": "0501234567", "first_name": "Dana"}], groups=[group])

    events = list(Event.objects.filter(account=account).order_by("id").values_list("kind", "payload"))
    kinds = [k for k, _ in events]
    assert kinds == ["contact.created", "group.joined", "contact.updated"]
    assert len(events[0][1]["contact_ids"]) == 2 and events[2][1]["fields"] == ["first_name", "updated_at"]


def test_an_upsert_never_lifts_a_suppression(account):
    Suppression.objects.create(account=account, channel="email", point="a@example.com", source="manual")

    upsert(account, [{"email": "A@example.com", "first_name": "Back"}])

    assert Suppression.objects.filter(account=account, point="a@example.com").exists()


def test_custom_fields_and_legacy_slots(account):
    CustomField.objects.create(account=account, api_name="shoe_size", label="מידת נעליים", kind="number")

    result = upsert(
        account,
        [
            {"phone": "0501234567", "custom:shoe_size": "42", "custom:Text1": "hello", "custom:Date1": "2024-02-29"},
            {"phone": "0501234568", "custom:shoe_size": "big"},
            {"phone": "0501234569", "custom:nope": "x"},
        ],
    )

    assert statuses(result) == ["new", "rejected", "rejected"]
    contact = Contact.objects.get(account=account, phone="+972501234567")
    assert contact.custom == {"shoe_size": 42, "Text1": "hello", "Date1": "2024-02-29"}
    assert CustomField.objects.get(account=account, api_name="Text1").is_legacy_slot


def test_dates_gender_and_full_name(account):
    upsert(
        account,
        [{"phone": "0501234567", "full_name": "  דנה   בת  שבע ", "birth_date": "29/02/2000", "gender": "נקבה"}],
    )

    contact = Contact.objects.get(account=account)
    assert (contact.first_name, contact.last_name) == ("דנה", "בת שבע")
    assert (contact.birth_date, contact.gender) == (dt.date(2000, 2, 29), "female")


def test_another_account_is_never_touched(account, other_account):
    theirs = Contact.objects.create(account=other_account, phone="+972501234567", first_name="Theirs")

    result = upsert(account, [{"phone": "0501234567", "first_name": "Mine"}])

    assert statuses(result) == ["new"]
    theirs.refresh_from_db()
    assert theirs.first_name == "Theirs"


def test_a_group_of_another_account_is_refused(account, other_account):
    with pytest.raises(ValueError):
        upsert(account, [{"phone": "0501234567"}], groups=[Group.objects.create(account=other_account, name="x")])


@pytest.mark.parametrize("value", ["INF", "NaN", "1e400"])
def test_numbers_that_cannot_be_stored_are_rejected(account, value):
    CustomField.objects.create(account=account, api_name="score", label="Score", kind="number")

    result = upsert(account, [{"phone": "0501234567", "custom:score": value}])

    assert statuses(result) == ["rejected"] and value in result.outcomes[0].reason
