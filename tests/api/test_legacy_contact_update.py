"""API-2, API-3, TOK-6: the legacy `POST /api/Contact/Update`, with the request shapes Zapier and WordPress
Contact Form 7 send (from the help-center pages in seeds/)."""

import json
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from automations.models import Event
from contacts import services
from contacts.models import Contact, CustomField, Group, GroupMembership
from marketing.core.models import AuditEntry
from marketing.tokens.models import ApiToken

URL = "/api/Contact/Update"


@pytest.fixture
def user(account, token_of) -> dict:
    return {"Username": account.owner.username, "Token": token_of(account)}


def _post(document: dict, **extra):
    return APIClient().post(URL, document, format="json", **extra)


def _document(user: dict, contacts: list, **data) -> dict:
    return {"User": user, "Data": {**data, "Contacts": contacts}}


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


# --- the document -------------------------------------------------------------------------------------


def test_the_json_body_adds_a_contact_and_answers_in_the_legacy_shape(account, user):
    response = _post(_document(user, [{"FirstName": "Dana", "PhoneNumber": "050-1234567", "Email": "Dana@x.com"}]))

    assert response.status_code == 200
    body = response.json()
    contact = Contact.objects.get(account=account)
    assert body == {
        "Status": 1,
        "Description": "Read: 1. New: 1, updated: 0, unchanged: 0, rejected: 0.",
        "Data": {
            "Read": 1,
            "New": 1,
            "Updated": 0,
            "Unchanged": 0,
            "Rejected": 0,
            "Contacts": [{"Index": 0, "Status": "New", "ContactId": contact.pk, "Reason": "", "Warnings": []}],
        },
    }
    assert (contact.first_name, contact.phone, contact.email, contact.source) == (
        "Dana",
        "+972501234567",
        "dana@x.com",
        "api",
    )


def test_the_json_query_parameter_works_the_same(account, user):
    document = json.dumps(_document(user, [{"PhoneNumber": "0501234567"}]))

    response = APIClient().post(f"{URL}?json={quote(document)}")

    assert response.status_code == 200 and response.json()["Data"]["New"] == 1
    assert Contact.objects.filter(account=account, phone="+972501234567").exists()


def test_a_bearer_header_may_replace_the_user_block(account, api_for):
    response = api_for(account).post(URL, {"Data": {"Contacts": [{"PhoneNumber": "0501234567"}]}}, format="json")

    assert response.status_code == 200 and response.json()["Status"] == 1


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"AddNewContacts": "false"}, ("Rejected", "Updated")),
        ({"AddNewContacts": 0, "UpdateExistingContacts": 0}, ("Rejected", "Unchanged")),
        ({"AddNewContacts": True, "UpdateExistingContacts": "False"}, ("New", "Unchanged")),
        ({"AddNewContacts": "1", "UpdateExistingContacts": 1}, ("New", "Updated")),
    ],
)
def test_the_policy_flags_accept_booleans_strings_and_numbers(account, user, flags, expected):
    _contact(account, phone="+972501111111", first_name="Old")
    contacts = [{"PhoneNumber": "0502222222"}, {"PhoneNumber": "0501111111", "FirstName": "New"}]

    body = _post(_document(user, contacts, **flags)).json()

    assert tuple(c["Status"] for c in body["Data"]["Contacts"]) == expected


def test_avoid_loosing_data_keeps_values_an_empty_field_would_erase(account, user):
    dana = _contact(account, phone="+972501111111", first_name="Dana", last_name="Levi")
    contacts = [{"PhoneNumber": "0501111111", "FirstName": "", "LastName": "Cohen"}]

    _post(_document(user, contacts, AvoidLoosingData="true"))

    dana.refresh_from_db()
    assert (dana.first_name, dana.last_name) == ("Dana", "Cohen")


def test_a_bad_boolean_refuses_the_document_with_status_0(account, user):
    response = _post(_document(user, [{"PhoneNumber": "0501111111"}], AddNewContacts="__BOOL__"))

    assert response.status_code == 400
    assert response.json()["Status"] == 0 and "AddNewContacts" in response.json()["Description"]
    assert response.json()["Data"] is None
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "data", [None, "text", {"Contacts": []}, {"Contacts": "x"}, {"Contacts": [{"PhoneNumber": "0501111111"}] * 1001}]
)
def test_a_document_without_usable_contacts_is_refused(user, data):
    response = _post({"User": user, "Data": data} if data is not None else {"User": user})

    assert response.status_code == 400 and response.json()["Status"] == 0


