"""CON-4 groups and merge; UNS-1…4 suppressions that nothing lifts but an explicit re-subscribe."""

import pytest

from automations.models import Event
from contacts import services
from contacts.models import Contact, Group, GroupMembership, Suppression, SuppressionEvent
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.models import AuditEntry


def _contact(account, phone, groups=()):
    contact = Contact.objects.create(account=account, phone=phone)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def test_merge_moves_members_once_and_deletes_the_source(account):
    a = services.group_create(account=account, actor=None, name="A")
    b = services.group_create(account=account, actor=None, name="B")
    shared = _contact(account, "+972501111111", [a, b])
    only_a = _contact(account, "+972502222222", [a])

    services.group_merge(account=account, actor=None, source=a, target=b)

    assert set(b.memberships.values_list("contact_id", flat=True)) == {shared.pk, only_a.pk}
    assert not Group.objects.filter(pk=a.pk).exists()
    joined = Event.objects.get(account=account, kind="group.joined")
    assert joined.payload == {"group_id": b.pk, "contact_ids": [only_a.pk]}


def test_merge_is_repeatable_for_more_groups(account):
    groups = [services.group_create(account=account, actor=None, name=f"G{i}") for i in range(3)]
    for i, group in enumerate(groups):
        _contact(account, f"+97250111111{i}", [group])

    services.group_merge(account=account, actor=None, source=groups[1], target=groups[0])
    services.group_merge(account=account, actor=None, source=groups[2], target=groups[0])

    assert groups[0].memberships.count() == 3 and Group.objects.filter(account=account).count() == 1


def test_merge_refuses_the_same_group_or_another_accounts(account, other_account):
    mine = services.group_create(account=account, actor=None, name="Mine")
    theirs = services.group_create(account=other_account, actor=None, name="Theirs")

    with pytest.raises(ApplicationError):
        services.group_merge(account=account, actor=None, source=mine, target=mine)
    with pytest.raises(NotFound):
        services.group_merge(account=account, actor=None, source=theirs, target=mine)


def test_group_names_are_unique_per_account(account, other_account):
    services.group_create(account=account, actor=None, name="VIP")
    services.group_create(account=other_account, actor=None, name="VIP")

    with pytest.raises(ApplicationError, match="already exists"):
        services.group_create(account=account, actor=None, name=" VIP ")


def test_deleting_a_group_keeps_its_contacts(account):
    group = services.group_create(account=account, actor=None, name="Temp")
    contact = _contact(account, "+972501111111", [group])

    services.group_delete(account=account, actor=None, group=group)

    assert Contact.objects.filter(pk=contact.pk).exists()


def test_suppressions_are_per_point_and_channel_with_history(account):
    result = services.suppressions_add(
        account=account,
        points=["Dana@Example.com", "050-1234567", "dana@example.com", "not a point"],
        reason="asked by phone",
        source="manual",
    )

    assert (result["added"], result["already"]) == (2, 0)
    assert result["rejected"][0][0] == "not a point"
    assert set(Suppression.objects.filter(account=account).values_list("channel", "point")) == {
        ("email", "dana@example.com"),
        ("sms", "+972501234567"),
    }
    assert SuppressionEvent.objects.filter(account=account, action="suppressed").count() == 2
    kinds = Event.objects.filter(account=account, kind="contact.unsubscribed").values_list("payload", flat=True)
    assert {p["channel"] for p in kinds} == {"email", "sms"}


def test_adding_the_same_suppression_again_changes_nothing(account):
    services.suppressions_add(account=account, points=["a@example.com"], reason="", source="import")

    again = services.suppressions_add(account=account, points=["a@example.com"], reason="", source="import")

    assert (again["added"], again["already"]) == (0, 1)
    assert SuppressionEvent.objects.filter(account=account).count() == 1


def test_only_an_explicit_recorded_resubscribe_lifts_a_suppression(account):
    services.suppressions_add(account=account, points=["a@example.com"], reason="link", source="email_link")
    services.contacts_upsert(account=account, rows=[{"email": "a@example.com"}], source="import")
    assert Suppression.objects.filter(account=account, point="a@example.com").exists()

    with pytest.raises(ApplicationError):
        services.suppression_resubscribe(
            account=account, actor=account.owner, channel="email", point="a@example.com", reason=" "
        )
    services.suppression_resubscribe(
        account=account, actor=account.owner, channel="email", point="a@example.com", reason="signed the form again"
    )

    assert not Suppression.objects.filter(account=account).exists()
    history = list(SuppressionEvent.objects.filter(account=account).order_by("id").values_list("action", flat=True))
    assert history == ["suppressed", "resubscribed"]


# --- finding or creating a group by name, adding members: each with its audit row ---------------------


def test_group_get_or_create_creates_once_with_an_audit_row(account, other_account):
    services.group_create(account=other_account, actor=None, name="Leads")

    made = services.group_get_or_create(account=account, actor=account.owner, name=" Leads ")
    found = services.group_get_or_create(account=account, actor=account.owner, name="Leads")

    assert made == found and made.account == account and made.name == "Leads"
    created = AuditEntry.objects.filter(account=account, action="group.create")
    assert [(e.target_id, e.actor) for e in created] == [(str(made.pk), account.owner)]


def test_group_members_add_counts_and_audits_the_contacts_that_joined(account, other_account):
    group = services.group_create(account=account, actor=None, name="VIP")
    member = _contact(account, "+972501111111", [group])
    newcomer = _contact(account, "+972502222222")
    theirs = _contact(other_account, "+972503333333")

    result = services.group_members_add(
        account=account,
        actor=account.owner,
        group=group,
        contact_ids=[member.pk, newcomer.pk, theirs.pk, newcomer.pk],
        source="manual",
    )

    assert result == {"added": 1, "already": 1, "not_found": [theirs.pk]}
    assert set(group.memberships.values_list("contact_id", flat=True)) == {member.pk, newcomer.pk}
    entry = AuditEntry.objects.get(account=account, action="group.members_add")
    assert (entry.target_id, entry.actor, entry.data) == (str(group.pk), account.owner, {"count": 1})
    joined = Event.objects.get(account=account, kind="group.joined")
    assert joined.payload["contact_ids"] == [newcomer.pk]


def test_adding_no_new_member_writes_no_audit_row(account):
    group = services.group_create(account=account, actor=None, name="VIP")
    member = _contact(account, "+972501111111", [group])

    result = services.group_members_add(
        account=account, actor=None, group=group, contact_ids=[member.pk], source="manual"
    )

    assert result == {"added": 0, "already": 1, "not_found": []}
    assert not AuditEntry.objects.filter(account=account, action="group.members_add").exists()


def test_group_members_add_refuses_another_accounts_group(account, other_account):
    theirs = services.group_create(account=other_account, actor=None, name="Theirs")
    mine = _contact(account, "+972501111111")

    with pytest.raises(NotFound):
        services.group_members_add(account=account, actor=None, group=theirs, contact_ids=[mine.pk], source="x")

    assert not theirs.memberships.exists()


def test_groups_named_by_upsert_rows_are_created_through_the_audited_service(account):
    services.contacts_upsert(
        account=account,
        rows=[{"phone": "0501111111", "groups": ["From rows"]}, {"phone": "0502222222", "groups": ["From rows"]}],
        source="import",
        actor=account.owner,
    )

    group = Group.objects.get(account=account, name="From rows")
    assert group.memberships.count() == 2
    created = AuditEntry.objects.get(account=account, action="group.create")
    assert (created.target_id, created.actor) == (str(group.pk), account.owner)
