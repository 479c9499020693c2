"""API-1, API-4, CON-1, CON-2, CON-7: contacts over REST — search, read, create, change, batch, delete."""

import datetime as dt

import pytest
from django.utils import timezone

from automations.models import Event
from contacts import services
from contacts.models import Contact, CustomField, Group, GroupMembership

from ..tenancy import TenancyCase, assert_tenant_isolated

URL = "/api/v1/contacts/"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


@pytest.fixture
def api(account, api_for):
    return api_for(account)


# --- list and search ----------------------------------------------------------------------------------


def test_list_shows_the_accounts_contacts_with_their_groups(account, api):
    group = services.group_create(account=account, actor=None, name="VIP")
    dana = _contact(account, [group], first_name="Dana", phone="+972501234567", custom={"shoe": 38})

    body = api.get(URL).json()

    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == dana.pk and item["groups"] == [group.pk] and item["custom"] == {"shoe": 38}
    assert item["phone"] == "+972501234567" and item["gender"] == ""


@pytest.mark.parametrize(
    "query",
    ["?q=Dana", "?q=dana levi", "?q=1234567", "?q=dana@example", "?email=DANA@example.com", "?phone=050-1234567"],
)
def test_search_and_point_filters_find_the_contact(account, api, query):
    dana = _contact(account, first_name="Dana", last_name="Levi", phone="+972501234567", email="dana@example.com")
    _contact(account, first_name="Other", phone="+972529999999", email="other@example.com")

    ids = [c["id"] for c in api.get(URL + query).json()["results"]]

    assert ids == [dana.pk]


@pytest.mark.parametrize("phone", ["0501234567", "+972 50 123 4567", "972501234567", "00972501234567"])
def test_the_phone_filter_reads_any_spelling_with_the_account_region(account, api, phone):
    dana = _contact(account, phone="+972501234567")

    response = api.get(URL, {"phone": phone})

    assert [c["id"] for c in response.json()["results"]] == [dana.pk]


def test_an_invalid_phone_or_email_filter_answers_400_naming_it(api):
    phone = api.get(URL, {"phone": "12"})
    email = api.get(URL, {"email": "not-an-email"})

    assert phone.status_code == 400 and "phone" in _error(phone)["details"]
    assert email.status_code == 400 and "email" in _error(email)["details"]


def test_group_and_date_filters(account, api):
    group = services.group_create(account=account, actor=None, name="VIP")
    member = _contact(account, [group], phone="+972501111111")
    old = _contact(account, phone="+972502222222", created_at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate().isoformat()

    assert [c["id"] for c in api.get(URL, {"group": group.pk}).json()["results"]] == [member.pk]
    assert [c["id"] for c in api.get(URL, {"created_before": "2000-01-01"}).json()["results"]] == []
    recent = api.get(URL, {"created_after": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}).json()
    assert old.pk not in [c["id"] for c in recent["results"]]
    assert member.pk in [c["id"] for c in api.get(URL, {"created_before": today}).json()["results"]]
    assert api.get(URL, {"group": "abc"}).status_code == 400


def test_pagination(account, api):
    for i in range(3):
        _contact(account, phone=f"+97250111111{i}")

    page = api.get(URL, {"page_size": 2}).json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


# --- create, read, change, delete ---------------------------------------------------------------------


def test_create_normalizes_the_points_and_answers_201(account, api):
    response = api.post(
        URL,
        {"first_name": " Dana ", "phone": "050-1234567", "email": " Dana@Example.COM", "gender": "female"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["first_name"], body["phone"], body["email"]) == ("Dana", "+972501234567", "dana@example.com")
    assert body["source"] == "api"
    assert Contact.objects.get(pk=body["id"]).account == account
    assert Event.objects.filter(account=account, kind="contact.created").exists()


def test_create_of_a_contact_that_exists_updates_it_and_answers_200(account, api):
    dana = _contact(account, phone="+972501234567", first_name="Dana")

    response = api.post(URL, {"phone": "0501234567", "last_name": "Levi"}, format="json")

    assert response.status_code == 200 and response.json()["id"] == dana.pk
    dana.refresh_from_db()
    assert (dana.first_name, dana.last_name) == ("Dana", "Levi")
    assert Contact.objects.filter(account=account).count() == 1


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"phone": "12"}, "too short"),
        ({"email": "dana@"}, "not a valid email"),
        ({"first_name": "No point"}, "phone or an email"),
        ({"phone": "0501234567", "custom": {"nope": "x"}}, "Unknown custom field"),
        ({"phone": "0501234567", "custom": {"Number1": "many"}}, "not a number"),
    ],
)
def test_a_rejected_contact_answers_400_with_the_reason(account, api, payload, reason):
    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "contact_rejected" and reason in error["message"]
    assert not Contact.objects.filter(account=account).exists()


