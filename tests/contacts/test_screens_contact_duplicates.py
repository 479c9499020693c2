"""CON-5: a phone, email or reference another contact already has is said before saving, never merged silently."""

import pytest

from contacts.models import Contact, GroupMembership
from marketing.accounts.roles import Role

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def dana(account):
    return Contact.objects.create(
        account=account, first_name="Dana", last_name="Cohen", phone="+972501234567", email="dana@example.com"
    )


def _page(response) -> str:
    return response.content.decode()


# --- adding ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["050-1234567", "0501234567", "+972 50 123 4567", "972501234567"])
def test_adding_a_phone_another_contact_has_names_that_contact_and_saves_nothing(owner_client, account, dana, typed):
    response = owner_client.post("/contacts/new/", {"first_name": "Dina", "phone": typed})

    page = _page(response)
    dana.refresh_from_db()
    assert response.status_code == 200
    assert "belongs to Dana Cohen" in page and f'href="/contacts/{dana.pk}/"' in page
    assert 'name="confirm" value="phone:+972501234567"' in page
    assert Contact.objects.filter(account=account).count() == 1
    assert (dana.first_name, dana.last_name) == ("Dana", "Cohen")


def test_an_email_is_compared_as_stored(owner_client, account, dana):
    response = owner_client.post("/contacts/new/", {"email": " Dana@Example.COM "})

    assert 'The email <bdi dir="ltr">dana@example.com</bdi> belongs to Dana Cohen.' in _page(response)
    assert Contact.objects.filter(account=account).count() == 1


def test_save_anyway_adds_a_second_contact_and_leaves_the_first_as_it_was(owner_client, account, dana):
    response = owner_client.post(
        "/contacts/new/",
        {"first_name": "Noa", "last_name": "Cohen", "phone": "050-1234567", "confirm": "phone:+972501234567"},
    )

    added = Contact.objects.get(account=account, first_name="Noa")
    dana.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/contacts/{added.pk}/"
    assert added.phone == dana.phone == "+972501234567"
    assert (dana.first_name, dana.last_name, dana.email) == ("Dana", "Cohen", "dana@example.com")
    follow = owner_client.get(response["Location"])
    assert "Contact added." in _page(follow)


def test_confirming_the_phone_does_not_confirm_an_email_another_contact_has(owner_client, account, dana):
    ruth = Contact.objects.create(account=account, first_name="Ruth", email="ruth@example.org")

    response = owner_client.post(
        "/contacts/new/",
        {"phone": "0501234567", "email": "ruth@example.org", "confirm": "phone:+972501234567"},
    )

    page = _page(response)
    assert response.status_code == 200 and "belongs to Ruth" in page and "belongs to Dana Cohen" in page
    assert 'value="phone:+972501234567 email:ruth@example.org"' in page  # the warning's button confirms both
    assert Contact.objects.filter(account=account).count() == 2
    ruth.refresh_from_db()
    assert ruth.phone == ""


def test_a_reference_another_contact_has_is_an_error_that_cannot_be_saved_anyway(owner_client, account, dana):
    dana.external_ref = "crm-1"
    dana.save()

    response = owner_client.post(
        "/contacts/new/", {"first_name": "Noa", "phone": "0529876543", "external_ref": "crm-1", "confirm": "x"}
    )

    page = _page(response)
    assert response.status_code == 200
    assert "The reference “crm-1” belongs to Dana Cohen" in response.context["form"].errors["external_ref"][0]
    assert "The reference “crm-1” belongs to Dana Cohen" in page and "is-invalid" in page
    dana.refresh_from_db()
    assert Contact.objects.filter(account=account).count() == 1 and dana.first_name == "Dana"


def test_a_phone_of_another_account_is_no_duplicate(owner_client, account):
    other = AccountFactory(name="Account B", slug="account-b")
    Contact.objects.create(account=other, first_name="Stranger", phone="+972501234567")

    response = owner_client.post("/contacts/new/", {"first_name": "Dana", "phone": "050-1234567"})

    assert response.status_code == 302
    assert Contact.objects.filter(account=account, first_name="Dana").exists()
    assert Contact.objects.get(account=other).first_name == "Stranger"


# --- editing ---------------------------------------------------------------------------------------------


def test_editing_to_another_contacts_email_warns_naming_it_and_saves_nothing(owner_client, account, dana):
    ruth = Contact.objects.create(account=account, first_name="Ruth", email="ruth@example.org")

    response = owner_client.post(f"/contacts/{ruth.pk}/", {"first_name": "Ruth", "email": "DANA@example.com"})

    ruth.refresh_from_db()
    assert response.status_code == 200 and "belongs to Dana Cohen" in _page(response)
    assert ruth.email == "ruth@example.org"


def test_editing_to_another_contacts_phone_and_saving_anyway_keeps_both_contacts(owner_client, account, dana):
    ruth = Contact.objects.create(account=account, first_name="Ruth", email="ruth@example.org")

    response = owner_client.post(
        f"/contacts/{ruth.pk}/",
        {"first_name": "Ruth", "email": "ruth@example.org", "phone": "050-1234567", "confirm": "phone:+972501234567"},
        follow=True,
    )

    ruth.refresh_from_db()
    dana.refresh_from_db()
    assert "Contact updated." in _page(response)
    assert ruth.phone == dana.phone == "+972501234567"
    assert (dana.first_name, dana.email) == ("Dana", "dana@example.com")
    assert Contact.objects.filter(account=account).count() == 2


