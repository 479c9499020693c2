"""API-1, API-4: the API does what its schema says — JSON types are kept, page sizes and filters are checked,
names taken answer 409, and the legacy credential parameter is an authentication matter."""

import json
from urllib.parse import quote

import pytest

from contacts import services
from contacts.models import Contact, CustomField, Group


@pytest.fixture
def api(account, api_for):
    return api_for(account)


def _error(response) -> dict:
    return response.json()["error"]


def test_a_number_where_a_name_belongs_is_refused_not_stored_as_text(account, api):
    response = api.post("/api/v1/groups/", {"name": 42}, format="json")

    assert response.status_code == 400
    assert _error(response)["details"] == {"name": ["Must be text."]}
    assert not Group.objects.filter(account=account).exists()


def test_a_string_where_a_flag_belongs_is_refused(account, api):
    response = api.post(
        "/api/v1/contacts/batch/", {"contacts": [{"phone": "0501234567"}], "handle_events": "no"}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["details"] == {"handle_events": ["Must be true or false."]}
    assert not Contact.objects.filter(account=account).exists()


def test_a_batch_item_of_the_wrong_type_is_rejected_with_its_reason_and_the_others_saved(account, api):
    response = api.post(
        "/api/v1/contacts/batch/",
        {"contacts": [{"phone": "0501234567", "first_name": ["Dana"]}, {"phone": "0527654321"}]},
        format="json",
    )

    outcomes = response.json()["outcomes"]
    assert response.status_code == 200
    assert outcomes[0]["status"] == "rejected" and outcomes[0]["reason"] == "first_name: Must be text."
    assert outcomes[1]["status"] == "new"
    assert Contact.objects.filter(account=account).count() == 1


def test_form_bodies_keep_their_text_values(account, api, tmp_path):
    """Multipart carries every value as text: "true" is still a flag there."""
    upload = tmp_path / "people.csv"
    upload.write_text("phone\n0501234567\n")
    with upload.open("rb") as handle:
        response = api.post("/api/v1/imports/", {"file": handle, "consent": "true"}, format="multipart")

    assert response.status_code in (201, 202)


@pytest.mark.parametrize("size", ["0", "1001", "abc", "-1", "9" * 5000])
def test_a_page_size_out_of_range_is_refused_not_replaced(api, size):
    response = api.get(f"/api/v1/contacts/?page_size={size}")

    assert response.status_code == 400
    assert "page_size" in _error(response)["details"]


def test_a_page_size_in_range_is_used(account, api):
    for phone in ("0501111111", "0502222222", "0503333333"):
        Contact.objects.create(account=account, phone=phone)

    response = api.get("/api/v1/contacts/?page_size=2")

    assert response.status_code == 200 and len(response.json()["results"]) == 2


@pytest.mark.parametrize("url", ["/api/v1/contacts/?created_before=", "/api/v1/suppressions/?created_after="])
def test_an_empty_date_filter_is_refused_rather_than_answered_with_everything(api, url):
    response = api.get(url)

    assert response.status_code == 400


def test_an_empty_text_search_still_lists_everything(account, api):
    Contact.objects.create(account=account, phone="0501111111")

    response = api.get("/api/v1/contacts/?q=")

    assert response.status_code == 200 and response.json()["count"] == 1


def test_a_taken_name_is_a_conflict(account, api):
    services.group_create(account=account, actor=None, name="VIP")
    CustomField.objects.create(account=account, api_name="shoe_size", label="Shoe size", kind="number")

    group = api.post("/api/v1/groups/", {"name": "VIP"}, format="json")
    field = api.post(
        "/api/v1/custom-fields/", {"label": "Size", "api_name": "shoe_size", "kind": "number"}, format="json"
    )

    assert (group.status_code, _error(group)["code"]) == (409, "conflict")
    assert (field.status_code, _error(field)["code"]) == (409, "conflict")


def test_an_api_name_the_schema_forbids_is_refused_and_the_schema_says_so(client, db, api):
    schema = client.get("/api/schema/?format=json").json()
    api_name = schema["components"]["schemas"]["CustomFieldInputRequest"]["properties"]["api_name"]

    response = api.post("/api/v1/custom-fields/", {"label": "Zero", "api_name": "0abc", "kind": "text"}, format="json")

    assert api_name["pattern"].startswith("^[A-Za-z]")
    assert response.status_code == 400


def test_a_legacy_json_parameter_that_is_not_json_is_unauthenticated(account):
    from rest_framework.test import APIClient

    response = APIClient().post("/api/Contact/Update?json=not-json", {}, format="json")

    assert response.status_code == 401


def test_with_a_bearer_token_an_unreadable_json_parameter_is_a_parse_error(account, api):
    response = api.post("/api/Contact/Update?json=" + quote("{not json"), {}, format="json")

    assert response.status_code == 400 and _error(response)["code"] == "parse_error"


def test_the_legacy_endpoint_still_takes_text_flags_and_numbers_as_its_schema_says(account, api, client):
    document = {
        "Data": {
            "AddNewContacts": "true",
            "Contacts": [{"PhoneNumber": 501234567, "FirstName": "Dana", "HandleEvents": 1, "Date2": None}],
        }
    }
    schema = client.get("/api/schema/?format=json").json()
    contact_schema = schema["components"]["schemas"]["LegacyContactRequest"]["properties"]

    response = api.post("/api/Contact/Update", json.dumps(document), content_type="application/json")

    assert response.status_code == 200 and response.json()["Data"]["New"] == 1
    assert {"type": "number"} in contact_schema["PhoneNumber"]["oneOf"]
    assert contact_schema["Date2"]["nullable"] is True


def test_a_misspelt_filter_is_refused_rather_than_answered_with_everything(account, api):
    Contact.objects.create(account=account, phone="0501111111")

    response = api.get("/api/v1/contacts/?creted_after=2030-01-01")

    assert response.status_code == 400
    assert _error(response)["details"] == {"creted_after": ["Unknown parameter."]}


def test_the_schema_says_text_never_holds_a_null_character(client, db, api):
    schema = client.get("/api/schema/?format=json").json()
    group_name = schema["components"]["schemas"]["GroupNameInputRequest"]["properties"]["name"]

    response = api.post("/api/v1/groups/", {"name": "VIP\x00"}, format="json")

    assert group_name["pattern"] == "^[^\\u0000]*$"
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["", "abc", "0", "last"])
def test_a_page_number_that_is_not_one_is_refused(api, page):
    response = api.get(f"/api/v1/contacts/?page={page}")

    assert response.status_code == 400
    assert "page" in _error(response)["details"]


@pytest.mark.parametrize("page", ["2", "13347561572827", "9" * 40])
def test_a_page_past_the_last_is_not_found(api, page):
    response = api.get(f"/api/v1/contacts/?page={page}")

    assert response.status_code == 404


def test_a_legacy_json_parameter_with_nan_is_refused_as_in_a_body(account, api):
    document = '{"Data": {"Contacts": [{"PhoneNumber": "0501234567", "FirstName": NaN}]}}'

    response = api.post("/api/Contact/Update?json=" + quote(document), {}, format="json")

    assert response.status_code == 400
    assert not Contact.objects.filter(account=account).exists()


def test_a_screen_refuses_a_form_body_far_larger_than_any_form(client, db, settings):
    settings.SCREEN_DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = client.post(
        "/login/", "username=demo&password=" + "x" * 2048, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert "1.0 KB" in response.content.decode()


def test_the_api_still_takes_bodies_past_the_screen_limit(account, api, settings):
    settings.SCREEN_DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = api.post("/api/v1/groups/", {"name": "VIP", "padding": None} | {"name": "V" * 150}, format="json")

    assert response.status_code == 201
