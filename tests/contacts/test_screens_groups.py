"""CON-4 through the screens: create, rename, delete, merge; a group's members, removal and export."""

import io

import pytest
from openpyxl import load_workbook

from contacts.models import Contact, Group, GroupMembership
from marketing.accounts.roles import Role

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def _members(group) -> set[str]:
    return set(GroupMembership.objects.filter(group=group).values_list("contact__first_name", flat=True))


def test_the_list_shows_groups_with_member_counts(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")
    Group.objects.create(account=account, name="Empty")
    _contact(account, [vip], first_name="Dana", phone="+972501111111")
    _contact(account, [vip], first_name="Moshe", phone="+972502222222")

    response = owner_client.get("/contacts/groups/")

    counts = {g.name: g.member_count for g in response.context["groups"]}
    assert counts == {"VIP": 2, "Empty": 0}
    assert f'href="/contacts/groups/{vip.pk}/"' in response.content.decode()


def test_create_a_group(owner_client, account):
    response = owner_client.post("/contacts/groups/", {"name": " לקוחות VIP "})

    assert response.status_code == 302
    assert list(Group.objects.filter(account=account).values_list("name", flat=True)) == ["לקוחות VIP"]


def test_a_duplicate_group_name_is_refused_on_the_form(owner_client, account):
    Group.objects.create(account=account, name="VIP")

    response = owner_client.post("/contacts/groups/", {"name": "VIP"})

    assert response.status_code == 200
    assert "A group named “VIP” already exists." in response.content.decode()
    assert Group.objects.filter(account=account).count() == 1


def test_rename_a_group(owner_client, account):
    group = Group.objects.create(account=account, name="Old")

    response = owner_client.post(f"/contacts/groups/{group.pk}/rename/", {"name": "New"}, follow=True)

    group.refresh_from_db()
    assert group.name == "New"
    assert "Group renamed to New." in response.content.decode()


def test_delete_a_group_keeps_its_contacts(owner_client, account):
    group = Group.objects.create(account=account, name="Temp")
    contact = _contact(account, [group], first_name="Dana", phone="+972501111111")

    response = owner_client.post(f"/contacts/groups/{group.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == "/contacts/groups/"
    assert not Group.objects.filter(pk=group.pk).exists()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_merge_two_groups_and_then_a_third(owner_client, account):
    a, b, c = (Group.objects.create(account=account, name=n) for n in ("A", "B", "C"))
    _contact(account, [a, b], first_name="Both", phone="+972501111111")
    _contact(account, [a], first_name="OnlyA", phone="+972502222222")
    _contact(account, [c], first_name="OnlyC", phone="+972503333333")

    owner_client.post("/contacts/groups/merge/", {"source": a.pk, "target": b.pk})
    response = owner_client.post("/contacts/groups/merge/", {"source": c.pk, "target": b.pk}, follow=True)

    assert _members(b) == {"Both", "OnlyA", "OnlyC"}
    assert list(Group.objects.filter(account=account).values_list("name", flat=True)) == ["B"]
    assert "The members of C moved into B." in response.content.decode()


def test_merging_a_group_into_itself_is_refused(owner_client, account):
    a = Group.objects.create(account=account, name="A")

    response = owner_client.post("/contacts/groups/merge/", {"source": a.pk, "target": a.pk}, follow=True)

    assert "Choose two different groups." in response.content.decode()
    assert Group.objects.filter(pk=a.pk).exists()


def test_a_groups_page_lists_its_members_page_by_page(owner_client, account):
    group = Group.objects.create(account=account, name="Many")
    for i in range(60):
        _contact(account, [group], first_name=f"M{i:02}", phone=f"+97250{i:07}")
    _contact(account, first_name="Outsider", phone="+972520000000")

    first = owner_client.get(f"/contacts/groups/{group.pk}/")
    second = owner_client.get(f"/contacts/groups/{group.pk}/", {"page": 2})

    assert first.context["member_count"] == 60
    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 10
    assert "Outsider" not in first.content.decode() + second.content.decode()


def test_remove_chosen_members_from_a_group(owner_client, account):
    group = Group.objects.create(account=account, name="VIP")
    dana = _contact(account, [group], first_name="Dana", phone="+972501111111")
    moshe = _contact(account, [group], first_name="Moshe", phone="+972502222222")
    _contact(account, [group], first_name="Ruth", phone="+972503333333")

    response = owner_client.post(f"/contacts/groups/{group.pk}/remove/", {"contact": [dana.pk, moshe.pk]}, follow=True)

    assert _members(group) == {"Ruth"}
    assert Contact.objects.filter(pk__in=[dana.pk, moshe.pk]).count() == 2
    assert "2 contacts removed from the group." in response.content.decode()


def test_export_a_group_as_csv_and_xlsx(owner_client, account):
    group = Group.objects.create(account=account, name="VIP")
    _contact(account, [group], first_name="Dana", phone="+972501111111")
    _contact(account, first_name="Outsider", phone="+972502222222")

    csv_text = b"".join(owner_client.get(f"/contacts/groups/{group.pk}/export.csv").streaming_content).decode(
        "utf-8-sig"
    )
    xlsx = owner_client.get(f"/contacts/groups/{group.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active

    assert "Dana" in csv_text and "Outsider" not in csv_text
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Dana"]
    assert 'filename="vip.xlsx"' in xlsx["Content-Disposition"]


def test_viewers_see_groups_but_cannot_change_them(account, make_member, client_for):
    group = Group.objects.create(account=account, name="VIP")
    contact = _contact(account, [group], first_name="Dana", phone="+972501111111")
    client = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    assert client.get("/contacts/groups/").status_code == 200
    assert client.get(f"/contacts/groups/{group.pk}/").status_code == 200
    assert client.post("/contacts/groups/", {"name": "New"}).status_code == 403
    assert client.post(f"/contacts/groups/{group.pk}/rename/", {"name": "X"}).status_code == 403
    assert client.post(f"/contacts/groups/{group.pk}/delete/").status_code == 403
    assert client.post(f"/contacts/groups/{group.pk}/remove/", {"contact": [contact.pk]}).status_code == 403
    assert list(Group.objects.filter(account=account).values_list("name", flat=True)) == ["VIP"]
    assert _members(group) == {"Dana"}
