"""CON-3: custom fields — typed, labelled in any language, an API name that is checked once and never changes."""

import pytest

from contacts import fields
from contacts.models import Contact, CustomField
from contacts.services import contacts_upsert
from marketing.accounts.roles import Role
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.models import AuditEntry

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _create(account, **kwargs) -> CustomField:
    values = {"label": "Shoe size", "api_name": "shoe_size", "kind": "number", "choices": ()} | kwargs
    return fields.custom_field_create(account=account, actor=account.owner, **values)


# --- services --------------------------------------------------------------------------------------------


def test_create_a_field_with_a_hebrew_label(account):
    field = _create(account, label="מידת נעליים")

    assert (field.label, field.api_name, field.kind) == ("מידת נעליים", "shoe_size", "number")
    assert AuditEntry.objects.filter(account=account, action="custom_field.create", target_id=str(field.pk)).exists()


@pytest.mark.parametrize("api_name", ["1st", "shoe size", "מידה", "_x", "a" * 65, ""])
def test_an_api_name_must_be_latin_letters_digits_and_underscores(account, api_name):
    with pytest.raises(ApplicationError, match="cannot be an API name"):
        _create(account, api_name=api_name)


@pytest.mark.parametrize("api_name", ["email", "Phone", "Text1", "number4", "id"])
def test_built_in_and_legacy_names_are_reserved(account, api_name):
    with pytest.raises(ApplicationError, match="reserved"):
        _create(account, api_name=api_name)


def test_a_duplicate_api_name_is_refused_whatever_its_case(account, other_account):
    _create(account)
    _create(other_account)  # another account may use the same name

    with pytest.raises(ApplicationError, match="already used"):
        _create(account, label="Other", api_name="Shoe_Size")


def test_a_duplicate_label_is_refused(account):
    _create(account)

    with pytest.raises(ApplicationError, match="already exists"):
        _create(account, api_name="shoe2")


def test_a_choice_field_needs_choices_kept_once_in_order(account):
    with pytest.raises(ApplicationError, match="at least one choice"):
        _create(account, label="Tier", api_name="tier", kind="choice", choices=[" ", ""])

    field = _create(account, label="Tier", api_name="tier", kind="choice", choices=["Gold", " Silver ", "Gold"])

    assert field.choices == ["Gold", "Silver"]


def test_update_changes_the_label_and_choices_but_never_the_api_name_or_type(account):
    field = _create(account, label="Tier", api_name="tier", kind="choice", choices=["Gold"])

    fields.custom_field_update(account=account, actor=None, field=field, label="דרגה", choices=["Gold", "Bronze"])

    field.refresh_from_db()
    assert (field.label, field.api_name, field.kind, field.choices) == ("דרגה", "tier", "choice", ["Gold", "Bronze"])


def test_delete_removes_the_values_from_every_contact_of_the_account_only(account, other_account):
    field = _create(account)
    _create(other_account)
    mine = Contact.objects.create(account=account, phone="+972501111111", custom={"shoe_size": 42, "city": "Haifa"})
    bare = Contact.objects.create(account=account, phone="+972502222222", custom={})
    theirs = Contact.objects.create(account=other_account, phone="+972501111111", custom={"shoe_size": 40})

    cleared = fields.custom_field_delete(account=account, actor=account.owner, field=field)

    assert cleared == 1
    assert not CustomField.objects.filter(pk=field.pk).exists()
    assert Contact.objects.get(pk=mine.pk).custom == {"city": "Haifa"}
    assert Contact.objects.get(pk=bare.pk).custom == {}
    assert Contact.objects.get(pk=theirs.pk).custom == {"shoe_size": 40}


def test_delete_is_one_update_not_one_per_contact(account, django_assert_max_num_queries):
    field = _create(account)
    for i in range(30):
        Contact.objects.create(account=account, phone=f"+9725011111{i:02}", custom={"shoe_size": i})

    with django_assert_max_num_queries(5):
        fields.custom_field_delete(account=account, actor=None, field=field)

    assert not Contact.objects.filter(account=account, custom__has_key="shoe_size").exists()


def test_another_accounts_field_is_not_found(account, other_account):
    theirs = _create(other_account)

    with pytest.raises(NotFound):
        fields.custom_field_update(account=account, actor=None, field=theirs, label="Mine")
    with pytest.raises(NotFound):
        fields.custom_field_delete(account=account, actor=None, field=theirs)