def test_invalid_input_answers_400_naming_each_field(api):
    response = api.post(URL, {"gender": "maybe", "birth_date": "31/02/2020", "custom": {"x": {"a": 1}}}, format="json")

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid" and {"gender", "birth_date", "custom"} <= set(error["details"])


def test_a_number_no_field_can_store_is_refused(api):
    response = api.post(URL, {"phone": "0501234567", "custom": {"Number1": "INF"}}, format="json")

    assert response.status_code == 400 and "Number1" in _error(response)["details"]["custom"]


def test_json_with_a_lone_surrogate_is_refused_with_the_error_shape(api):
    response = api.post(URL, '{"phone": "0501234567", "first_name": "\\ud800"}', content_type="application/json")

    assert response.status_code == 400 and _error(response)["code"] == "parse_error"


def test_legacy_custom_slots_are_created_on_first_use(account, api):
    response = api.post(URL, {"phone": "0501234567", "custom": {"Text1": "blue", "Number2": "42"}}, format="json")

    assert response.status_code == 201 and response.json()["custom"] == {"Text1": "blue", "Number2": 42}
    assert set(CustomField.objects.filter(account=account).values_list("api_name", flat=True)) == {"Text1", "Number2"}


def test_create_with_groups_joins_them(account, api):
    group = services.group_create(account=account, actor=None, name="Leads")

    response = api.post(URL, {"phone": "0501234567", "add_to_groups": [group.pk]}, format="json")

    assert response.json()["groups"] == [group.pk]


def test_retrieve(account, api):
    dana = _contact(account, phone="+972501234567", birth_date=dt.date(1980, 7, 23))

    body = api.get(f"{URL}{dana.pk}/").json()

    assert body["id"] == dana.pk and body["birth_date"] == "1980-07-23"
    assert api.get(f"{URL}999999/").status_code == 404


def test_patch_changes_only_the_keys_sent(account, api):
    dana = _contact(account, first_name="Dana", last_name="Levi", phone="+972501234567", email="dana@example.com")

    response = api.patch(f"{URL}{dana.pk}/", {"last_name": "Cohen", "email": ""}, format="json")

    assert response.status_code == 200
    dana.refresh_from_db()
    assert (dana.first_name, dana.last_name, dana.email, dana.phone) == ("Dana", "Cohen", "", "+972501234567")


def test_patch_never_leaves_a_contact_without_a_point(account, api):
    dana = _contact(account, phone="+972501234567")

    api.patch(f"{URL}{dana.pk}/", {"phone": ""}, format="json")

    dana.refresh_from_db()
    assert dana.phone == "+972501234567"


def test_patch_with_an_invalid_value_answers_400_and_changes_nothing(account, api):
    dana = _contact(account, phone="+972501234567", first_name="Dana")

    response = api.patch(f"{URL}{dana.pk}/", {"first_name": "Dina", "phone": "abc"}, format="json")

    assert response.status_code == 400 and _error(response)["code"] == "contact_rejected"
    dana.refresh_from_db()
    assert dana.first_name == "Dana"


def test_patch_moves_the_contact_between_groups(account, api):
    old, new = (services.group_create(account=account, actor=None, name=n) for n in ("Old", "New"))
    dana = _contact(account, [old], phone="+972501234567")

    body = api.patch(f"{URL}{dana.pk}/", {"add_to_groups": [new.pk], "remove_from_groups": [old.pk]}, format="json")

    assert body.json()["groups"] == [new.pk]


def test_delete(account, api):
    dana = _contact(account, phone="+972501234567")

    assert api.delete(f"{URL}{dana.pk}/").status_code == 204
    assert not Contact.objects.filter(pk=dana.pk).exists()
    assert api.delete(f"{URL}{dana.pk}/").status_code == 404


def test_put_is_not_offered(account, api):
    dana = _contact(account, phone="+972501234567")

    assert api.put(f"{URL}{dana.pk}/", {"first_name": "x"}, format="json").status_code == 405


# --- batch --------------------------------------------------------------------------------------------


