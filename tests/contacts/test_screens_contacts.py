"""CON-5, CON-6, CON-7: the contacts list (search, filters, paging), one contact's form, delete, and roles."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.urls import include, path
from django.utils import timezone

from contacts import urls as contact_urls
from contacts.models import Contact, CustomField, Group, GroupMembership
from marketing.accounts.roles import Role

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    """These screens are checked in English; one test below renders them in Hebrew."""
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def _names(response) -> set[str]:
    """The contacts listed on a page, by first name."""
    return {contact.first_name for contact, _groups in response.context["rows"]}


@pytest.fixture
def people(account):
    vip = Group.objects.create(account=account, name="VIP")
    return {
        "dana": _contact(
            account,
            [vip],
            first_name="Dana",
            last_name="Levi",
            phone="+972501234567",
            email="dana@example.com",
            gender="female",
            custom={"city": "Haifa", "shoe": 38},
        ),
        "moshe": _contact(
            account, first_name="Moshe", last_name="Cohen", phone="+972529876543", gender="male", custom={"shoe": 44}
        ),
        "ruth": _contact(account, first_name="Ruth", email="ruth@example.org", birth_date=dt.date(1990, 5, 17)),
        "vip": vip,
    }


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_contacts_with_their_details_and_groups(owner_client, people):
    response = owner_client.get("/contacts/")

    page = response.content.decode()
    assert response.status_code == 200
    assert _names(response) == {"Dana", "Moshe", "Ruth"}
    assert '<td class="text-nowrap"><bdi dir="ltr">+972501234567</bdi></td>' in page
    assert "dana@example.com" in page and "VIP" in page
    assert 'href="/contacts/new/"' in page


@pytest.mark.parametrize("query", ["050-1234567", "0501234567", "+972 50 123 4567", "972501234567"])
def test_search_finds_a_phone_in_any_spelling(owner_client, people, query):
    response = owner_client.get("/contacts/", {"q": query})

    assert _names(response) == {"Dana"}


@pytest.mark.parametrize(("query", "found"), [("dana", {"Dana"}), ("Cohen", {"Moshe"}), ("Dana Levi", {"Dana"})])
def test_search_by_name(owner_client, people, query, found):
    assert _names(owner_client.get("/contacts/", {"q": query})) == found


def test_search_by_email(owner_client, people):
    assert _names(owner_client.get("/contacts/", {"q": "RUTH@example"})) == {"Ruth"}


def test_filter_by_group(owner_client, people):
    response = owner_client.get("/contacts/", {"group": people["vip"].pk})

    assert _names(response) == {"Dana"}


def test_filter_by_created_date_range(owner_client, account, people):
    Contact.objects.filter(pk=people["dana"].pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    Contact.objects.filter(pk=people["moshe"].pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    until = (timezone.localdate() - dt.timedelta(days=5)).isoformat()

    assert _names(owner_client.get("/contacts/", {"created_from": since})) == {"Moshe", "Ruth"}
    assert _names(owner_client.get("/contacts/", {"created_to": until})) == {"Dana", "Moshe"}
    assert _names(owner_client.get("/contacts/", {"created_from": since, "created_to": until})) == {"Moshe"}


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        ("gender", "male", {"Moshe"}),
        ("gender", "נקבה", {"Dana"}),
        ("last_name", "Levi", {"Dana"}),
        ("birth_date", "17/05/1990", {"Ruth"}),
        ("custom:city", "Haifa", {"Dana"}),
        ("custom:shoe", "44", {"Moshe"}),
    ],
)
def test_filter_by_a_field_value(owner_client, account, people, field, value, found):
    CustomField.objects.create(account=account, api_name="city", label="City", kind="text")
    CustomField.objects.create(account=account, api_name="shoe", label="Shoe size", kind="number")

    response = owner_client.get("/contacts/", {"field": field, "value": value})

    assert _names(response) == found


def test_a_value_that_does_not_fit_the_field_says_why_and_filters_nothing(owner_client, account, people):
    CustomField.objects.create(account=account, api_name="shoe", label="Shoe size", kind="number")

    response = owner_client.get("/contacts/", {"field": "custom:shoe", "value": "big"})

    assert "“big” is not a number (field Shoe size)." in response.content.decode()
    assert _names(response) == {"Dana", "Moshe", "Ruth"}


def test_the_list_has_50_a_page_and_page_links_keep_the_filters(owner_client, account):
    group = Group.objects.create(account=account, name="Many")
    for i in range(120):
        _contact(account, [group], first_name=f"P{i:03}", phone=f"+97250{i:07}")
    _contact(account, first_name="Outside", phone="+972520000000")

    first = owner_client.get("/contacts/", {"group": group.pk})
    third = owner_client.get("/contacts/", {"group": group.pk, "page": 3})

    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 120
    assert f'href="?group={group.pk}&amp;page=2"' in first.content.decode()
    assert len(third.context["rows"]) == 20 and "Outside" not in _names(third)


def test_the_export_buttons_carry_the_filters(owner_client, people):
    page = owner_client.get("/contacts/", {"q": "dana", "page": 1}).content.decode()

    assert 'href="/contacts/export.csv?q=dana"' in page
    assert 'href="/contacts/export.xlsx?q=dana"' in page


def test_contacts_pages_render_in_hebrew_right_to_left(client_for, db):
    hebrew = AccountFactory(language="he")
    _contact(hebrew, first_name="דנה", phone="+972501234567")

    response = client_for(hebrew.owner).get("/contacts/")

    page = response.content.decode()
    assert '<html lang="he" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page and "דנה" in page


def test_more_groups_than_shown_read_plus_n_left_to_right_in_hebrew(client_for, db):
    hebrew = AccountFactory(language="he")
    groups = [Group.objects.create(account=hebrew, name=f"קבוצה {i}") for i in range(5)]
    _contact(hebrew, groups, first_name="דנה", phone="+972501234567")

    page = client_for(hebrew.owner).get("/contacts/").content.decode()

    assert '<span class="small text-secondary"><bdi dir="ltr">+2</bdi></span>' in page


def test_the_search_box_is_a_search_field_with_its_type_once(owner_client, people):
    page = owner_client.get("/contacts/").content.decode()

    search = re.search(r'<input[^>]* name="q"[^>]*>', page).group(0)
    assert search.count(" type=") == 1 and 'type="search"' in search
    assert 'placeholder="Name, phone or email"' in search


# --- add, edit, delete -----------------------------------------------------------------------------------


def test_add_a_contact_through_the_form(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")

    response = owner_client.post(
        "/contacts/new/",
        {
            "first_name": " Dana ",
            "last_name": "Levi",
            "phone": "050-1234567",
            "email": "Dana@Example.com ",
            "groups": [vip.pk],
        },
    )

    contact = Contact.objects.get(account=account)
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    assert (contact.first_name, contact.phone, contact.email) == ("Dana", "+972501234567", "dana@example.com")
    assert contact.source == "manual"
    assert list(GroupMembership.objects.filter(contact=contact).values_list("group__name", flat=True)) == ["VIP"]


def test_an_invalid_phone_is_refused_with_its_reason_and_nothing_is_saved(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")

    response = owner_client.post("/contacts/new/", {"first_name": "Dana", "phone": "050-12", "groups": [vip.pk]})

    assert response.status_code == 200
    assert "The phone number is too short." in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()
    assert not GroupMembership.objects.exists()


def test_an_invalid_phone_on_edit_changes_nothing(owner_client, account):
    contact = _contact(account, first_name="Dana", phone="+972501234567")

    response = owner_client.post(f"/contacts/{contact.pk}/", {"first_name": "Dina", "phone": "123"})

    contact.refresh_from_db()
    assert response.status_code == 200 and "The phone number is too short." in response.content.decode()
    assert (contact.first_name, contact.phone) == ("Dana", "+972501234567")


def test_a_contact_needs_a_phone_or_an_email(owner_client, account):
    response = owner_client.post("/contacts/new/", {"first_name": "Nobody"})

    assert "A contact needs a mobile phone or an email." in response.content.decode()
    assert not Contact.objects.exists()


def test_adding_an_existing_phone_names_that_contact_and_changes_nothing(owner_client, account):
    """The rest of CON-5's duplicate check: tests/contacts/test_screens_contact_duplicates.py."""
    existing = _contact(account, first_name="Dana", last_name="Levi", phone="+972501234567")

    response = owner_client.post("/contacts/new/", {"first_name": "Dina", "phone": "0501234567"})

    existing.refresh_from_db()
    assert response.status_code == 200 and "belongs to Dana Levi" in response.content.decode()
    assert Contact.objects.filter(account=account).count() == 1
    assert (existing.first_name, existing.last_name, existing.email) == ("Dana", "Levi", "")