def test_rejected_contacts_come_back_with_a_reason_and_the_rest_is_saved(account, user):
    contacts = [{"PhoneNumber": "0501111111"}, {"PhoneNumber": "12"}, {"FirstName": "No point"}, "junk"]

    response = _post(_document(user, contacts))

    assert response.status_code == 200
    body = response.json()
    assert body["Status"] == 0 and body["Data"]["New"] == 1 and body["Data"]["Rejected"] == 3
    reasons = [c["Reason"] for c in body["Data"]["Contacts"]]
    assert reasons[0] == "" and "too short" in reasons[1] and "phone or an email" in reasons[2]
    assert "JSON object" in reasons[3]


def test_when_every_contact_is_rejected_the_answer_is_400(account, user):
    response = _post(_document(user, [{"PhoneNumber": "12"}]))

    assert response.status_code == 400
    assert response.json()["Status"] == 0 and response.json()["Data"]["Rejected"] == 1


def test_all_the_fields(account, user):
    contacts = [
        {
            "ContactRefId": 100001,
            "FirstName": "David",
            "LastName": "Levi",
            "Email": "david@example.com",
            "PhoneNumber": "0501234567",
            "GenderId": 1,
            "BirthDate": "1980-07-23",
            "AdditionalDate": "02/05/2012",
            "RegistrationDate": "2015-05-10",
            "Text1": "blue",
            "Text2": "",
            "Number1": "42",
            "Number2": "",
            "Date1": "2020-01-31",
        },
        {"PhoneNumber": "0502222222", "GenderId": "2"},
    ]

    body = _post(_document(user, contacts)).json()

    assert body["Status"] == 1
    david = Contact.objects.get(account=account, external_ref="100001")
    assert (david.gender, str(david.birth_date), str(david.additional_date), str(david.registration_date)) == (
        "male",
        "1980-07-23",
        "2012-05-02",
        "2015-05-10",
    )
    assert david.custom == {"Text1": "blue", "Number1": 42, "Date1": "2020-01-31"}
    assert set(CustomField.objects.filter(account=account).values_list("api_name", flat=True)) == {
        "Text1",
        "Number1",
        "Date1",
    }  # an empty slot that never existed is not created
    assert Contact.objects.get(account=account, phone="+972502222222").gender == "female"


def test_the_accounts_own_custom_fields_are_accepted_by_api_name(account, user):
    CustomField.objects.create(account=account, api_name="shoe_size", label="Shoe size", kind="number")

    body = _post(_document(user, [{"PhoneNumber": "0501111111", "Shoe_Size": "38", "Number3": "INF"}])).json()

    assert body["Data"]["Contacts"][0]["Status"] == "Rejected" and "INF" in body["Data"]["Contacts"][0]["Reason"]
    body = _post(_document(user, [{"PhoneNumber": "0501111111", "Shoe_Size": "38"}])).json()
    assert body["Data"]["Contacts"][0]["Status"] == "New"
    assert Contact.objects.get(account=account).custom == {"shoe_size": 38}


def test_unknown_fields_are_reported_per_contact_not_fatal(account, user):
    contacts = [{"PhoneNumber": "0501111111", "Favourite": "x"}, {"PhoneNumber": "0502222222"}]

    body = _post(_document(user, contacts)).json()

    assert body["Status"] == 1 and body["Data"]["New"] == 2
    assert body["Data"]["Contacts"][0]["Warnings"] == ["Unknown field “Favourite”; ignored."]
    assert body["Data"]["Contacts"][1]["Warnings"] == []


def test_a_contact_with_an_unreadable_value_is_rejected_alone(account, user):
    contacts = [
        {"PhoneNumber": {"nested": 1}},
        {"PhoneNumber": "0501111111", "ContactId": "abc"},
        {"PhoneNumber": "0502222222", "HandleEvents": "maybe"},
        {"PhoneNumber": "0503333333", "FirstName": "a\x00b"},
        {"PhoneNumber": "0504444444"},
    ]

    body = _post(_document(user, contacts)).json()

    assert [c["Status"] for c in body["Data"]["Contacts"]] == ["Rejected"] * 4 + ["New"]
    assert all(c["Reason"] for c in body["Data"]["Contacts"][:4])


