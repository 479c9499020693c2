"""What writes which event: deletes, re-subscribes, new groups, and upserts that asked for no automations."""

import pytest

from automations.models import Event
from contacts import services
from contacts.models import Contact, Group
from marketing.core.errors import NotFound
from marketing.core.models import AuditEntry


def _events(account, kind) -> list[dict]:
    return list(Event.objects.filter(account=account, kind=kind).order_by("id").values_list("payload", flat=True))


def test_deleting_a_contact_writes_contact_deleted(account):
    dana = Contact.objects.create(account=account, first_name="Dana", phone="+972501111111")

    services.contact_delete(account=account, actor=account.owner, contact=dana, source="manual")

    assert not Contact.objects.filter(pk=dana.pk).exists()
    assert _events(account, "contact.deleted") == [{"contact_ids": [dana.pk], "source": "manual"}]
    entry = AuditEntry.objects.get(action="contact.delete")
    assert (entry.target_id, entry.data["name"], entry.actor_id) == (str(dana.pk), "Dana", account.owner.pk)


def test_deleting_many_contacts_writes_one_audit_row_each_and_one_event(account, other_account):
    mine = [Contact.objects.create(account=account, phone=f"+97250111111{i}") for i in range(3)]
    theirs = Contact.objects.create(account=other_account, phone="+972502222222")
    ids = [c.pk for c in mine]

    deleted = services.contacts_delete(
        account=account, actor=None, contact_ids=[*ids, theirs.pk, 999_999], source="salesforce"
    )

    assert deleted == 3
    assert not Contact.objects.filter(pk__in=ids).exists() and Contact.objects.filter(pk=theirs.pk).exists()
    assert _events(account, "contact.deleted") == [{"contact_ids": sorted(ids), "source": "salesforce"}]
    assert not Event.objects.filter(account=other_account).exists()
    audit = AuditEntry.objects.filter(action="contact.delete")
    assert sorted(audit.values_list("target_id", flat=True)) == sorted(str(pk) for pk in ids)
    assert {(e.account_id, e.target_type, e.data["source"]) for e in audit} == {
        (account.pk, "contacts.contact", "salesforce")
    }


def test_deleting_nothing_writes_nothing(account, other_account):
    theirs = Contact.objects.create(account=other_account, phone="+972502222222")

    assert services.contacts_delete(account=account, actor=None, contact_ids=[theirs.pk], source="api") == 0

    assert Contact.objects.filter(pk=theirs.pk).exists()
    assert not Event.objects.exists() and not AuditEntry.objects.filter(action="contact.delete").exists()


def test_another_accounts_contact_is_refused_by_contact_delete(account, other_account):
    theirs = Contact.objects.create(account=other_account, phone="+972502222222")

    with pytest.raises(NotFound):
        services.contact_delete(account=account, actor=None, contact=theirs)

    assert Contact.objects.filter(pk=theirs.pk).exists() and not Event.objects.exists()


def test_a_resubscribe_writes_contact_resubscribed(account):
    services.suppressions_add(account=account, points=["a@example.com"], reason="", source="import")

    services.suppression_resubscribe(
        account=account, actor=account.owner, channel="email", point="a@example.com", reason="asked again"
    )

    assert _events(account, "contact.resubscribed") == [
        {"channel": "email", "points": ["a@example.com"], "source": "manual"}
    ]


def test_creating_a_group_writes_group_created(account):
    group = services.group_create(account=account, actor=None, name="VIP", source="api")

    assert _events(account, "group.created") == [
        {"group_id": group.pk, "name": "VIP", "kind": Group.Kind.REGULAR, "source": "api"}
    ]


def test_a_refused_group_writes_no_event(account):
    services.group_create(account=account, actor=None, name="VIP")

    with pytest.raises(Exception):  # noqa: B017 - the name is taken
        services.group_create(account=account, actor=None, name="VIP")

    assert len(_events(account, "group.created")) == 1 and "source" not in _events(account, "group.created")[0]


def test_an_upsert_without_automations_still_writes_its_events_marked_so(account):
    group = Group.objects.create(account=account, name="Leads")

    services.contacts_upsert(
        account=account, rows=[{"phone": "0501111111"}], source="api", groups=[group], handle_events=False
    )

    kinds = dict(Event.objects.filter(account=account).values_list("kind", "payload"))
    assert set(kinds) == {"contact.created", "group.joined"}
    assert all(payload["handle_events"] is False and payload["source"] == "api" for payload in kinds.values())


def test_an_upsert_with_automations_leaves_the_flag_out(account):
    services.contacts_upsert(account=account, rows=[{"phone": "0501111111"}], source="api")

    assert "handle_events" not in Event.objects.get(account=account, kind="contact.created").payload
