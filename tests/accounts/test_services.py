import pytest

from marketing.accounts import services
from marketing.accounts.models import Department, Membership
from marketing.accounts.roles import Role
from marketing.core.errors import ApplicationError
from marketing.core.models import AuditEntry

from ..factories import UserFactory


@pytest.fixture
def owner(account):
    return account.owner.memberships.get(account=account)


def test_account_create_makes_the_owner_account_manager_and_audits(db):
    user = UserFactory()

    account = services.account_create(name="Pizza Place", slug="pizza", owner=user, default_region="il")

    assert account.default_region == "IL"
    assert Membership.objects.get(account=account, user=user).role == Role.ACCOUNT_MANAGER
    assert AuditEntry.objects.filter(account=account, action="account.create").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("default_region", "XX", "country code"), ("time_zone", "Mars/Base", "time zone"), ("language", "fr", "Hebrew")],
)
def test_account_settings_refuse_unknown_values(account, owner, field, value, message):
    values = {"name": "A", "default_region": "IL", "time_zone": "Asia/Jerusalem", "language": "he", field: value}

    with pytest.raises(ApplicationError, match=message):
        services.account_settings_update(account=account, actor=owner, **values)


def test_account_settings_screen_saves_and_audits(account, owner_client):
    response = owner_client.post(
        "/account/settings/",
        {"name": "Renamed Ltd", "default_region": "GB", "time_zone": "Europe/London", "language": "en"},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.default_region, account.time_zone, account.language) == (
        "Renamed Ltd",
        "GB",
        "Europe/London",
        "en",
    )
    entry = AuditEntry.objects.get(account=account, action="account.settings")
    assert entry.data["before"]["name"] == "Account A"


def test_user_add_normalizes_contact_points_with_the_account_region(account, owner):
    member = services.user_add(
        account=account,
        actor=owner,
        username="dana",
        password="a-long-enough-passphrase",
        email="  Dana@Example.COM ",
        phone="050-1234567",
    )

    assert (member.user.email, member.user.phone) == ("dana@example.com", "+972501234567")
    assert member.user.check_password("a-long-enough-passphrase")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "12"}, "short"),
        ({"email": "not-an-email"}, "not a valid email"),
        ({"password": "123"}, "short"),
        ({"username": "  "}, "username"),
    ],
)
def test_user_add_refuses_bad_input_with_a_reason(account, owner, changes, message):
    values = {"username": "dana", "password": "a-long-enough-passphrase", **changes}

    with pytest.raises(ApplicationError, match=message):
        services.user_add(account=account, actor=owner, **values)
    assert not Membership.objects.filter(account=account, user__username="dana").exists()


def test_user_add_refuses_a_taken_username(account, owner):
    services.user_add(account=account, actor=owner, username="dana", password="a-long-enough-passphrase")

    with pytest.raises(ApplicationError, match="taken"):
        services.user_add(account=account, actor=owner, username="DANA", password="a-long-enough-passphrase")


def test_departments_create_rename_delete_keep_users(account, owner, make_member):
    sales = services.department_create(account=account, actor=owner, name=" Sales ")
    member = make_member(account, department=sales)

    with pytest.raises(ApplicationError, match="already exists"):
        services.department_create(account=account, actor=owner, name="Sales")
    services.department_rename(account=account, actor=owner, department=sales, name="Field sales")
    moved = services.department_delete(account=account, actor=owner, department=sales)

    assert moved == 1
    member.refresh_from_db()
    assert member.is_active and member.department is None
    assert not Department.objects.filter(account=account).exists()
    actions = list(AuditEntry.objects.filter(account=account).values_list("action", flat=True))
    assert {"department.create", "department.rename", "department.delete"} <= set(actions)


def test_department_screen_creates_and_lists(account, owner_client):
    owner_client.post("/account/departments/", {"name": "מכירות"})

    assert "מכירות" in owner_client.get("/account/departments/").content.decode()