# --- groups and events --------------------------------------------------------------------------------


def test_add_to_group_name_creates_the_group_once(account, user):
    first = _post(_document(user, [{"PhoneNumber": "0501111111", "AddToGroupName": "Website leads"}]))
    second = _post(_document(user, [{"PhoneNumber": "0502222222", "AddToGroupName": "Website leads"}]))

    assert first.status_code == second.status_code == 200
    group = Group.objects.get(account=account, name="Website leads")
    assert group.memberships.count() == 2


def test_a_group_made_by_add_to_group_name_is_audited_as_the_token(account, token_of):
    user = {"Username": account.owner.username, "Token": token_of(account, name="Contact Form 7")}
    token = ApiToken.objects.get(account=account, name="Contact Form 7")

    _post(_document(user, [{"PhoneNumber": "0501111111", "AddToGroupName": "Website leads"}]))

    group = Group.objects.get(account=account, name="Website leads")
    created = AuditEntry.objects.get(account=account, action="group.create")
    assert (created.target_id, created.token, created.actor) == (str(group.pk), token, None)


def test_group_numbers_add_and_remove(account, user):
    a, b, c = (services.group_create(account=account, actor=None, name=n) for n in "ABC")
    dana = _contact(account, [c], phone="+972501111111")
    contact = {"PhoneNumber": "0501111111", "AddToGroupNumbers": f"{a.pk}, {b.pk}", "RemoveFromGroupNumbers": [c.pk]}

    body = _post(_document(user, [contact])).json()

    assert body["Data"]["Contacts"][0]["Status"] == "Unchanged"
    assert set(GroupMembership.objects.filter(contact=dana).values_list("group_id", flat=True)) == {a.pk, b.pk}


def test_group_numbers_that_are_not_groups_are_reported(account, user):
    contact = {"PhoneNumber": "0501111111", "AddToGroupNumbers": "999999,x"}

    body = _post(_document(user, [contact])).json()

    warnings = body["Data"]["Contacts"][0]["Warnings"]
    assert body["Data"]["New"] == 1 and len(warnings) == 2
    assert any("999999" in w for w in warnings) and any("“x”" in w for w in warnings)


def test_handle_events_true_fires_the_automation_triggers(account, user):
    group = services.group_create(account=account, actor=None, name="Leads")
    Event.objects.all().delete()

    _post(_document(user, [{"PhoneNumber": "0501111111", "AddToGroupNumbers": str(group.pk), "HandleEvents": True}]))

    assert set(Event.objects.filter(account=account).values_list("kind", flat=True)) == {
        "contact.created",
        "group.joined",
    }


def test_handle_events_false_marks_the_events_so_no_automation_starts(account, user):
    group = services.group_create(account=account, actor=None, name="Leads")
    Event.objects.all().delete()

    contact = {"PhoneNumber": "0501111111", "AddToGroupNumbers": str(group.pk), "HandleEvents": "false"}
    body = _post(_document(user, [contact])).json()

    assert body["Data"]["New"] == 1 and group.memberships.count() == 1
    payloads = dict(Event.objects.filter(account=account).values_list("kind", "payload"))
    assert set(payloads) == {"contact.created", "group.joined"}
    assert all(payload["handle_events"] is False for payload in payloads.values())


def test_handle_events_is_per_contact_and_the_order_is_kept(account, user):
    contacts = [
        {"PhoneNumber": "0501111111", "HandleEvents": False},
        {"PhoneNumber": "0502222222"},
        {"PhoneNumber": "0503333333", "HandleEvents": 0},
    ]

    body = _post(_document(user, contacts)).json()

    ids = [c["ContactId"] for c in body["Data"]["Contacts"]]
    assert [Contact.objects.get(pk=i).phone for i in ids] == ["+972501111111", "+972502222222", "+972503333333"]
    created = {
        payload.get("handle_events", True): payload["contact_ids"]
        for payload in Event.objects.filter(account=account, kind="contact.created").values_list("payload", flat=True)
    }
    assert created == {True: [ids[1]], False: [ids[0], ids[2]]}


