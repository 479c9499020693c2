"""UX-3 against hostile input on the contacts screens: numbers no contact can hold, NUL characters and bodies
over the size limit end as a message on the screen, never as a server error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts import services
from contacts.models import Contact, CustomField, Group, GroupMembership, ImportJob, Suppression

from ..factories import AccountFactory

NUL_ERROR = "Null characters are not allowed."


@pytest.fixture
def account(db):
    """These screens are checked in English."""
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def shoe(account) -> CustomField:
    CustomField.objects.create(account=account, api_name="shoe", label="Shoe size", kind=CustomField.Kind.NUMBER)
    Contact.objects.create(account=account, first_name="Dana", phone="+972501234567", custom={"shoe": 38})
    return CustomField.objects.get(account=account, api_name="shoe")


@pytest.fixture
def group(account) -> Group:
    return services.group_create(account=account, actor=None, name="Leads")


def _listed(response) -> set[str]:
    return {contact.first_name for contact, _groups in response.context["rows"]}


# --- numbers no contact can hold ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e999999", "1e2000000", "NaN", "inf", "-inf", "1e15"])
def test_a_number_filter_no_contact_can_hold_is_a_form_error(owner_client, shoe, value):
    response = owner_client.get("/contacts/", {"field": "custom:shoe", "value": value})

    assert response.status_code == 200
    assert f"“{value}” is not a number (field Shoe size)." in response.content.decode()
    assert response.context["form"].errors["value"]


def test_a_storable_number_still_filters(owner_client, shoe, account):
    Contact.objects.create(account=account, first_name="Moshe", phone="+972529876543", custom={"shoe": 44})

    response = owner_client.get("/contacts/", {"field": "custom:shoe", "value": "38"})

    assert response.status_code == 200 and _listed(response) == {"Dana"}


def test_the_export_with_a_number_filter_no_contact_can_hold_is_not_an_error(owner_client, shoe):
    response = owner_client.get("/contacts/export.csv", {"field": "custom:shoe", "value": "1e999999"})

    assert response.status_code == 200


@pytest.mark.parametrize("value", ["1e999999", "1e2000000"])
def test_a_contact_saved_with_a_number_no_field_can_hold_is_refused_with_the_reason(owner_client, shoe, account, value):
    form = {"first_name": "Avi", "phone": "052-7654321", "cf_shoe": value}

    response = owner_client.post("/contacts/new/", form)

    assert response.status_code == 200
    assert "is not a number (field Shoe size)." in response.content.decode()
    assert not Contact.objects.filter(account=account, first_name="Avi").exists()


# --- NUL characters -----------------------------------------------------------------------------------


def test_a_nul_in_the_contact_search_is_a_form_error(owner_client, shoe):
    response = owner_client.get("/contacts/", {"q": "Da\x00na"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()


def test_a_nul_in_the_group_member_search_is_a_form_error(owner_client, group):
    response = owner_client.get(f"/contacts/groups/{group.pk}/", {"q": "Da\x00na"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()


def test_a_nul_in_a_group_rename_is_refused_and_the_name_stays(owner_client, group):
    response = owner_client.post(f"/contacts/groups/{group.pk}/rename/", {"name": "Lea\x00ds"}, follow=True)

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()
    group.refresh_from_db()
    assert group.name == "Leads"


def test_a_group_rename_longer_than_a_name_can_be_is_refused(owner_client, group):
    response = owner_client.post(f"/contacts/groups/{group.pk}/rename/", {"name": "x" * 201}, follow=True)

    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    group.refresh_from_db()
    assert group.name == "Leads"


def test_a_nul_in_a_new_group_name_is_a_form_error(owner_client, account):
    response = owner_client.post("/contacts/groups/", {"name": "Lea\x00ds"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()
    assert not Group.objects.filter(account=account).exists()


def test_a_nul_in_the_unsubscribe_history_search_is_a_form_error(owner_client, account):
    response = owner_client.get("/contacts/unsubscribes/history/", {"point": "050\x001234567"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()


def test_a_nul_in_the_unsubscribe_search_is_a_form_error(owner_client, account):
    response = owner_client.get("/contacts/unsubscribes/", {"q": "050\x001234567"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()


def test_a_nul_in_pasted_unsubscribes_is_a_form_error(owner_client, account):
    response = owner_client.post(
        "/contacts/unsubscribes/import/", {"points": "0501234567\n052\x007654321", "reason": "asked"}
    )

    assert response.status_code == 400
    assert NUL_ERROR in response.content.decode()
    assert not Suppression.objects.filter(account=account).exists()


def test_a_nul_in_a_field_label_is_a_form_error(owner_client, account):
    response = owner_client.post("/contacts/fields/new/", {"label": "Sh\x00oe", "api_name": "", "kind": "text"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()
    assert not CustomField.objects.filter(account=account).exists()


def test_a_nul_in_a_contact_name_is_a_form_error(owner_client, account):
    response = owner_client.post("/contacts/new/", {"first_name": "Da\x00na", "phone": "0501234567"})

    assert response.status_code == 200
    assert NUL_ERROR in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()


@pytest.fixture
def mapped_import(owner_client, account) -> ImportJob:
    """An import of the wizard at its group step."""
    upload = SimpleUploadedFile("contacts.csv", b"phone\n0501234567\n")
    owner_client.post("/contacts/import/", {"source": "file", "file": upload, "consent": "on"})
    job = ImportJob.objects.get(account=account)
    owner_client.post(f"/contacts/import/{job.pk}/mapping/", {"column_0": "phone", "add_new": "on"})
    return job


@pytest.mark.parametrize(("name", "error"), [("Lea\x00ds", NUL_ERROR), ("x" * 201, "at most 200 characters")])
def test_a_new_group_name_the_import_wizard_cannot_store_is_a_form_error(
    owner_client, account, mapped_import, name, error
):
    response = owner_client.post(f"/contacts/import/{mapped_import.pk}/group/", {"group_choice": "new", "name": name})

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Group.objects.filter(account=account).exists()


def test_a_member_id_that_is_no_number_removes_no_one(owner_client, account, group):
    contact = Contact.objects.create(account=account, first_name="Dana", phone="+972501234567")
    GroupMembership.objects.create(account=account, group=group, contact=contact)

    response = owner_client.post(
        f"/contacts/groups/{group.pk}/remove/", {"contact": ["²", "99999999999999999999"]}, follow=True
    )

    assert response.status_code == 200
    assert "Choose the contacts to remove from the group." in response.content.decode()
    assert group.memberships.count() == 1


# --- bodies over the limit ----------------------------------------------------------------------------


def test_a_screen_form_over_the_body_limit_is_a_413_page_naming_the_limit(owner_client, account, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = owner_client.post("/contacts/groups/", {"name": "x" * 2000})

    assert response.status_code == 413 and response["Content-Type"].startswith("text/html")
    assert "The request body is larger than 1.0 KB." in response.content.decode()
    assert not Group.objects.filter(account=account).exists()