def test_edit_shows_the_contact_and_saves_changes(owner_client, account):
    contact = _contact(account, first_name="Dana", last_name="Levi", phone="+972501234567", external_ref="crm-1")

    page = owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    response = owner_client.post(
        f"/contacts/{contact.pk}/",
        {
            "first_name": "Dana",
            "last_name": "Bar Or",
            "phone": "+972501234567",
            "gender": "female",
            "birth_date": "1990-05-17",
            "external_ref": "crm-1",
        },
    )

    contact.refresh_from_db()
    assert 'value="Levi"' in page and 'value="crm-1"' in page
    assert response.status_code == 302
    assert (contact.last_name, contact.gender, contact.birth_date) == ("Bar Or", "female", dt.date(1990, 5, 17))


def test_custom_fields_are_typed_inputs_and_save_by_kind(owner_client, account):
    CustomField.objects.create(account=account, api_name="city", label="עיר", kind="text")
    CustomField.objects.create(account=account, api_name="shoe", label="Shoe size", kind="number")
    CustomField.objects.create(account=account, api_name="joined", label="Joined", kind="date")
    CustomField.objects.create(
        account=account, api_name="tier", label="Tier", kind="choice", choices=["Gold", "Silver"]
    )
    contact = _contact(account, phone="+972501234567", custom={"city": "Haifa"})

    page = owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    owner_client.post(
        f"/contacts/{contact.pk}/",
        {"phone": "+972501234567", "cf_city": "", "cf_shoe": "42.5", "cf_joined": "2024-03-05", "cf_tier": "Gold"},
    )

    contact.refresh_from_db()
    assert 'type="number" name="cf_shoe"' in page and 'type="date" name="cf_joined"' in page
    assert '<select name="cf_tier"' in page and '<option value="Gold">Gold</option>' in page
    assert "עיר" in page and 'value="Haifa"' in page
    assert contact.custom == {"shoe": 42.5, "joined": "2024-03-05", "tier": "Gold"}


