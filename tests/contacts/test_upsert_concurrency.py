"""CON-1, API-2: writers racing on the same new contact end with one contact (the account's writers take turns,
storage.writers_turn). Real threads, each with its own database connection, committing for real."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.test import APIClient

from automations.models import Event
from contacts.models import Contact, Group, GroupMembership
from contacts.services import contacts_upsert
from marketing.tokens.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 16


def _at_once(work, count: int = WRITERS) -> list:
    """`work(i)` in `count` threads released together; each closes its own connection."""
    start = threading.Barrier(count)

    def run(i: int):
        try:
            start.wait(timeout=30)
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_sixteen_writers_of_the_same_new_phone_make_one_contact(account):
    def upsert(i: int):
        result = contacts_upsert(
            account=account,
            rows=[{"phone": "050-7654321", "first_name": f"Writer {i}", "groups": ["Leads"]}],
            source="test",
            keep_outcomes=True,
        )
        return result.outcomes[0]

    outcomes = _at_once(upsert)

    contact = Contact.objects.get(account=account)
    assert contact.phone == "+972507654321"
    assert [o.status for o in outcomes].count("new") == 1
    assert {o.contact_id for o in outcomes} == {contact.pk}
    assert Group.objects.filter(account=account, name="Leads").count() == 1
    assert GroupMembership.objects.filter(contact=contact).count() == 1
    created = Event.objects.filter(account=account, kind="contact.created")
    assert [e.payload["contact_ids"] for e in created] == [[contact.pk]]


def test_the_same_new_email_sent_at_once_to_the_legacy_endpoint_is_stored_once(account):
    token = token_create(account=account, actor=account.owner, name="Zapier").plaintext
    user = {"Username": account.owner.username, "Token": token}

    def post(i: int):
        contact = {"FirstName": f"Lead {i}", "Email": "lead@example.com", "AddToGroupName": "Website"}
        document = {"User": user, "Data": {"Contacts": [contact]}}
        response = APIClient().post("/api/Contact/Update", document, format="json")
        return response.status_code, response.json()["Data"]["Contacts"][0]

    answers = _at_once(post)

    contact = Contact.objects.get(account=account)
    assert {status for status, _outcome in answers} == {200}
    assert [outcome["Status"] for _status, outcome in answers].count("New") == 1
    assert {outcome["ContactId"] for _status, outcome in answers} == {contact.pk}
    assert GroupMembership.objects.filter(contact=contact, group__name="Website").count() == 1


def test_distinct_new_contacts_written_at_once_are_all_stored(account):
    def upsert(i: int):
        return contacts_upsert(account=account, rows=[{"phone": f"052-{i:07d}"}], source="test").new

    assert sum(_at_once(upsert)) == WRITERS
    assert Contact.objects.filter(account=account).count() == WRITERS