# --- credentials --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["wrong_token", "no_user"])
def test_credential_errors_keep_the_house_error_shape(account, user, which):
    document = _document({**user, "Token": "nope"} if which == "wrong_token" else None, [{"PhoneNumber": "050"}])
    if which == "no_user":
        del document["User"]

    response = _post(document)

    assert response.status_code == 401 and set(response.json()["error"]) == {"code", "message", "details"}
    assert not Contact.objects.exists()


# --- tenancy ------------------------------------------------------------------------------------------


def test_another_accounts_contacts_and_groups_are_never_touched(account, other_account, user):
    theirs_group = services.group_create(account=other_account, actor=None, name="Their leads")
    theirs = _contact(other_account, [theirs_group], phone="+972507777777", first_name="Secret", external_ref="R1")
    contacts = [
        {"ContactId": theirs.pk, "FirstName": "Stolen"},
        {"PhoneNumber": "0507777777", "ContactRefId": "R1", "AddToGroupNumbers": str(theirs_group.pk)},
        {"PhoneNumber": "0508888888", "RemoveFromGroupNumbers": str(theirs_group.pk), "AddToGroupName": "Their leads"},
    ]

    body = _post(_document(user, contacts)).json()

    outcomes = body["Data"]["Contacts"]
    assert outcomes[0]["Status"] == "Rejected" and "No contact with this id" in outcomes[0]["Reason"]
    assert outcomes[1]["Status"] == "New" and outcomes[1]["ContactId"] != theirs.pk
    assert str(theirs_group.pk) in outcomes[1]["Warnings"][0]
    assert "Secret" not in json.dumps(body) and "R1" not in json.dumps(body)
    theirs.refresh_from_db()
    assert (theirs.first_name, theirs.account) == ("Secret", other_account)
    assert list(theirs_group.memberships.values_list("contact_id", flat=True)) == [theirs.pk]
    mine = Group.objects.get(account=account, name="Their leads")
    assert mine.pk != theirs_group.pk and mine.memberships.count() == 1


# --- replays of the integrations (SPEC API-3) ---------------------------------------------------------


def _credentials(document: str, user: dict) -> str:
    """The help page's document with its "XXX" placeholders filled in."""
    document = document.replace('"Username": "XXX"', f'"Username": "{user["Username"]}"')
    return document.replace('"Token": "XXX"', f'"Token": "{user["Token"]}"')


def _requote(url: str) -> str:
    """What an HTTP client such as Zapier's does to a URL typed with raw JSON in it: unsafe characters are
    percent-encoded, the reserved ones (and "+") are left alone."""
    return quote(url, safe="!#$%&'()*+,/:;=?@[]~")


def test_zapier_webhook_with_the_document_typed_into_the_url(account, user):
    # "Webhooks by Zapier" → POST, URL: https://cloud.inforu.co.il/api/Contact/Update?json= followed by the
    # document exactly as the help page shows it (the page's "[email protected]" is Cloudflare's e-mail
    # obfuscation of the real example address), Payload Type: JSON with no data fields.
    document = _credentials(
        '{"User":\n{\n"Username": "XXX",\n"Token": "XXX"\n},\n"Data":{\n'
        '"AddNewContacts": "true",\n"UpdateExistingContacts": "true",\n"AvoidLoosingData": "false",\n'
        '"Contacts": [ {\n"FirstName": "Dana",\n"LastName": "Levi",\n"Email": "dana@example.com",\n'
        '"PhoneNumber": "+972501234567",\n"AddToGroupName": "New group name",\n"HandleEvents": true }]}}',
        user,
    )

    response = APIClient().post(
        _requote(f"{URL}?json={document}"), data="{}", content_type="application/json", HTTP_USER_AGENT="Zapier"
    )

    assert response.status_code == 200 and response.json()["Status"] == 1
    dana = Contact.objects.get(account=account)
    # The unencoded "+" arrives as a space; the number is still read right.
    assert (dana.first_name, dana.phone, dana.email) == ("Dana", "+972501234567", "dana@example.com")
    assert Group.objects.get(account=account, name="New group name").memberships.get().contact == dana
    assert Event.objects.filter(account=account, kind="contact.created").exists()


