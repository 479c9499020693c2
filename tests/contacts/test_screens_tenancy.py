"""ACC-1 on the contacts screens: account B never sees, changes or exports anything of account A."""

import io

import pytest
from openpyxl import load_workbook

from contacts.models import Contact, CustomField, Group, GroupMembership, Suppression
from contacts.services import suppressions_add

from ..factories import AccountFactory
from ..tenancy import TenancyCase, assert_tenant_isolated


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def rows_of_a(account):
    field = CustomField.objects.create(account=account, api_name="secret_a", label="Hidden field of A", kind="text")
    group = Group.objects.create(account=account, name="Hidden group of A")
    contact = Contact.objects.create(
        account=account,
        first_name="Alice-of-A",
        last_name="Hidden",
        phone="+972501111111",
        email="alice@account-a.example",
        custom={"secret_a": "hidden value of A"},
    )
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    suppressions_add(account=account, points=["blocked@account-a.example"], reason="reason of A", source="manual")
    return {
        "field": field,
        "group": group,
        "contact": contact,
        "suppression": Suppression.objects.get(account=account),
    }


SECRETS = [
    "Alice-of-A",
    "alice@account-a.example",
    "+972501111111",
    "Hidden group of A",
    "Hidden field of A",
    "hidden value of A",
    "secret_a",
    "blocked@account-a.example",
    "reason of A",
]


def test_contacts_screens_show_and_change_nothing_of_another_account(other_account, client_for, rows_of_a):
    own_group = Group.objects.create(account=other_account, name="B's group")
    Contact.objects.create(account=other_account, first_name="Bob", phone="+972502222222")
    contact, group, field = rows_of_a["contact"], rows_of_a["group"], rows_of_a["field"]
    suppression = rows_of_a["suppression"]
    case = TenancyCase(
        rows=[contact, group, field, suppression, *GroupMembership.objects.filter(group=group)],
        secrets=SECRETS,
        list_urls=[
            "/contacts/",
            "/contacts/?q=Alice",
            "/contacts/?q=0501111111",
            f"/contacts/?group={group.pk}",
            "/contacts/export.csv",
            "/contacts/export.csv?q=alice",
            "/contacts/new/",
            "/contacts/groups/",
            "/contacts/fields/",
            "/contacts/unsubscribes/",
            "/contacts/unsubscribes/?q=blocked",
            "/contacts/unsubscribes/removes.csv",
        ],
        object_urls=[
            f"/contacts/{contact.pk}/",
            f"/contacts/{contact.pk}/delete/",
            f"/contacts/groups/{group.pk}/",
            f"/contacts/groups/{group.pk}/rename/",
            f"/contacts/groups/{group.pk}/delete/",
            f"/contacts/groups/{group.pk}/remove/",
            f"/contacts/groups/{group.pk}/export.csv",
            f"/contacts/groups/{group.pk}/export.xlsx",
            f"/contacts/fields/{field.pk}/",
            f"/contacts/fields/{field.pk}/delete/",
            f"/contacts/unsubscribes/{suppression.pk}/resubscribe/",
        ],
        payload={
            "name": "taken over",
            "label": "taken over",
            "first_name": "taken over",
            "phone": "0509999999",
            "contact": [contact.pk],
            "reason": "taken over",
            "source": group.pk,
            "target": own_group.pk,
        },
        not_found=True,
    )

    assert_tenant_isolated(client_for(other_account.owner), case)


def test_shared_action_urls_refuse_another_accounts_rows(other_account, client_for, rows_of_a):
    client = client_for(other_account.owner)
    own_group = Group.objects.create(account=other_account, name="B's group")
    group, contact = rows_of_a["group"], rows_of_a["contact"]

    client.post("/contacts/groups/merge/", {"source": group.pk, "target": own_group.pk})
    client.post("/contacts/groups/merge/", {"source": own_group.pk, "target": group.pk})
    client.post("/contacts/new/", {"phone": "+972501111111", "first_name": "Taken", "groups": [group.pk]})
    client.post("/contacts/unsubscribes/import/", {"points": "alice@account-a.example", "reason": "B"})

    assert Group.objects.filter(pk=group.pk).exists() and Group.objects.filter(pk=own_group.pk).exists()
    assert list(GroupMembership.objects.filter(group=group).values_list("contact_id", flat=True)) == [contact.pk]
    contact.refresh_from_db()
    assert contact.first_name == "Alice-of-A"
    assert not Suppression.objects.filter(account=rows_of_a["contact"].account, point="alice@account-a.example")


def test_searching_for_another_accounts_values_finds_nothing(other_account, client_for, rows_of_a):
    """The screens echo what was typed; what matters is that no row of A comes back."""
    client = client_for(other_account.owner)

    by_field = client.get("/contacts/", {"field": "custom:secret_a", "value": "hidden value of A"})
    history = client.get("/contacts/unsubscribes/history/", {"point": "blocked@account-a.example"})
    exported = b"".join(client.get("/contacts/export.csv", {"q": "Alice"}).streaming_content).decode("utf-8-sig")

    assert by_field.context["rows"] == [] and "Alice-of-A" not in by_field.content.decode()
    assert list(history.context["events"]) == [] and list(history.context["current"]) == []
    assert "reason of A" not in history.content.decode()
    assert exported.splitlines()[1:] == []


def test_xlsx_exports_never_include_another_account(other_account, client_for, rows_of_a):
    Contact.objects.create(account=other_account, first_name="Bob", phone="+972502222222")
    client = client_for(other_account.owner)

    def cells(url: str) -> str:
        workbook = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content)))
        return " ".join(str(v) for row in workbook.active.iter_rows(values_only=True) for v in row if v is not None)

    contacts, removes = cells("/contacts/export.xlsx"), cells("/contacts/unsubscribes/removes.xlsx")

    assert "Bob" in contacts
    assert not [s for s in SECRETS if s in contacts or s in removes]