def test_a_point_the_contact_already_had_is_not_asked_about_again(owner_client, account, dana):
    twin = Contact.objects.create(account=account, first_name="Twin", phone="+972501234567")

    response = owner_client.post(f"/contacts/{twin.pk}/", {"first_name": "Twin B", "phone": "+972501234567"})

    twin.refresh_from_db()
    assert response.status_code == 302 and twin.first_name == "Twin B"


def test_saving_unchanged_says_nothing_changed(owner_client, account, dana):
    response = owner_client.post(
        f"/contacts/{dana.pk}/",
        {"first_name": "Dana", "last_name": "Cohen", "phone": "+972501234567", "email": "dana@example.com"},
        follow=True,
    )

    assert "Nothing changed." in _page(response) and "Contact updated." not in _page(response)


# --- the live check --------------------------------------------------------------------------------------


def test_the_live_check_names_the_contact_with_the_typed_phone(owner_client, account, dana):
    response = owner_client.get("/contacts/check/", {"field": "phone", "phone": "050-1234567"})

    page = _page(response)
    assert response.status_code == 200
    assert 'The phone <bdi dir="ltr">+972501234567</bdi> belongs to Dana Cohen.' in page
    assert f'href="/contacts/{dana.pk}/"' in page and "Open Dana Cohen" in page
    assert 'form="contact-form" name="confirm" value="phone:+972501234567"' in page


def test_the_live_check_counts_the_other_holders(owner_client, account, dana):
    Contact.objects.create(account=account, first_name="Twin", phone="+972501234567")

    response = owner_client.get("/contacts/check/", {"field": "phone", "phone": "0501234567"})

    assert "belongs to Dana Cohen and 1 other contact." in _page(response)


@pytest.mark.parametrize(
    "query",
    [
        {"field": "phone", "phone": "0529999999"},
        {"field": "phone", "phone": "050-12"},
        {"field": "phone", "phone": "x" * 5000},
        {"field": "email", "email": "not an email"},
        {"field": "first_name", "first_name": "Dana"},
        {},
    ],
)
def test_the_live_check_answers_nothing_for_a_point_nobody_has(owner_client, account, dana, query):
    response = owner_client.get("/contacts/check/", query)

    assert response.status_code == 200 and _page(response).strip() == ""


def test_the_live_check_on_an_edit_leaves_out_the_contact_itself(owner_client, account, dana):
    response = owner_client.get("/contacts/check/", {"field": "email", "email": "dana@example.com", "contact": dana.pk})

    assert _page(response).strip() == ""


def test_the_edit_page_wires_the_live_check_to_phone_and_email(owner_client, account, dana):
    page = _page(owner_client.get(f"/contacts/{dana.pk}/"))

    assert 'hx-get="/contacts/check/"' in page
    assert f'hx-vals="{{&quot;field&quot;: &quot;phone&quot;, &quot;contact&quot;: {dana.pk}}}"' in page
    assert 'id="phone-holders"' in page and 'id="email-holders"' in page


def test_the_live_check_never_shows_another_accounts_contacts(account, client_for, make_member):
    other = AccountFactory(name="Account B", slug="account-b")
    theirs = Contact.objects.create(account=other, first_name="Stranger", phone="+972501234567")
    client = client_for(account.owner)

    found = client.get("/contacts/check/", {"field": "phone", "phone": "0501234567"})
    excluded = client.get("/contacts/check/", {"field": "phone", "phone": "0501234567", "contact": theirs.pk})
    hostile = client.get("/contacts/check/", {"field": "phone", "phone": "0501234567", "contact": "1 OR 1=1"})

    assert found.status_code == 200 and "Stranger" not in _page(found)
    assert excluded.status_code == 404
    assert hostile.status_code == 400


def test_the_live_check_needs_the_right_to_edit_contacts(account, dana, client_for, make_member):
    viewer = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    response = viewer.get("/contacts/check/", {"field": "phone", "phone": "0501234567"})

    assert response.status_code == 403


def test_the_warning_reads_in_hebrew_with_the_phone_left_to_right(client_for, db):
    hebrew = AccountFactory(name="חשבון", slug="hebrew", language="he")
    Contact.objects.create(account=hebrew, first_name="דנה", last_name="כהן", phone="+972501234567")

    response = client_for(hebrew.owner).post("/contacts/new/", {"phone": "050-1234567"})

    page = _page(response)
    assert 'הטלפון <bdi dir="ltr">+972501234567</bdi> שייך לאיש הקשר דנה כהן.' in page
    assert "שמירה בכל זאת" in page and "Save anyway" not in page


# --- every error at once, next to its field ---------------------------------------------------------------


def test_every_refused_value_is_shown_next_to_its_field_at_once(owner_client, account):
    response = owner_client.post(
        "/contacts/new/", {"first_name": "Dana", "phone": "050-12", "email": "dana@", "external_ref": "r" * 101}
    )

    page = _page(response)
    form = response.context["form"]
    assert response.status_code == 200
    assert form.errors["phone"] == ["The phone number is too short."]
    assert "email" in form.errors and "external_ref" in form.errors
    assert page.count('class="invalid-feedback d-block"') >= 3
    assert 'class="form-control is-invalid"' in page
    assert "3 fields need a fix: see the messages next to them." in page
    assert not Contact.objects.filter(account=account).exists()
    assert not GroupMembership.objects.exists()
