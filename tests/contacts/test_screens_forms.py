"""UX-3 on the contacts screens (fields, groups, import wizard): every refused field at once, each next to its
field; flashes say what happened. The contact form itself: test_screens_contact_duplicates.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import CustomField, Group, ImportJob

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def test_a_new_field_with_two_bad_values_shows_both_errors_next_to_them(owner_client, account):
    CustomField.objects.create(account=account, api_name="city", label="City", kind="text")

    response = owner_client.post("/contacts/fields/new/", {"label": "city", "api_name": "9lives", "kind": "choice"})

    form = response.context["form"]
    page = response.content.decode()
    assert response.status_code == 200
    assert set(form.errors) == {"label", "api_name", "choices"}
    assert form.errors["label"] == ["A field labelled “city” already exists."]
    assert page.count('class="invalid-feedback d-block"') == 3
    assert CustomField.objects.filter(account=account).count() == 1


def test_saving_a_field_unchanged_says_nothing_changed(owner_client, account):
    field = CustomField.objects.create(account=account, api_name="city", label="City", kind="text")

    response = owner_client.post(f"/contacts/fields/{field.pk}/", {"label": "City"}, follow=True)

    assert "Nothing changed in field City." in response.content.decode()


def test_a_refused_merge_shows_its_error_on_the_groups_page(owner_client, account):
    a = Group.objects.create(account=account, name="A")
    Group.objects.create(account=account, name="B")

    response = owner_client.post("/contacts/groups/merge/", {"source": a.pk, "target": ""})

    form = response.context["merge_form"]
    assert response.status_code == 200 and "target" in form.errors
    assert 'id="group-merge"' in response.content.decode() and "is-invalid" in response.content.decode()
    assert Group.objects.filter(pk=a.pk).exists()


def test_a_refused_rename_shows_the_error_next_to_the_name(owner_client, account):
    group = Group.objects.create(account=account, name="Old")
    Group.objects.create(account=account, name="Taken")

    response = owner_client.post(f"/contacts/groups/{group.pk}/rename/", {"name": "Taken"})

    page = response.content.decode()
    group.refresh_from_db()
    assert response.status_code == 200 and group.name == "Old"
    assert response.context["rename_form"].errors["name"] == ["A group named “Taken” already exists."]
    assert 'value="Taken"' in page and "is-invalid" in page


def test_renaming_a_group_to_its_own_name_says_nothing_changed(owner_client, account):
    group = Group.objects.create(account=account, name="Old")

    response = owner_client.post(f"/contacts/groups/{group.pk}/rename/", {"name": "Old"}, follow=True)

    assert "The group is already named Old; nothing changed." in response.content.decode()


def test_an_unreadable_upload_is_refused_next_to_the_file_field(owner_client, account):
    upload = SimpleUploadedFile("contacts.pdf", b"%PDF-1.4 not a table", content_type="application/pdf")

    response = owner_client.post("/contacts/import/", {"source": "file", "file": upload, "consent": "on"})

    form = response.context["form"]
    assert response.status_code == 200 and list(form.errors) == ["file"]
    assert not ImportJob.objects.filter(account=account).exists()


def test_the_load_step_shows_every_missing_answer_at_once(owner_client, account):
    response = owner_client.post("/contacts/import/", {"source": "paste", "pasted": ""})

    assert set(response.context["form"].errors) == {"pasted", "consent"}


def test_a_refused_group_name_keeps_what_was_typed_and_says_why_next_to_it(owner_client, account):
    Group.objects.create(account=account, name="VIP")
    job = ImportJob.objects.create(account=account, filename="x.csv", consent=True, mapping=["phone"])

    response = owner_client.post(f"/contacts/import/{job.pk}/group/", {"group_choice": "new", "name": "VIP"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="VIP"' in page and "is-invalid" in page and "A group named “VIP” already exists." in page
    job.refresh_from_db()
    assert job.group is None
