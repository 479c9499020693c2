"""API-1, IMP-1, IMP-4, IMP-7: an import over REST — upload, background job, counts, rejected rows."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts import services
from contacts.models import Contact, Group, ImportJob

from ..tenancy import TenancyCase, assert_tenant_isolated

URL = "/api/v1/imports/"
CSV = (
    "First name,Last name,Phone,Email,Notes\r\n"
    "Dana,Levi,050-1234567,dana@example.com,likes shoes\r\n"
    "Avi,Cohen,not a phone,,\r\n"
    "Noa,,052-7654321,NOA@example.com,\r\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api(account, api_for):
    return api_for(account)


def _upload(content: str | bytes = CSV, name: str = "leads.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _post(api, **fields):
    fields.setdefault("file", _upload())
    fields.setdefault("consent", "true")
    return api.post(URL, fields, format="multipart")


def test_an_upload_runs_in_the_background_and_reports_counts_and_rejected_rows(
    account, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(api, mapping=json.dumps({"Notes": None}), group_name="Leads")

    assert response.status_code == 202 and callbacks  # queued after commit, run here
    created = response.json()
    assert created["status"] == "pending" and created["counts"]["total"] == 3
    assert created["mapping"] == [
        {"column": "First name", "field": "first_name"},
        {"column": "Last name", "field": "last_name"},
        {"column": "Phone", "field": "phone"},
        {"column": "Email", "field": "email"},
        {"column": "Notes", "field": None},
    ]

    done = api.get(f"{URL}{created['id']}/").json()

    assert done["status"] == "done"
    assert done["counts"] == {"read": 3, "new": 2, "updated": 0, "unchanged": 0, "rejected": 1, "total": 3}
    assert done["rejected_url"].endswith(f"/api/v1/imports/{created['id']}/rejected/")
    group = Group.objects.get(account=account, name="Leads")
    assert done["group"] == group.pk
    assert set(Contact.objects.filter(account=account).values_list("phone", "email")) == {
        ("+972501234567", "dana@example.com"),
        ("+972527654321", "noa@example.com"),
    }
    assert group.memberships.count() == 2

    rejected = api.get(done["rejected_url"], HTTP_ACCEPT="text/csv")

    assert rejected.status_code == 200 and rejected["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8"))))
    assert rows[0][0] == "row" and rows[0][-1] == "reason"
    assert rows[1][:3] == ["2", "Avi", "Cohen"] and "phone number" in rows[1][-1]


def test_reimporting_the_same_file_changes_nothing(account, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(api, ignore_unmapped="true")
    with django_capture_on_commit_callbacks(execute=True):
        again = _post(api, ignore_unmapped="true").json()

    counts = api.get(f"{URL}{again['id']}/").json()["counts"]
    assert (counts["new"], counts["updated"], counts["unchanged"], counts["rejected"]) == (0, 0, 2, 1)


def test_policies_and_an_existing_group(account, api, django_capture_on_commit_callbacks):
    group = services.group_create(account=account, actor=None, name="Existing")
    Contact.objects.create(account=account, phone="+972501234567", first_name="Old")

    with django_capture_on_commit_callbacks(execute=True):
        job = _post(api, ignore_unmapped="true", add_new="false", group=str(group.pk)).json()

    counts = api.get(f"{URL}{job['id']}/").json()["counts"]
    assert (counts["new"], counts["updated"], counts["rejected"]) == (0, 1, 2)
    assert job["options"] == {"add_new": False, "update_existing": True, "avoid_losing_data": False}
    assert list(group.memberships.values_list("contact__first_name", flat=True)) == ["Dana"]


def test_a_file_with_no_rejections_has_no_rejected_download(account, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _post(api, file=_upload("phone\n0501234567\n")).json()

    done = api.get(f"{URL}{job['id']}/").json()
    assert done["counts"]["new"] == 1 and done["rejected_url"] is None
    response = api.get(f"{URL}{job['id']}/rejected/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_consent_is_required(account, api):
    missing = api.post(URL, {"file": _upload()}, format="multipart")
    refused = _post(api, consent="false", ignore_unmapped="true")

    assert missing.status_code == 400 and "consent" in missing.json()["error"]["details"]
    assert refused.status_code == 400 and "anti-spam" in str(refused.json()["error"]["details"]["consent"])
    assert not ImportJob.objects.exists()


def test_every_column_must_be_mapped_or_ignored(account, api):
    response = _post(api)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unmapped_columns" and error["details"]["unmapped"] == ["Notes"]
    assert error["details"]["suggested"]["Phone"] == "phone"
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"mapping": "not json"}, "mapping"),
        ({"mapping": json.dumps({"Missing column": "phone"})}, "mapping"),
        ({"mapping": json.dumps(["phone"])}, "mapping"),
        ({"group": "999999", "ignore_unmapped": "true"}, "group"),
        ({"group": "1", "group_name": "x", "ignore_unmapped": "true"}, "group_name"),
    ],
)
def test_invalid_choices_answer_400_naming_the_field(account, api, fields, problem):
    response = _post(api, **fields)

    assert response.status_code == 400 and problem in response.json()["error"]["details"]
    assert not ImportJob.objects.exists()


def test_a_mapping_without_a_contact_point_or_to_an_unknown_field_is_refused(api):
    no_point = _post(api, mapping=json.dumps({"Phone": None, "Email": None, "Notes": None}))
    unknown = _post(api, mapping=json.dumps({"Notes": "favourite_colour"}))

    assert no_point.status_code == 400 and "phone or the email" in no_point.json()["error"]["message"]
    assert unknown.status_code == 400 and "unknown field" in unknown.json()["error"]["message"]


@pytest.mark.parametrize(("content", "name"), [(b"\x00\x01\x02\x03" * 50, "x.csv"), (b"phone\n", "header-only.csv")])
def test_an_unreadable_file_is_refused_with_the_reason(api, content, name):
    response = _post(api, file=_upload(content, name))

    assert response.status_code == 400 and response.json()["error"]["code"] == "import_file"
    assert response.json()["error"]["message"]


def test_an_empty_file_is_refused(api):
    response = _post(api, file=_upload(b"", "empty.csv"))

    assert response.status_code == 400 and "file" in response.json()["error"]["details"]


def test_the_list_shows_the_accounts_imports(account, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _post(api, ignore_unmapped="true").json()

    listing = api.get(URL).json()

    assert [j["id"] for j in listing["results"]] == [job["id"]]


def test_another_accounts_imports_are_never_shown_or_changed(
    account, other_account, api, api_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = _post(api_for(other_account), file=_upload(CSV, "secret-file.csv"), ignore_unmapped="true").json()
    job = ImportJob.objects.get(pk=theirs["id"])
    assert job.account == other_account and job.rejected_file

    assert_tenant_isolated(
        api,
        TenancyCase(
            rows=[job],
            secrets=["secret-file", "Avi", "Cohen"],
            list_urls=[URL],
            object_urls=[f"{URL}{job.pk}/", f"{URL}{job.pk}/rejected/"],
            payload={"consent": "true"},
            not_found=True,
        ),
    )
