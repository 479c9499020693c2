"""API-2, CON-1: a call with a few rows (an API call, a form) takes the short way through the engine — no
question whether the account has contacts yet, one INSERT … RETURNING instead of taking ids and a COPY — and
ends exactly as the long way does: the same outcomes, contacts, memberships and events."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from automations.models import Event
from contacts import storage
from contacts.models import Contact, CustomField, Group, GroupMembership
from contacts.services import Policy, contacts_upsert
from contacts.upsert import engine
from marketing.tokens.services import token_create

from ..factories import AccountFactory

VIP = "<VIP group id>"  # replaced by the account's own VIP group id

# Calls in order; each is (rows, policy).
CALLS = [
    (
        [
            {
                "phone": "050-1234567",
                "email": " Dana@Example.com",
                "first_name": " Dana ",
                "birth_date": "29/02/2000",
                "gender": "נקבה",
                "groups": ["Leads"],
                "custom:shoe_size": "42",
                "custom:Text1": "hello",
            }
        ],
        Policy(),
    ),
    ([{"phone": "0501234567", "first_name": "Dana B", "custom:shoe_size": "43"}], Policy()),  # updated by phone
    ([{"email": "dana@example.com", "first_name": "Dana B"}], Policy()),  # unchanged, by email
    ([{"phone": "not a phone", "first_name": "x"}], Policy()),  # rejected: the phone
    ([{"first_name": "No contact point"}], Policy()),  # rejected: nothing to reach
    ([{"id": 2**40, "first_name": "x"}], Policy()),  # rejected: no such contact
    ([{"phone": "0529999999", "custom:shoe_size": "big"}], Policy()),  # rejected: not a number
    ([{"phone": "0528888888"}], Policy(add_new=False)),  # rejected: adding is off
    (
        [
            {"external_ref": "R-1", "email": "r1@example.com", "groups": ["VIP"]},
            {"external_ref": "R-2", "phone": "052-1111111", "groups": ["Leads", "VIP"]},
            {"phone": "0531111111"},
            {"phone": "053-1111111", "first_name": "Twice in one call"},
        ],
        Policy(),
    ),
    (
        [{"external_ref": "R-1", "email": "r2@example.com"}, {"email": "r1@example.com", "external_ref": "R-2"}],
        Policy(),
    ),
    ([{"phone": "0521111111", "group_ids_remove": [VIP], "last_name": "Left VIP"}], Policy()),
    ([{"phone": "0501234567", "last_name": "", "first_name": ""}], Policy(avoid_losing_data=True)),
    ([{"phone": "0501234567", "email": ""}, {"email": "new@example.com", "group_ids_add": [VIP]}], Policy()),
    # The email finds a contact, the phone another one: the email wins, and the next row's phone finds the other.
    (
        [
            {"email": "r1@example.com", "phone": "0501234567", "first_name": "By email"},
            {"phone": "050-1234567", "last_name": "By phone"},
        ],
        Policy(),
    ),
]


def _run(account, monkeypatch, *, few: bool) -> list:
    if not few:  # the long way, as a large input takes it
        monkeypatch.setattr(engine, "FEW_ROWS", 0)
        monkeypatch.setattr(storage, "FEW_RECORDS", 0)
    CustomField.objects.create(account=account, api_name="shoe_size", label="Shoe size", kind="number")
    vip = Group.objects.create(account=account, name="VIP")
    outcomes = []
    for rows, policy in CALLS:
        rows = [
            {k: [vip.pk if g == VIP else g for g in v] if k.startswith("group_ids") else v for k, v in r.items()}
            for r in rows
        ]
        result = contacts_upsert(account=account, rows=rows, policy=policy, source="api", keep_outcomes=True)
        outcomes.append([(o.index, o.status, _key(o.contact_id), o.reason) for o in result.outcomes])
    monkeypatch.undo()
    return outcomes


def _key(contact_id: int | None) -> tuple | None:
    if contact_id is None:
        return None
    contact = Contact.objects.get(pk=contact_id)
    return (contact.external_ref, contact.email, contact.phone)


def _stored(account) -> dict:
    contacts = sorted(
        tuple(sorted((k, str(v)) for k, v in row.items() if k not in ("id", "account_id", "created_at", "updated_at")))
        for row in Contact.objects.filter(account=account).values()
    )
    members = sorted(
        (m.group.name, _key(m.contact_id), m.source)
        for m in GroupMembership.objects.filter(account=account).select_related("group")
    )
    names = dict(Group.objects.filter(account=account).values_list("pk", "name"))
    events = []
    for kind, payload in Event.objects.filter(account=account).order_by("id").values_list("kind", "payload"):
        payload = dict(payload)
        payload["contact_ids"] = sorted(_key(pk) for pk in payload.get("contact_ids", ()))
        if "group_id" in payload:
            payload["group_id"] = names[payload["group_id"]]
        events.append((kind, payload))
    return {"contacts": contacts, "members": members, "groups": sorted(names.values()), "events": events}


def test_the_short_way_ends_as_the_long_way(db, monkeypatch):
    short, long = AccountFactory(slug="short-way"), AccountFactory(slug="long-way")

    short_outcomes = _run(short, monkeypatch, few=True)
    long_outcomes = _run(long, monkeypatch, few=False)

    assert short_outcomes == long_outcomes
    assert _stored(short) == _stored(long)
    statuses = [status for call in short_outcomes for _index, status, _key, _reason in call]
    assert {"new", "updated", "unchanged", "rejected"} <= set(statuses)
    dana = Contact.objects.get(account=short, first_name="Dana B")
    assert (dana.phone, dana.last_name, dana.birth_date) == ("+972501234567", "By phone", dt.date(2000, 2, 29))
    assert dana.custom == {"shoe_size": 43, "Text1": "hello"} and dana.email == ""  # the last call cleared it


def test_one_new_contact_is_one_insert_with_no_copy_and_no_question_whether_the_account_is_empty(
    account, django_assert_max_num_queries
):
    Contact.objects.create(account=account, phone="+972500000001")
    Group.objects.create(account=account, name="Leads")

    with django_assert_max_num_queries(9) as captured:
        contacts_upsert(account=account, rows=[{"phone": "0501234567", "groups": ["Leads"]}], source="api")

    statements = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in statements if sql.startswith("COPY") or "nextval" in sql]
    assert not [sql for sql in statements if "contacts_contact" in sql and "LIMIT 1" in sql]
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO contacts_contact")]
    assert len(inserts) == 1 and "RETURNING id" in inserts[0]
    assert Contact.objects.filter(account=account).count() == 2


def test_a_legacy_call_reads_the_custom_fields_once(account, django_assert_max_num_queries):
    token = token_create(account=account, actor=account.owner, name="Form").plaintext
    CustomField.objects.create(account=account, api_name="shoe_size", label="Shoe size", kind="number")
    document = {
        "User": {"Username": account.owner.username, "Token": token},
        "Data": {"Contacts": [{"PhoneNumber": "0501234567", "shoe_size": "42", "AddToGroupName": "Leads"}]},
    }

    with django_assert_max_num_queries(20) as captured:
        response = APIClient().post("/api/Contact/Update", document, format="json")

    assert response.status_code == 200 and response.json()["Data"]["New"] == 1
    reads = [query["sql"] for query in captured.captured_queries if 'FROM "contacts_customfield"' in query["sql"]]
    assert len(reads) == 1
    assert Contact.objects.get(account=account).custom == {"shoe_size": 42}


@pytest.mark.parametrize("count", [1, storage.FEW_RECORDS, storage.FEW_RECORDS + 1])
def test_new_contacts_get_their_ids_in_order_however_many(account, count):
    rows = [{"phone": f"052{i:07d}", "first_name": f"n{i}"} for i in range(count)]

    result = contacts_upsert(account=account, rows=rows, source="api", keep_outcomes=True)

    by_id = dict(Contact.objects.filter(account=account).values_list("pk", "first_name"))
    assert [by_id[o.contact_id] for o in result.outcomes] == [f"n{i}" for i in range(count)]
