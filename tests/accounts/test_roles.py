"""ACC-3: each role is allowed, and refused, the right things."""

import pytest

from marketing.accounts import services
from marketing.accounts.models import Membership
from marketing.accounts.roles import Perm, Role, has_perm
from marketing.core.errors import ApplicationError, PermissionDenied

ALL = set(Perm.values)
WORK = {
    Perm.CONTACTS_VIEW,
    Perm.CONTACTS_EDIT,
    Perm.MESSAGES_COMPOSE,
    Perm.MESSAGES_SEND,
    Perm.MESSAGES_CHOOSE_SENDER,
    Perm.AUTOMATIONS_MANAGE,
    Perm.REPORTS_VIEW,
}
EXPECTED = {
    Role.ACCOUNT_MANAGER: ALL,
    Role.DEPARTMENT_MANAGER: WORK | {Perm.USERS_MANAGE},
    Role.USER: WORK,
    Role.REPORTS_ONLY: {Perm.REPORTS_VIEW},
    Role.SAVED_MESSAGES_ONLY: {Perm.MESSAGES_SEND, Perm.CONTACTS_VIEW},
    Role.FIXED_SENDER: WORK - {Perm.MESSAGES_CHOOSE_SENDER},
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_grants_exactly_its_permissions(account, make_member, make_department, role):
    member = make_member(account, role=role, department=make_department(account))

    granted = {perm for perm in Perm.values if has_perm(member, perm)}

    assert granted == EXPECTED[role]


def test_a_suspended_member_or_inactive_account_grants_nothing(account, make_member):
    member = make_member(account, role=Role.ACCOUNT_MANAGER)
    member.is_active = False
    assert not any(has_perm(member, p) for p in Perm.values)
    member.is_active = True
    account.is_active = False
    assert not any(has_perm(member, p) for p in Perm.values)


SCREENS = {
    "/": set(Role.values),
    "/account/settings/": {Role.ACCOUNT_MANAGER},
    "/account/departments/": {Role.ACCOUNT_MANAGER},
    "/account/users/": {Role.ACCOUNT_MANAGER, Role.DEPARTMENT_MANAGER},
    "/account/users/new/": {Role.ACCOUNT_MANAGER, Role.DEPARTMENT_MANAGER},
}


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("url", SCREENS)
def test_screens_open_only_for_roles_that_may_use_them(account, make_member, make_department, client_for, role, url):
    member = make_member(account, role=role, department=make_department(account))

    response = client_for(member.user).get(url)

    assert response.status_code == (200 if role in SCREENS[url] else 403)


def test_menu_shows_only_what_the_role_may_open(account, make_member, client_for):
    reports = make_member(account, role=Role.REPORTS_ONLY)

    page = client_for(reports.user).get("/").content.decode()

    assert "/account/users/" not in page and "/account/settings/" not in page


@pytest.fixture
def sales(account, make_department):
    return make_department(account, name="Sales")


@pytest.fixture
def support(account, make_department):
    return make_department(account, name="Support")


@pytest.fixture
def sales_manager(account, make_member, sales):
    return make_member(account, role=Role.DEPARTMENT_MANAGER, department=sales)


def test_department_manager_adds_users_to_own_department(account, sales_manager, sales, client_for):
    response = client_for(sales_manager.user).post(
        "/account/users/new/",
        {"username": "new-seller", "password": "a-long-enough-passphrase", "role": Role.USER, "department": sales.pk},
    )

    assert response.status_code == 302
    added = Membership.objects.get(account=account, user__username="new-seller")
    assert (added.role, added.department) == (Role.USER, sales)


def test_department_manager_cannot_add_to_another_department(account, sales_manager, support):
    with pytest.raises(PermissionDenied):
        services.user_add(
            account=account,
            actor=sales_manager,
            username="sneaky",
            password="a-long-enough-passphrase",
            role=Role.USER,
            department=support,
        )


def test_department_manager_cannot_create_an_account_manager(account, sales_manager, sales, client_for):
    response = client_for(sales_manager.user).post(
        "/account/users/new/",
        {
            "username": "boss",
            "password": "a-long-enough-passphrase",
            "role": Role.ACCOUNT_MANAGER,
            "department": sales.pk,
        },
    )

    assert response.status_code == 200  # the form comes back with the error
    assert not Membership.objects.filter(user__username="boss").exists()


def test_department_manager_sees_and_edits_only_own_department(
    account, sales_manager, sales, support, make_member, client_for
):
    colleague = make_member(account, role=Role.USER, department=sales)
    outsider = make_member(account, role=Role.USER, department=support)
    client = client_for(sales_manager.user)

    listing = client.get("/account/users/").content.decode()

    assert colleague.user.username in listing
    assert outsider.user.username not in listing
    assert account.owner.username not in listing
    assert client.get(f"/account/users/{outsider.pk}/").status_code == 404
    assert client.post(f"/account/users/{outsider.pk}/active/", {"active": "0"}).status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


def test_account_manager_suspends_a_user_who_then_loses_access(account, owner_client, make_member, client_for):
    member = make_member(account, role=Role.USER)

    owner_client.post(f"/account/users/{member.pk}/active/", {"active": "0"})

    member.refresh_from_db()
    assert not member.is_active
    response = client_for(member.user).get("/")
    assert response.status_code == 403
    assert "No account yet" in response.content.decode() or "אין" in response.content.decode()


def test_the_last_account_manager_cannot_demote_or_suspend_themselves(account):
    owner = account.owner.memberships.get(account=account)

    with pytest.raises(ApplicationError):
        services.membership_update(account=account, actor=owner, membership=owner, role=Role.USER, department=None)
    with pytest.raises(ApplicationError):
        services.membership_set_active(account=account, actor=owner, membership=owner, active=False)


def test_fixed_sender_needs_the_sender_name(account):
    owner = account.owner.memberships.get(account=account)

    with pytest.raises(ApplicationError, match="sender name"):
        services.user_add(
            account=account, actor=owner, username="fs", password="a-long-enough-passphrase", role=Role.FIXED_SENDER
        )
    member = services.user_add(
        account=account,
        actor=owner,
        username="fs",
        password="a-long-enough-passphrase",
        role=Role.FIXED_SENDER,
        fixed_sender_name="MyShop",
    )
    assert member.fixed_sender_name == "MyShop"
    assert not has_perm(member, Perm.MESSAGES_CHOOSE_SENDER)
    assert has_perm(member, Perm.MESSAGES_SEND)


@pytest.mark.parametrize("role", [Role.USER, Role.REPORTS_ONLY, Role.SAVED_MESSAGES_ONLY, Role.FIXED_SENDER])
def test_roles_without_user_management_cannot_add_users(account, make_member, role):
    member = make_member(account, role=role)

    with pytest.raises(PermissionDenied):
        services.user_add(account=account, actor=member, username="x", password="a-long-enough-passphrase")
