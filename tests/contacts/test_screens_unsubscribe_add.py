"""UNS-2: one phone or email unsubscribed from the list screen, partial search, exports named by what they hold,
errors next to their field in the reader's language, and another account seeing none of it."""

import csv
import io

import pytest
from django.utils.translation import gettext_noop

from contacts.models import Contact, Suppression, SuppressionEvent
from contacts.services import PointUnsubscribe, suppression_add_point, suppressions_add
from marketing.accounts.roles import Role
from marketing.core.errors import ApplicationError
from marketing.core.models import AuditEntry
from marketing.core.normalize import InvalidContactPoint
from marketing.core.texts import stored

from ..factories import AccountFactory

BDI_PHONE = '<bdi dir="ltr">+972 50-123-4567</bdi>'


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def hebrew_client(client_for, account):
    account.language = "he"
    account.save(update_fields=["language"])
    return client_for(account.owner)


def _add(client, point: str, channel: str = "sms", reason: str = "", follow: bool = True):
    return client.post(
        "/contacts/unsubscribes/add/", {"point": point, "channel": channel, "reason": reason}, follow=follow
    )


def _flash(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _points(response) -> list[str]:
    return [s.point for s in response.context["page"]]


# --- the service -----------------------------------------------------------------------------------------


def test_a_phone_no_contact_holds_is_unsubscribed_from_sms_and_recorded(account):
    result = suppression_add_point(
        account=account, actor=account.owner, value="050-123 4567", channels=["sms"], reason="asked by phone"
    )

    assert result == PointUnsubscribe(channel="sms", point="+972501234567", done=[("sms", "+972501234567", True)])
    row = Suppression.objects.get(account=account)
    assert (row.channel, row.point, row.reason, row.source) == ("sms", "+972501234567", "asked by phone", "manual")
    event = SuppressionEvent.objects.get(account=account)
    assert (event.action, event.actor) == ("suppressed", account.owner)
    audit = AuditEntry.objects.get(account=account, action="suppression.add")
    assert audit.data == {"channel": "sms", "point": "+972501234567"}


def test_a_point_unsubscribed_already_stays_as_it_was(account):
    suppressions_add(account=account, points=["dana@example.com"], reason="link", source="email_link")

    result = suppression_add_point(account=account, actor=account.owner, value="Dana@Example.com", channels=["email"])

    assert result.done == [("email", "dana@example.com", False)]
    row = Suppression.objects.get(account=account)
    assert (row.reason, row.source) == ("link", "email_link")
    assert not AuditEntry.objects.filter(account=account, action="suppression.add").exists()


def test_both_channels_reach_the_other_point_of_the_contacts_holding_it(account):
    Contact.objects.create(account=account, first_name="Dana", phone="+972501234567", email="dana@example.com")

    result = suppression_add_point(account=account, actor=account.owner, value="0501234567", channels=["sms", "email"])

    assert result.done == [("sms", "+972501234567", True), ("email", "dana@example.com", True)]
    assert set(Suppression.objects.filter(account=account).values_list("channel", "point")) == {
        ("sms", "+972501234567"),
        ("email", "dana@example.com"),
    }


def test_both_channels_for_a_point_no_contact_holds_stop_its_own_channel_only(account):
    result = suppression_add_point(
        account=account, actor=account.owner, value="noa@example.com", channels=["sms", "email"]
    )

    assert result.done == [("email", "noa@example.com", True)] and result.missing == ["sms"]
    assert list(Suppression.objects.filter(account=account).values_list("channel", flat=True)) == ["email"]


def test_the_other_channel_alone_without_a_contact_is_refused(account):
    with pytest.raises(ApplicationError) as refused:
        suppression_add_point(account=account, actor=account.owner, value="0501234567", channels=["email"])

    assert refused.value.code == "no_point_on_channel" and refused.value.details == {"field": "channel"}
    assert not Suppression.objects.exists()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("dana.example.com", "“dana.example.com” is not a valid email address: it has no @ sign."),
        ("call me", "“call me” is not a valid email address: it has no @ sign."),
        ("050-12", "The phone number is too short."),
    ],
)
def test_a_wrong_value_is_refused_as_what_it_was_meant_to_be(account, value, said):
    with pytest.raises(InvalidContactPoint) as refused:
        suppression_add_point(account=account, actor=account.owner, value=value, channels=["sms"])

    assert refused.value.message == said
    assert not Suppression.objects.exists()


# --- the form on the list screen -------------------------------------------------------------------------


def test_add_one_phone_from_the_list_says_what_happened(owner_client, account):
    response = _add(owner_client, "+972 50-123-4567", reason="asked at the shop")

    assert response.redirect_chain == [("/contacts/unsubscribes/", 302)]
    assert f"{BDI_PHONE} will no longer receive SMS." in response.content.decode()
    assert _points(response) == ["+972501234567"]
    assert Suppression.objects.get(account=account).reason == "asked at the shop"