@pytest.mark.parametrize(
    ("label", "suggested"),
    [("Shoe size", "shoe_size"), ("מידת נעליים", "mydt_nalyym"), ("2nd phone!", "field_2nd_phone"), ("?!", "field")],
)
def test_an_api_name_is_suggested_from_the_label(label, suggested):
    assert fields.api_name_suggest(label) == suggested


# --- screens ---------------------------------------------------------------------------------------------


def test_create_a_field_on_the_screen_with_a_hebrew_label(owner_client, account):
    response = owner_client.post(
        "/contacts/fields/new/", {"label": "מידת נעליים", "api_name": "shoe_size", "kind": "number", "choices": ""}
    )

    assert response.status_code == 302 and response["Location"] == "/contacts/fields/"
    listing = owner_client.get("/contacts/fields/").content.decode()
    assert "מידת נעליים" in listing and "shoe_size" in listing


def test_an_empty_api_name_is_made_from_the_label(owner_client, account):
    owner_client.post("/contacts/fields/new/", {"label": "Favourite colour", "api_name": "", "kind": "text"})

    assert CustomField.objects.get(account=account).api_name == "favourite_colour"


def test_a_duplicate_api_name_is_refused_on_the_api_name_field(owner_client, account):
    _create(account)

    response = owner_client.post("/contacts/fields/new/", {"label": "Other", "api_name": "shoe_size", "kind": "text"})

    assert response.status_code == 200
    assert response.context["form"].errors["api_name"] == ["The API name “shoe_size” is already used by another field."]
    assert CustomField.objects.filter(account=account).count() == 1


def test_choices_are_entered_one_per_line(owner_client, account):
    owner_client.post(
        "/contacts/fields/new/",
        {"label": "Tier", "api_name": "tier", "kind": "choice", "choices": "Gold\r\nSilver\n\n"},
    )

    assert CustomField.objects.get(account=account, api_name="tier").choices == ["Gold", "Silver"]


def test_edit_a_label_and_choices_on_the_screen(owner_client, account):
    field = _create(account, label="Tier", api_name="tier", kind="choice", choices=["Gold"])

    page = owner_client.get(f"/contacts/fields/{field.pk}/").content.decode()
    owner_client.post(f"/contacts/fields/{field.pk}/", {"label": "Level", "choices": "Gold\nSilver", "api_name": "x"})

    field.refresh_from_db()
    assert 'name="api_name"' not in page and "cannot be changed" in page
    assert (field.label, field.api_name, field.choices) == ("Level", "tier", ["Gold", "Silver"])


def test_a_legacy_slot_appears_once_used_and_only_its_label_can_change(owner_client, account):
    assert "<code>Text1</code>" not in owner_client.get("/contacts/fields/").content.decode()
    contacts_upsert(account=account, rows=[{"phone": "0501234567", "custom:Text1": "blue"}], source="api")
    slot = CustomField.objects.get(account=account, api_name="Text1")

    listing = owner_client.get("/contacts/fields/").content.decode()
    owner_client.post(f"/contacts/fields/{slot.pk}/", {"label": "Favourite colour"})

    slot.refresh_from_db()
    assert "<code>Text1</code>" in listing and "legacy slot</span>" in listing
    assert (slot.label, slot.api_name, slot.is_legacy_slot) == ("Favourite colour", "Text1", True)


def test_delete_on_the_screen_warns_and_clears_the_values(owner_client, account):
    field = _create(account)
    contact = Contact.objects.create(account=account, phone="+972501111111", custom={"shoe_size": 42})

    page = owner_client.get(f"/contacts/fields/{field.pk}/").content.decode()
    response = owner_client.post(f"/contacts/fields/{field.pk}/delete/", follow=True)

    assert "Its values are removed from every contact" in page and "1 contact" in page
    assert "its value was removed from 1 contact" in response.content.decode()
    contact.refresh_from_db()
    assert contact.custom == {}


def test_viewers_see_fields_but_cannot_change_them(account, make_member, client_for):
    field = _create(account)
    client = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    assert client.get("/contacts/fields/").status_code == 200
    assert client.post("/contacts/fields/new/", {"label": "X", "api_name": "x", "kind": "text"}).status_code == 403
    assert client.post(f"/contacts/fields/{field.pk}/", {"label": "X"}).status_code == 403
    assert client.post(f"/contacts/fields/{field.pk}/delete/").status_code == 403
    assert list(CustomField.objects.filter(account=account).values_list("label", flat=True)) == ["Shoe size"]
