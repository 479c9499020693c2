"""ACC-1: nothing of account A reaches a user of account B, on any screen or in the back office."""

import pytest
from django.contrib.auth.models import Permission

from marketing.accounts.roles import Role

from ..tenancy import TenancyCase, assert_tenant_isolated


@pytest.fixture
def rows_of_a(account, make_department, make_member):
    department = make_department(account, name="Hidden department of A")
    member = make_member(account, role=Role.USER, department=department)
    member.user.username = "alice-of-account-a"
    member.user.save()
    return {"department": department, "member": member}


def test_account_screens_show_and_change_nothing_of_another_account(other_account, client_for, rows_of_a, account):
    case = TenancyCase(
        rows=[rows_of_a["department"], rows_of_a["member"], rows_of_a["member"].user, account],
        secrets=["Hidden department of A", "alice-of-account-a", account.name],
        list_urls=["/", "/account/settings/", "/account/users/", "/account/departments/"],
        object_urls=[
            f"/account/users/{rows_of_a['member'].pk}/",
            f"/account/users/{rows_of_a['member'].pk}/active/",
            f"/account/departments/{rows_of_a['department'].pk}/rename/",
            f"/account/departments/{rows_of_a['department'].pk}/delete/",
        ],
        payload={"name": "taken over", "role": Role.ACCOUNT_MANAGER, "active": "0"},
        not_found=True,
    )

    assert_tenant_isolated(client_for(other_account.owner), case)


def test_switching_to_an_account_you_are_not_in_is_refused(other_account, client_for, account):
    client = client_for(other_account.owner)

    response = client.post("/account/switch/", {"account": account.pk})

    assert response.status_code == 404
    assert account.name not in client.get("/").content.decode()


def test_staff_of_another_account_see_nothing_in_the_back_office(other_account, client_for, rows_of_a, account):
    staff = other_account.owner
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["accounts", "core"]))
    member = rows_of_a["member"]
    case = TenancyCase(
        rows=[rows_of_a["department"], member, member.user, account],
        secrets=["Hidden department of A", "alice-of-account-a", "Account A"],
        list_urls=[
            "/admin/accounts/account/",
            "/admin/accounts/department/",
            "/admin/accounts/membership/",
            "/admin/accounts/user/",
            "/admin/core/auditentry/",
        ],
        object_urls=[
            f"/admin/accounts/department/{rows_of_a['department'].pk}/change/",
            f"/admin/accounts/department/{rows_of_a['department'].pk}/delete/",
            f"/admin/accounts/membership/{member.pk}/change/",
            f"/admin/accounts/user/{member.user.pk}/change/",
            f"/admin/accounts/account/{account.pk}/change/",
        ],
        methods=("get", "post"),
        payload={"name": "taken over", "post": "yes"},
    )

    client = client_for(staff)
    assert_tenant_isolated(client, case)
    own = client.get("/admin/accounts/account/")
    assert own.status_code == 200 and other_account.name in own.content.decode()