def test_adding_it_again_says_it_was_already_unsubscribed(owner_client, account):
    _add(owner_client, "0501234567")

    response = _add(owner_client, "050 123 4567")

    assert _flash(response) == f"{BDI_PHONE} was already unsubscribed from SMS."
    assert Suppression.objects.filter(account=account).count() == 1


def test_both_for_an_email_no_contact_holds_says_there_was_no_phone(owner_client, account):
    response = _add(owner_client, "Noa@Example.com", channel="both")

    assert _flash(response) == (
        '<bdi dir="ltr">noa@example.com</bdi> will no longer receive email. '
        "No contact with this email address has a phone number to unsubscribe."
    )


@pytest.mark.parametrize(
    ("post", "field", "said"),
    [
        ({"point": "dana.example.com", "channel": "email"}, "point", "is not a valid email address: it has no @"),
        ({"point": "050-12", "channel": "sms"}, "point", "The phone number is too short."),
        ({"point": "", "channel": "sms"}, "point", "Type a phone number or an email address."),
        ({"point": "0501234567"}, "channel", "Choose SMS, email or both."),
        ({"point": "0501234567", "channel": "email"}, "channel", "No contact with this phone number has an email"),
    ],
)
def test_a_wrong_value_gets_its_error_next_to_its_field(owner_client, account, post, field, said):
    response = owner_client.post("/contacts/unsubscribes/add/", post)

    assert response.status_code == 400
    form = response.context["add_form"]
    assert list(form.errors) == [field] and said in form.errors[field][0]
    assert said in response.content.decode()
    assert not Suppression.objects.exists()


def test_letters_without_an_at_sign_are_not_called_a_phone(owner_client, account):
    response = owner_client.post("/contacts/unsubscribes/add/", {"point": "dana.example.com", "channel": "sms"})

    error = response.context["add_form"].errors["point"][0]
    assert "email" in error and "phone" not in error


def test_errors_and_the_message_are_in_hebrew_for_a_hebrew_reader(hebrew_client, account):
    refused = hebrew_client.post("/contacts/unsubscribes/add/", {"point": "dana.example.com", "channel": "email"})
    no_channel = hebrew_client.post("/contacts/unsubscribes/add/", {"point": "0501234567"})
    added = _add(hebrew_client, "0501234567")

    assert refused.context["add_form"].errors["point"] == [
        "„<bdi>dana.example.com</bdi>” אינה כתובת אימייל תקינה: חסר בה הסימן @."
    ]
    assert no_channel.context["add_form"].errors["channel"] == ["בחרו SMS, אימייל או את שניהם."]
    assert _flash(added) == f"לא יישלחו עוד הודעות SMS אל {BDI_PHONE}."
    assert "הסרת טלפון או אימייל" in added.content.decode()


def test_hostile_input_gets_a_4xx_and_changes_nothing(owner_client, account):
    for post in (
        {"point": "0501234567", "channel": "fax"},
        {"point": "x" * 5000, "channel": "sms"},
        {"point": ["0501234567", "0527654321"], "channel": ["sms", "email"]},
        {"point": "\x00\u202e0501234567", "channel": "sms"},
    ):
        assert owner_client.post("/contacts/unsubscribes/add/", post).status_code == 400
    assert owner_client.get("/contacts/unsubscribes/add/").status_code == 405
    assert not Suppression.objects.exists()


def test_viewers_cannot_add(account, make_member, client_for):
    client = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    listing = client.get("/contacts/unsubscribes/").content.decode()

    assert "unsubscribe-add-form" not in listing
    assert client.post("/contacts/unsubscribes/add/", {"point": "0501234567", "channel": "sms"}).status_code == 403
    assert not Suppression.objects.exists()


def test_stored_reasons_are_shown_in_the_readers_language(hebrew_client, account):
    reason = stored(gettext_noop("Opted out in Salesforce"))
    suppressions_add(account=account, points=["dana@example.com"], reason=reason, source="salesforce")

    listing = hebrew_client.get("/contacts/unsubscribes/").content.decode()
    history = hebrew_client.get("/contacts/unsubscribes/history/", {"point": "dana@example.com"}).content.decode()

    assert "הוסר ב-Salesforce" in listing and "הוסר ב-Salesforce" in history
    assert '{"msg"' not in listing and '{"msg"' not in history


# --- partial search, one rule with the contacts list -----------------------------------------------------


@pytest.fixture
def people(account):
    for phone, email in (("+972501234567", "dana@example.com"), ("+972527654321", "Ruth.Cohen@Shop.co.il")):
        Contact.objects.create(account=account, first_name="Someone", phone=phone, email=email.lower())
        suppressions_add(account=account, points=[phone, email], reason="asked", source="manual")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("+972 50-123-4567", {"+972501234567"}),
        ("050.123.4567", {"+972501234567"}),
        ("123-45", {"+972501234567"}),
        ("7654", {"+972527654321"}),
        ("RUTH.C", {"ruth.cohen@shop.co.il"}),
        ("shop.co", {"ruth.cohen@shop.co.il"}),
        ("@example", {"dana@example.com"}),
    ],
)
def test_partial_search_finds_points_as_the_contacts_list_finds_contacts(owner_client, people, query, found):
    unsubscribes = owner_client.get("/contacts/unsubscribes/", {"q": query})
    contacts = owner_client.get("/contacts/", {"q": query})

    assert set(_points(unsubscribes)) == found
    contact_points = {c.phone for c, _groups in contacts.context["rows"]} | {
        c.email for c, _groups in contacts.context["rows"]
    }
    assert found <= contact_points and len(contacts.context["rows"]) == 1


