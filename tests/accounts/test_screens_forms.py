"""UX-3 on the account screens: every refused field at once, each next to its field; flashes say what happened."""

import pytest

from marketing.accounts.models import Department, Membership, User
from marketing.accounts.roles import Role

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def test_adding_a_user_with_two_bad_fields_shows_both_errors_next_to_them(account, owner_client):
    response = owner_client.post(
        "/account/users/new/",
        {"username": account.owner.username, "email": "nobody@", "password": "123", "role": Role.USER},
    )

    form = response.context["form"]
    page = response.content.decode()
    assert response.status_code == 200
    assert set(form.errors) == {"username", "email", "password"}
    assert "is taken" in form.errors["username"][0]
    assert page.count('class="invalid-feedback d-block"') >= 3 and "is-invalid" in page
    assert "fields need a fix" in page
    assert not User.objects.filter(email="nobody@").exists()
    assert Membership.objects.filter(account=account).count() == 1


def test_a_fixed_sender_without_a_sender_name_is_told_next_to_that_field(account, owner_client):
    response = owner_client.post(
        "/account/users/new/",
        {"username": "noa", "password": "a-long-pass-phrase-42", "role": Role.FIXED_SENDER},
    )

    assert response.context["form"].errors["fixed_sender_name"] == [
        "A fixed-sender user needs the sender name they will send with."
    ]
    assert not User.objects.filter(username="noa").exists()


def test_saving_settings_unchanged_says_nothing_changed(account, owner_client):
    data = {"name": account.name, "default_region": account.default_region, "time_zone": account.time_zone}
    response = owner_client.post("/account/settings/", {**data, "language": "en"}, follow=True)

    page = response.content.decode()
    assert "Nothing changed in the account settings." in page and "Account settings saved." not in page


def test_saving_settings_with_a_change_says_saved(account, owner_client):
    data = {"name": "New name", "default_region": account.default_region, "time_zone": account.time_zone}
    response = owner_client.post("/account/settings/", {**data, "language": "en"}, follow=True)

    account.refresh_from_db()
    assert "Account settings saved." in response.content.decode() and account.name == "New name"


def test_renaming_a_department_to_its_own_name_says_nothing_changed(account, owner_client):
    department = Department.objects.create(account=account, name="Sales")

    same = owner_client.post(f"/account/departments/{department.pk}/rename/", {"name": " Sales "}, follow=True)
    renamed = owner_client.post(f"/account/departments/{department.pk}/rename/", {"name": "North"}, follow=True)

    assert "The department is already named Sales; nothing changed." in same.content.decode()
    assert "Department renamed to North." in renamed.content.decode()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Sales", "A department named “Sales” already exists."),
        ("x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
        ("  ", "This field is required."),
    ],
)
def test_a_refused_department_name_is_told_next_to_its_field(account, owner_client, name, error):
    Department.objects.create(account=account, name="Sales")
    north = Department.objects.create(account=account, name="North")

    response = owner_client.post(f"/account/departments/{north.pk}/rename/", {"name": name})

    page = response.content.decode()
    row = page[page.index(f'action="/account/departments/{north.pk}/rename/"') :]
    row = row[: row.index("</form>")]
    assert response.status_code == 200
    assert 'class="form-control form-control-sm is-invalid"' in row and 'aria-invalid="true"' in row
    assert f'aria-describedby="department-{north.pk}-name_error"' in row
    assert f'<div class="invalid-feedback d-block" id="department-{north.pk}-name_error"><div>{error}' in row
    assert page.count(error) == 1  # next to the field, not as a flash message too
    north.refresh_from_db()
    assert north.name == "North"