def test_zapier_full_document_with_every_parameter(account, user):
    # The help page's "full JSON": two contacts, every field, the legacy slots sent empty.
    groups = [services.group_create(account=account, actor=None, name=f"G{i}") for i in range(1, 7)]
    existing = _contact(account, groups[3:], phone="+972501234567", first_name="Old")
    slots = {f"Text{i}": "" for i in range(1, 21)} | {f"Number{i}": "" for i in range(1, 5)}
    slots |= {"Date1": "", "Date2": ""}
    contact = {
        "ContactId": existing.pk,
        "ContactRefId": 100001,
        "FirstName": "David",
        "LastName": "Levi",
        "Email": "david@example.com",
        "PhoneNumber": "0501234567",
        "GenderId": 1,
        "BirthDate": "1980-07-23",
        "AdditionalDate": "2012-05-02",
        "RegistrationDate": "2015-05-10",
        "AddToGroupNumbers": ",".join(str(g.pk) for g in groups[:3]),
        "RemoveFromGroupNumbers": ",".join(str(g.pk) for g in groups[3:]),
        "AddToGroupName": "New group name",
        "HandleEvents": True,
        **slots,
    }
    document = _document(
        user, [contact, dict(contact)], AddNewContacts="true", UpdateExistingContacts="true", AvoidLoosingData="false"
    )

    response = APIClient().post(f"{URL}?json={quote(json.dumps(document))}")

    body = response.json()
    assert response.status_code == 200 and body["Status"] == 1
    assert [c["Status"] for c in body["Data"]["Contacts"]] == ["Updated", "Unchanged"]
    assert all(c["Warnings"] == [] for c in body["Data"]["Contacts"])
    existing.refresh_from_db()
    assert (existing.first_name, existing.external_ref, existing.gender) == ("David", "100001", "male")
    member_of = set(GroupMembership.objects.filter(contact=existing).values_list("group__name", flat=True))
    assert member_of == {"G1", "G2", "G3", "New group name"}
    assert not CustomField.objects.filter(account=account).exists()


def test_wordpress_contact_form_7_redirection_api_action(account, user):
    # Contact Form 7 Redirection Pro, action "API XML/JSON Request": Base API Url
    # https://capi.inforu.co.il/api/Contact/Update?json= , input type POST, record type Json. The plugin fills
    # the template's [tags] with the form's values and posts wp_json_encode() of it: compact JSON, non-ASCII
    # escaped as \\uXXXX and "/" as "\\/", with Content-Type: application/json.
    template = _credentials(
        '{ "User": { "Username": "XXX", "Token": "XXX" }, "Data":{ "Contacts": [ { '
        '"FirstName": "[your-name]", "LastName": "[your-lastname]", "Email": "[your-email]", '
        '"PhoneNumber": "[your-phone]", "AddToGroupName": "group name at Inforu" } ] } }',
        user,
    )
    form = {
        "your-name": "דנה",
        "your-lastname": "לוי / כהן",
        "your-email": "dana@example.co.il",
        "your-phone": "050-1234567",
    }
    for tag, value in form.items():
        template = template.replace(f"[{tag}]", value)
    body = json.dumps(json.loads(template), separators=(",", ":")).replace("/", "\\/")

    response = APIClient().post(
        f"{URL}?json=",
        data=body,
        content_type="application/json",
        HTTP_USER_AGENT="WordPress/6.5.2; https://shop.example.co.il",
    )

    assert response.status_code == 200 and response.json()["Status"] == 1
    dana = Contact.objects.get(account=account)
    assert (dana.first_name, dana.last_name, dana.phone) == ("דנה", "לוי / כהן", "+972501234567")
    assert Group.objects.get(account=account, name="group name at Inforu").memberships.get().contact == dana


@pytest.mark.parametrize("where", ["body", "query"])
@pytest.mark.parametrize("field", ["FirstName", "Token"])
def test_a_lone_surrogate_escape_is_refused_as_unreadable(account, user, where, field):
    surrogate = '"\\ud800"'  # valid JSON for a string no UTF-8 text can hold
    token = surrogate if field == "Token" else json.dumps(user["Token"])
    name = surrogate if field == "FirstName" else '"Dana"'
    document = (
        f'{{"User": {{"Username": {json.dumps(user["Username"])}, "Token": {token}}}, '
        f'"Data": {{"Contacts": [{{"PhoneNumber": "0501111111", "FirstName": {name}}}]}}}}'
    )

    if where == "body":
        response = APIClient().post(URL, data=document, content_type="application/json")
    else:
        response = APIClient().post(f"{URL}?json={quote(document)}")

    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"
    assert not Contact.objects.exists()
