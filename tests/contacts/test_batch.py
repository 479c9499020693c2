"""API-2, API-4: one service turns a batch of contacts into one result per item, for both endpoints."""

from automations.models import Event
from contacts import services
from contacts.batch import BatchItem, ItemResult, batch_counts, contacts_batch_run, number_problem
from contacts.models import Contact
from contacts.upsert import Policy, Status


def test_each_item_gets_its_result_at_its_own_position(account):
    known = Contact.objects.create(account=account, phone="+972501111111", first_name="Old")
    items = [
        BatchItem(0, {"phone": "0502222222"}),
        BatchItem(1, refused="Each contact must be a JSON object."),
        BatchItem(2, {"phone": "0501111111", "first_name": "New"}, handle_events=False),
        BatchItem(3, {"email": "not an email"}),
        BatchItem(4, {"phone": "0501111111", "first_name": "New"}),
    ]

    results = contacts_batch_run(account=account, items=items, policy=Policy(), source="api")

    made = Contact.objects.get(account=account, phone="+972502222222")
    assert [(r.index, r.status, r.contact_id) for r in results] == [
        (0, Status.NEW, made.pk),
        (1, Status.REJECTED, None),
        (2, Status.UNCHANGED, known.pk),  # saved after the items with events (4 changed it first)
        (3, Status.REJECTED, None),
        (4, Status.UPDATED, known.pk),
    ]
    assert results[1].reason == "Each contact must be a JSON object." and results[3].reason
    assert batch_counts(results) == {"new": 1, "updated": 1, "unchanged": 1, "rejected": 2}


def test_items_without_events_are_saved_apart_and_marked(account):
    items = [BatchItem(0, {"phone": "0501111111"}), BatchItem(1, {"phone": "0502222222"}, handle_events=False)]

    contacts_batch_run(account=account, items=items, policy=Policy(), source="api")

    created = list(Event.objects.filter(account=account, kind="contact.created").order_by("id"))
    assert [e.payload.get("handle_events", True) for e in created] == [True, False]


def test_every_saved_contact_joins_the_batch_groups(account):
    group = services.group_create(account=account, actor=None, name="Batch")
    items = [BatchItem(0, {"phone": "0501111111"}), BatchItem(1, refused="no")]

    results = contacts_batch_run(account=account, items=items, policy=Policy(), source="api", groups=[group])

    assert list(group.memberships.values_list("contact_id", flat=True)) == [results[0].contact_id]
    assert results[1] == ItemResult(1, Status.REJECTED, None, "no")


def test_numbers_no_field_can_store_are_named():
    assert number_problem("1e400") and number_problem("Infinity") and number_problem(float("nan"))
    assert number_problem("12.5") == number_problem("abc") == number_problem(None) == number_problem(True) == ""