def test_a_choice_outside_the_list_is_refused(owner_client, account):
    CustomField.objects.create(account=account, api_name="tier", label="Tier", kind="choice", choices=["Gold"])
    contact = _contact(account, phone="+972501234567")

    response = owner_client.post(f"/contacts/{contact.pk}/", {"phone": "+972501234567", "cf_tier": "Platinum"})

    contact.refresh_from_db()
    assert response.status_code == 200 and contact.custom == {}


def test_groups_are_added_and_removed_through_the_checkboxes(owner_client, account):
    a, b, c = (Group.objects.create(account=account, name=n) for n in ("A", "B", "C"))
    contact = _contact(account, [a, b], phone="+972501234567")

    owner_client.post(f"/contacts/{contact.pk}/", {"phone": "+972501234567", "groups": [b.pk, c.pk]})

    assert set(GroupMembership.objects.filter(contact=contact).values_list("group__name", flat=True)) == {"B", "C"}


def test_the_edit_page_shows_the_unsubscribe_status_per_channel(owner_client, account):
    from contacts.services import suppressions_add

    contact = _contact(account, phone="+972501234567", email="dana@example.com")
    suppressions_add(account=account, points=["dana@example.com"], reason="asked", source="manual")

    response = owner_client.get(f"/contacts/{contact.pk}/")

    status = {s["channel"]: s["suppressed"] for s in response.context["suppressions"]}
    assert status == {"sms": False, "email": True}
    assert "Unsubscribed" in response.content.decode() and "Subscribed" in response.content.decode()


def test_delete_removes_the_contact_after_confirming(owner_client, account):
    contact = _contact(account, first_name="Dana", phone="+972501234567")

    page = owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    response = owner_client.post(f"/contacts/{contact.pk}/delete/")

    assert "data-confirm=" in page
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_delete_needs_a_post(owner_client, account):
    contact = _contact(account, first_name="Dana", phone="+972501234567")

    assert owner_client.get(f"/contacts/{contact.pk}/delete/").status_code == 405
    assert Contact.objects.filter(pk=contact.pk).exists()


# --- roles -----------------------------------------------------------------------------------------------


def test_reports_only_cannot_open_contacts(account, make_member, client_for):
    client = client_for(make_member(account, role=Role.REPORTS_ONLY).user)

    assert client.get("/contacts/").status_code == 403
    assert client.get("/contacts/export.csv").status_code == 403
    assert 'href="/contacts/"' not in client.get("/").content.decode()


def test_saved_messages_only_can_view_but_not_change(account, make_member, client_for):
    contact = _contact(account, first_name="Dana", phone="+972501234567")
    client = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    listing = client.get("/contacts/")
    detail = client.get(f"/contacts/{contact.pk}/")

    assert listing.status_code == 200 and "Dana" in listing.content.decode()
    assert 'href="/contacts/new/"' not in listing.content.decode()
    assert detail.status_code == 200 and "disabled" in detail.content.decode()
    assert client.get("/contacts/new/").status_code == 403
    assert client.post("/contacts/new/", {"phone": "0521111111"}).status_code == 403
    assert client.post(f"/contacts/{contact.pk}/", {"first_name": "X", "phone": "0501234567"}).status_code == 403
    assert client.post(f"/contacts/{contact.pk}/delete/").status_code == 403
    contact.refresh_from_db()
    assert contact.first_name == "Dana" and Contact.objects.count() == 1


def test_the_navbar_links_to_contacts_and_the_sub_navigation_to_every_section(owner_client, account):
    page = owner_client.get("/contacts/").content.decode()

    assert '<a class="nav-link active" aria-current="page" href="/contacts/">Contacts</a>' in page
    for href in ("/contacts/groups/", "/contacts/fields/", "/contacts/unsubscribes/", "/contacts/import/"):
        assert f'href="{href}"' in page


# A URLconf without the import wizard, for the test below.
urlpatterns = [
    path(
        "contacts/",
        include(([p for p in contact_urls.urlpatterns if not str(p.pattern).startswith("import/")], "contacts")),
    )
]


def test_the_import_link_is_left_out_while_the_wizard_is_not_there(settings):
    settings.ROOT_URLCONF = __name__

    html = render_to_string("contacts/_nav.html", {"section": "contacts", "perms_here": {"contacts_edit": True}})

    assert 'href="/contacts/unsubscribes/"' in html
    assert "Import" not in html