def test_batch_answers_every_item_with_partial_success(account, api):
    existing = _contact(account, phone="+972501111111", first_name="Old")
    group = services.group_create(account=account, actor=None, name="Batch")
    items = [
        {"phone": "0502222222", "first_name": "New"},
        {"phone": "not a phone"},
        {"phone": "050-111-1111", "first_name": "Updated"},
        "not an object",
        {"email": "dana@example.com", "gender": "maybe"},
        {"id": existing.pk},
        {"email": "x@example.com", "add_to_groups": [987654]},
    ]

    response = api.post(f"{URL}batch/", {"contacts": items, "groups": [group.pk]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert [o["status"] for o in body["outcomes"]] == [
        "new",
        "rejected",
        "updated",
        "rejected",
        "rejected",
        "unchanged",
        "rejected",
    ]
    assert [o["index"] for o in body["outcomes"]] == list(range(len(items)))
    assert (body["read"], body["new"], body["updated"], body["unchanged"], body["rejected"]) == (7, 1, 1, 1, 4)
    outcomes = body["outcomes"]
    assert outcomes[2]["contact_id"] == existing.pk and outcomes[5]["contact_id"] == existing.pk
    assert "phone number" in outcomes[1]["reason"] and "JSON object" in outcomes[3]["reason"]
    assert outcomes[4]["reason"].startswith("gender:") and "987654" in outcomes[6]["reason"]
    assert all(o["contact_id"] is None for o in outcomes if o["status"] == "rejected")
    assert set(group.memberships.values_list("contact_id", flat=True)) == {existing.pk, outcomes[0]["contact_id"]}


def test_batch_policies(account, api):
    dana = _contact(account, phone="+972501111111", first_name="Dana", last_name="Levi")
    items = [{"phone": "0501111111", "first_name": "Dina", "last_name": ""}, {"phone": "0502222222"}]

    body = api.post(
        f"{URL}batch/", {"contacts": items, "add_new": False, "avoid_losing_data": True}, format="json"
    ).json()

    assert [o["status"] for o in body["outcomes"]] == ["updated", "rejected"]
    dana.refresh_from_db()
    assert (dana.first_name, dana.last_name) == ("Dina", "Levi")


def test_batch_without_events(account, api):
    api.post(f"{URL}batch/", {"contacts": [{"phone": "0501111111"}], "handle_events": False}, format="json")

    assert Contact.objects.filter(account=account).count() == 1
    # Still written for the other features (the Salesforce sync); marked so that no automation starts.
    assert Event.objects.get(account=account, kind="contact.created").payload["handle_events"] is False


def test_batch_over_the_limit_is_refused_with_a_clear_message(api):
    response = api.post(f"{URL}batch/", {"contacts": [{"phone": "0501111111"}] * 1001}, format="json")

    assert response.status_code == 400
    assert "at most 1000 contacts" in str(_error(response)["details"]["contacts"])


def test_batch_needs_contacts(api):
    assert api.post(f"{URL}batch/", {"contacts": []}, format="json").status_code == 400


# --- tenancy ------------------------------------------------------------------------------------------


def test_another_accounts_contacts_are_never_shown_or_changed(account, other_account, api):
    theirs_group = services.group_create(account=other_account, actor=None, name="Their group")
    secret = _contact(
        other_account,
        [theirs_group],
        first_name="Secretname",
        phone="+972507777777",
        email="secret@example.com",
        external_ref="REF-B",
    )
    mine = _contact(account, first_name="Mine", phone="+972501111111")

    assert_tenant_isolated(
        api,
        TenancyCase(
            rows=[secret, theirs_group],
            secrets=["Secretname", "secret@example.com", "+972507777777", "REF-B"],
            list_urls=[
                URL,
                f"{URL}?q=Secretname",
                f"{URL}?q=7777777",
                f"{URL}?email=secret@example.com",
                f"{URL}?phone=0507777777",
                f"{URL}?group={theirs_group.pk}",
            ],
            object_urls=[f"{URL}{secret.pk}/"],
            payload={"first_name": "stolen", "add_to_groups": [theirs_group.pk]},
            not_found=True,
        ),
    )
    # Naming another account's contact or group in a write touches nothing of theirs.
    batch = api.post(f"{URL}batch/", {"contacts": [{"id": secret.pk, "first_name": "stolen"}]}, format="json")
    assert batch.json()["outcomes"][0]["status"] == "rejected"
    joined = api.patch(f"{URL}{mine.pk}/", {"add_to_groups": [theirs_group.pk]}, format="json")
    assert joined.status_code == 400 and "add_to_groups" in _error(joined)["details"]
    refused = api.post(
        f"{URL}batch/", {"contacts": [{"phone": "0501111111"}], "groups": [theirs_group.pk]}, format="json"
    )
    assert refused.status_code == 400
    created = api.post(URL, {"phone": "0507777777", "external_ref": "REF-B"}, format="json")
    assert created.status_code == 201 and created.json()["id"] != secret.pk
    secret.refresh_from_db()
    assert secret.first_name == "Secretname"
    assert set(theirs_group.memberships.values_list("contact_id", flat=True)) == {secret.pk}
    assert not Group.objects.filter(account=account, name="Their group").exists()