# --- exports named by what they hold ---------------------------------------------------------------------


def _exports(response) -> dict[str, str]:
    return {label: url.replace("&amp;", "&") for label, url in response.context["exports"]}


def test_export_buttons_name_the_channel_they_export(owner_client, people):
    response = owner_client.get("/contacts/unsubscribes/")

    exports = _exports(response)
    assert exports["Export SMS unsubscribes (CSV)"] == "/contacts/unsubscribes/removes.csv?channel=sms"
    assert exports["Export email unsubscribes (CSV)"] == "/contacts/unsubscribes/removes.csv?channel=email"
    assert exports["Export all unsubscribes (Excel)"] == "/contacts/unsubscribes/removes.xlsx"
    page = response.content.decode()
    assert "Export SMS unsubscribes (CSV)" in page and "Only the unsubscribes that match" not in page
    sms = _csv(owner_client.get(exports["Export SMS unsubscribes (CSV)"]))
    email = _csv(owner_client.get(exports["Export email unsubscribes (CSV)"]))
    assert {(r[0], r[1]) for r in sms[1:]} == {("+972501234567", "sms"), ("+972527654321", "sms")}
    assert {(r[0], r[1]) for r in email[1:]} == {("dana@example.com", "email"), ("ruth.cohen@shop.co.il", "email")}


def test_while_searching_the_exports_hold_the_results_and_say_so(owner_client, people):
    response = owner_client.get("/contacts/unsubscribes/", {"q": "dana", "page": "1"})

    exports = _exports(response)
    page = response.content.decode()
    assert "Export the search results" in page and "Only the unsubscribes that match the search:" in page
    url = exports["Export the email unsubscribes found (CSV)"]
    assert url == "/contacts/unsubscribes/removes.csv?q=dana&channel=email"
    assert [r[0] for r in _csv(owner_client.get(url))[1:]] == ["dana@example.com"]
    assert not [label for label in exports if "found" not in label]


def test_a_channel_filter_leaves_only_that_channels_exports(owner_client, people):
    response = owner_client.get("/contacts/unsubscribes/", {"channel": "sms"})

    assert sorted(_exports(response)) == ["Export SMS unsubscribes (CSV)", "Export SMS unsubscribes (Excel)"]


# --- re-subscribe and tenancy ----------------------------------------------------------------------------


def test_resubscribe_asks_first_and_its_message_isolates_the_point(owner_client, account, people):
    suppression = Suppression.objects.get(account=account, point="+972501234567")

    listing = owner_client.get("/contacts/unsubscribes/").content.decode()
    response = owner_client.post(
        f"/contacts/unsubscribes/{suppression.pk}/resubscribe/", {"reason": "asked again"}, follow=True
    )

    assert 'data-confirm="Let this contact point receive messages on this channel again?"' in listing
    assert _flash(response) == '<bdi dir="ltr">+972501234567</bdi> may receive SMS messages again.'
    assert AuditEntry.objects.filter(account=account, action="suppression.resubscribe").exists()


def test_another_accounts_user_can_neither_see_nor_remove_these_unsubscribes(
    account, other_account, client_for, people
):
    suppression = Suppression.objects.get(account=account, point="+972501234567")
    client = client_for(other_account.owner)

    listing = client.get("/contacts/unsubscribes/", {"q": "123-45"})
    exported = _csv(client.get("/contacts/unsubscribes/removes.csv", {"q": "dana"}))
    history = client.get("/contacts/unsubscribes/history/", {"point": "+972501234567"})
    removed = client.post(f"/contacts/unsubscribes/{suppression.pk}/resubscribe/", {"reason": "taken over"})

    assert _points(listing) == [] and "+972501234567" not in listing.content.decode()
    assert exported[1:] == [] and list(history.context["events"]) == []
    assert removed.status_code == 404
    assert Suppression.objects.filter(pk=suppression.pk).exists()


def test_adding_in_another_account_leaves_this_accounts_row_alone(account, other_account, client_for, people):
    before = Suppression.objects.get(account=account, point="+972501234567")

    response = _add(client_for(other_account.owner), "0501234567", channel="both")

    assert "לא יישלחו עוד הודעות SMS אל" in _flash(response)  # B reads Hebrew
    assert Suppression.objects.get(account=account, point="+972501234567") == before
    assert list(Suppression.objects.filter(account=other_account).values_list("channel", "point")) == [
        ("sms", "+972501234567")
    ]
    assert not Suppression.objects.filter(account=other_account, channel="email").exists()
