"""API-4: hostile request bodies get clean answers in the error shape — JSON nested without end, bodies over
the size limit, NUL characters — and the API keeps its contract: the schema's PATCH is the behaviour's, and
files made for a caller speak the caller's language (SPEC API-4, UX-3)."""

import csv
import io
import json
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from contacts import services
from contacts.models import Contact, CustomField, Group, ImportJob
from contacts.serializers import MAX_BATCH, MAX_CUSTOM_TEXT
from marketing.core.parsers import MAX_JSON_DEPTH

DEEP = "[" * 100_000  # far deeper than Python's decoder can follow
NESTED_PAST_THE_BOUND = "[" * 500 + "]" * 500  # valid JSON Python reads, deeper than the API takes
LEGACY_URL = "/api/Contact/Update"
CSV = "First name,Phone\r\nDana,050-1234567\r\nAvi,not a phone\r\n"


@pytest.fixture
def api(account, api_for):
    return api_for(account)


def _parse_error(response) -> dict:
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "parse_error" and error["message"]
    return error


def _upload(content: str = CSV, name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def _import(api, headers: dict | None = None, **fields):
    fields.setdefault("file", _upload())
    fields.setdefault("consent", "true")
    return api.post("/api/v1/imports/", fields, format="multipart", **(headers or {}))


# --- JSON nested without end --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/contacts/", "/api/v1/contacts/batch/", LEGACY_URL])
def test_a_body_nested_100000_levels_deep_is_a_parse_error(api, url):
    response = api.post(url, DEEP, content_type="application/json")

    _parse_error(response)
    assert not Contact.objects.exists()


def test_a_legacy_body_nested_100000_levels_deep_without_credentials_is_a_parse_error(db):
    response = APIClient().post(LEGACY_URL, DEEP, content_type="application/json")

    _parse_error(response)


def test_a_legacy_json_parameter_nested_100000_levels_deep_is_a_parse_error(db):
    response = APIClient().post(f"{LEGACY_URL}?json={quote(DEEP)}")

    _parse_error(response)
    assert not Contact.objects.exists()


def test_an_import_mapping_nested_100000_levels_deep_is_a_parse_error(api):
    response = _import(api, mapping=DEEP)

    _parse_error(response)
    assert not ImportJob.objects.exists()


def test_json_nested_past_the_bound_is_refused_even_when_python_could_read_it(api):
    body = json.dumps({"phone": "0501234567", "custom": {"Text1": "x"}})[:-1] + f', "extra": {NESTED_PAST_THE_BOUND}}}'

    error = _parse_error(api.post("/api/v1/contacts/", body, content_type="application/json"))

    assert str(MAX_JSON_DEPTH) in error["message"]
    assert not Contact.objects.exists()


# --- numbers no contact can hold ----------------------------------------------------------------------


def test_an_imported_number_too_big_for_the_decimal_context_rejects_only_its_row(
    api, account, django_capture_on_commit_callbacks
):
    CustomField.objects.create(account=account, api_name="shoe", label="Shoe size", kind=CustomField.Kind.NUMBER)
    file = _upload("Phone,Shoe size\r\n050-1234567,1e2000000\r\n052-7654321,42\r\n")

    with django_capture_on_commit_callbacks(execute=True):
        job = _import(api, file=file, mapping=json.dumps({"Shoe size": "custom:shoe"})).json()

    done = api.get(f"/api/v1/imports/{job['id']}/").json()
    assert done["status"] == "done"
    assert (done["counts"]["new"], done["counts"]["rejected"]) == (1, 1)


# --- bodies over the limit ----------------------------------------------------------------------------


def _batch(contacts: list[dict]) -> str:
    return json.dumps({"contacts": contacts})  # ensure_ascii: Hebrew travels as \uXXXX, six bytes a letter


def test_a_body_over_the_limit_is_a_413_naming_the_limit(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = _batch([{"phone": "0501234567", "first_name": "ש" * 100, "last_name": "ל" * 100}] * 1000)
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = api.post("/api/v1/contacts/batch/", body, content_type="application/json")

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert error["message"] == "The request body is larger than 1.0 MB."
    assert not Contact.objects.exists()


def test_a_legacy_body_over_the_limit_is_a_413_before_the_credentials_are_read(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"User": {"Username": "x", "Token": "y"}, "Data": {"Contacts": [{"FirstName": "ש" * 500}]}})

    response = APIClient().post(LEGACY_URL, body, content_type="application/json")

    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_an_import_form_field_over_the_limit_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = _import(api, group_name="ש" * 2000)

    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"
    assert not ImportJob.objects.exists()


def test_the_schema_documents_the_413_of_every_operation_that_takes_a_body(client, db):
    document = client.get("/api/schema/?format=json").json()

    for path, operations in document["paths"].items():
        for method in {"post", "put", "patch"} & set(operations):
            assert "413" in operations[method]["responses"], (method, path)


def test_an_import_file_larger_than_the_body_limit_is_still_taken(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    rows = "".join(f"Dana {i},050{i:07d}\r\n" for i in range(200))

    response = _import(api, file=_upload("First name,Phone\r\n" + rows))

    assert response.status_code == 202 and response.json()["counts"]["total"] == 200


def _longest_contact(index: int) -> dict:
    """A valid contact with every free text at its longest, in Hebrew, and 20 long custom texts."""
    return {
        "first_name": "ש" * 100,
        "last_name": "ל" * 100,
        "phone": f"052{1_000_000 + index}",
        "email": f"{'a' * 60}{index:04d}@{'b' * 60}.example.co.il",
        "gender": "female",
        "birth_date": "1980-07-23",
        "additional_date": "2020-01-31",
        "registration_date": "2024-02-29",
        "external_ref": f"{index:04d}" + "ר" * 96,
        "custom": {f"Text{slot}": "ם" * MAX_CUSTOM_TEXT for slot in range(1, 21)},
    }


def test_the_largest_documented_batch_fits_under_the_limit(api):
    body = _batch([_longest_contact(i) for i in range(MAX_BATCH)])
    assert len(body) > 100 * 1024 * 1024  # every Hebrew letter escaped: six bytes each

    response = api.post("/api/v1/contacts/batch/", body, content_type="application/json")

    assert response.status_code == 200
    result = response.json()
    assert (result["read"], result["new"], result["rejected"]) == (MAX_BATCH, MAX_BATCH, 0)
    assert Contact.objects.get(phone="+972521000007").custom["Text20"] == "ם" * MAX_CUSTOM_TEXT


# --- NUL characters -----------------------------------------------------------------------------------


def test_a_nul_character_in_a_text_field_is_refused_by_the_api(api, account):
    response = api.post("/api/v1/groups/", {"name": "Lea\x00ds"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["details"]["name"] == ["Null characters are not allowed."]
    assert not Group.objects.filter(account=account).exists()


# --- PATCH as the schema says -------------------------------------------------------------------------


def test_patching_a_group_with_nothing_changes_nothing(api, account):
    group = services.group_create(account=account, actor=None, name="Leads")

    response = api.patch(f"/api/v1/groups/{group.pk}/", {}, format="json")

    assert response.status_code == 200 and response.json()["name"] == "Leads"
    group.refresh_from_db()
    assert group.name == "Leads"


def test_patching_a_group_still_renames_it(api, account):
    group = services.group_create(account=account, actor=None, name="Leads")

    response = api.patch(f"/api/v1/groups/{group.pk}/", {"name": "Customers"}, format="json")

    assert response.status_code == 200 and response.json()["name"] == "Customers"


def test_patching_a_contact_with_nothing_changes_nothing(api, account):
    contact = Contact.objects.create(account=account, phone="+972501234567", first_name="Dana")

    response = api.patch(f"/api/v1/contacts/{contact.pk}/", {}, format="json")

    assert response.status_code == 200 and response.json()["first_name"] == "Dana"


def test_the_schema_marks_every_patch_field_optional(client, db):
    document = client.get("/api/schema/?format=json").json()

    for path, operations in document["paths"].items():
        if "patch" not in operations:
            continue
        for content in operations["patch"]["requestBody"]["content"].values():
            name = content["schema"]["$ref"].rsplit("/", 1)[-1]
            assert not document["components"]["schemas"][name].get("required"), (path, name)


# --- files in the caller's language -------------------------------------------------------------------


def _rejected_rows(api, django_capture_on_commit_callbacks, *, imported_in: str, read_in: str | None):
    with django_capture_on_commit_callbacks(execute=True):
        job = _import(api, headers={"HTTP_ACCEPT_LANGUAGE": imported_in}).json()
    headers = {"HTTP_ACCEPT_LANGUAGE": read_in} if read_in else {}
    response = api.get(f"/api/v1/imports/{job['id']}/rejected/", **headers)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_the_rejected_rows_of_an_api_import_are_in_english_unless_asked(api, django_capture_on_commit_callbacks):
    """UX-1: the reasons follow the language of the call that reads them, not of the one that started the import."""
    rows = _rejected_rows(api, django_capture_on_commit_callbacks, imported_in="he", read_in=None)

    assert rows[0] == ["row", "First name", "Phone", "reason"]
    assert rows[1][:3] == ["2", "Avi", "not a phone"] and "phone number" in rows[1][-1]


def test_the_rejected_rows_of_an_api_import_are_in_hebrew_when_asked(api, django_capture_on_commit_callbacks):
    rows = _rejected_rows(api, django_capture_on_commit_callbacks, imported_in="en", read_in="he")

    assert rows[0] == ["שורה", "First name", "Phone", "סיבה"]
    assert rows[1][:3] == ["2", "Avi", "not a phone"]
    assert any("\u05d0" <= letter <= "\u05ea" for letter in rows[1][-1])
