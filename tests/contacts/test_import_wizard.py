"""IMP-1…7 through the wizard and `manage.py import_contacts`."""

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from contacts.models import Contact, Group, ImportJob, Suppression
from contacts.services import suppressions_add

from ..tenancy import TenancyCase, assert_tenant_isolated

HEBREW_CSV = (
    "שם פרטי,שם משפחה,טלפון נייד,אימייל,הערות\n"
    "דנה,לוי,050-1234567,dana@example.com,לקוחה ותיקה\n"
    "נועם,כהן,0527654321,NOAM@example.com,\n"
    "שגוי,מספר,12-34,,\n"
)


@pytest.fixture
def account(db):
    from ..factories import AccountFactory

    return AccountFactory(name="Account A", slug="account-a", language="en")


def _upload(client, content: bytes, name="contacts.csv", consent=True):
    data = {"source": "file", "file": SimpleUploadedFile(name, content)}
    if consent:
        data["consent"] = "on"
    return client.post("/contacts/import/", data)


def _job(account) -> ImportJob:
    return ImportJob.objects.filter(account=account).latest("id")


def _map_all(client, job, values: list[str], **options):
    data = {f"column_{i}": value for i, value in enumerate(values)}
    data.update({"add_new": "on", "update_existing": "on", **options})
    return client.post(f"/contacts/import/{job.pk}/mapping/", data)


def test_the_whole_wizard_imports_and_reports(account, owner_client, django_capture_on_commit_callbacks):
    response = _upload(owner_client, HEBREW_CSV.encode("cp1255"))
    job = _job(account)
    assert response["Location"] == f"/contacts/import/{job.pk}/mapping/"

    page = owner_client.get(response["Location"]).content.decode()
    assert re.search(r'<option value="first_name" selected>', page)
    assert page.count("table-warning") == 1  # only "הערות" is left to decide

    response = _map_all(owner_client, job, ["first_name", "last_name", "phone", "email", "__ignore__"])
    assert response["Location"] == f"/contacts/import/{job.pk}/group/"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/contacts/import/{job.pk}/group/", {"group_choice": "new", "name": "Leads"})
    assert response["Location"] == f"/contacts/import/{job.pk}/"

    job.refresh_from_db()
    assert (job.status, job.rows_read, job.rows_new, job.rows_rejected, job.rows_total) == ("done", 3, 2, 1, 3)
    summary = owner_client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert 'data-count="new">2<' in summary and "rejected.csv" in summary
    dana = Contact.objects.get(account=account, phone="+972501234567")
    assert (dana.first_name, dana.email) == ("דנה", "dana@example.com")
    assert set(Group.objects.get(account=account, name="Leads").memberships.values_list("contact_id", flat=True)) == {
        dana.pk,
        Contact.objects.get(account=account, email="noam@example.com").pk,
    }
    rejected = b"".join(owner_client.get(f"/contacts/import/{job.pk}/rejected.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(rejected)))
    assert rows[1][1:4] == ["שגוי", "מספר", "12-34"] and "short" in rows[1][-1]


def test_consent_is_mandatory(account, owner_client):
    response = _upload(owner_client, HEBREW_CSV.encode(), consent=False)

    assert response.status_code == 200 and "Confirm the consent" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unreadable_file_is_refused_with_the_reason(account, owner_client):
    response = _upload(owner_client, b"\x89PNG\r\n\x1a\n" + bytes(64), name="photo.png")

    assert response.status_code == 200 and "cannot be read" in response.content.decode()


def _row_of(page: str, index: int) -> str:
    """The mapping table's row of one column, as HTML."""
    start = page.index(f'data-column="{index}"')
    return page[start : page.index("</tr>", start)]


def test_every_column_must_be_mapped_or_ignored(account, owner_client):
    _upload(owner_client, HEBREW_CSV.encode())
    job = _job(account)

    response = _map_all(owner_client, job, ["first_name", "last_name", "phone", "email", ""])

    page = response.content.decode()
    assert response.status_code == 200 and "הערות" in _row_of(page, 4)
    assert "Choose a field for this column, or “ignore”." in _row_of(page, 4)
    assert "1 field needs a fix: see the message next to it." in page
    assert not ImportJob.objects.get(pk=job.pk).mapping


def test_every_refused_column_is_told_next_to_it_all_at_once(account, owner_client):
    _upload(owner_client, HEBREW_CSV.encode())
    job = _job(account)

    response = _map_all(owner_client, job, ["first_name", "first_name", "", "__ignore__", "__ignore__"])

    page = response.content.decode()
    for index in (0, 1):
        row = _row_of(page, index)
        assert 'class="form-select is-invalid"' in row and f'aria-describedby="id_column_{index}_error"' in row
        assert f'<div class="invalid-feedback d-block" id="id_column_{index}_error"><div>' in row
        assert "Another column is also mapped to First name." in row
    assert "Choose a field for this column, or “ignore”." in _row_of(page, 2)
    assert "is-invalid" not in _row_of(page, 3) + _row_of(page, 4)
    top = page[page.index("<main") : page.index('<form method="post" novalidate>')]
    assert "Map at least one column to the mobile phone or the email." in top
    assert "3 fields need a fix: see the messages next to them." in top
    assert not ImportJob.objects.get(pk=job.pk).mapping


def test_the_mapping_errors_read_in_hebrew(account, owner_client, settings):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"
    _upload(owner_client, b"phone,group,group 2,group 3,group 4\n0501234567,A,B,C,D\n")
    job = _job(account)

    page = _map_all(owner_client, job, ["phone", "group", "group", "group", "group"]).content.decode()

    assert '<html lang="he" dir="rtl">' in page
    for index in (1, 2, 3, 4):
        assert "בקובץ יכולות להיות עד שלוש עמודות קבוצה." in _row_of(page, index), index
    assert "is-invalid" not in _row_of(page, 0)
    assert "A file can have up to three group columns." not in page


def test_group_columns_skip_the_group_step(account, owner_client, django_capture_on_commit_callbacks):
    content = b"phone,group,group 2\n0501234567,VIP,Newsletter\n0527654321,VIP,\n"
    _upload(owner_client, content)
    job = _job(account)

    with django_capture_on_commit_callbacks(execute=True):
        response = _map_all(owner_client, job, ["phone", "group", "group"])

    assert response["Location"] == f"/contacts/import/{job.pk}/"
    assert Group.objects.get(account=account, name="VIP").memberships.count() == 2
    assert Group.objects.get(account=account, name="Newsletter").memberships.count() == 1


def test_paste_and_typed_points(account, owner_client, django_capture_on_commit_callbacks):
    owner_client.post(
        "/contacts/import/", {"source": "typed", "typed": "050-1234567\nsomeone@example.com\n\n", "consent": "on"}
    )
    job = _job(account)
    with django_capture_on_commit_callbacks(execute=True):
        _map_all(owner_client, job, ["phone"])
        owner_client.post(f"/contacts/import/{job.pk}/group/", {"group_choice": "none"})

    job.refresh_from_db()
    assert (job.rows_new, job.rows_rejected) == (1, 1)  # an email in the phone column is rejected with its reason
    owner_client.post(
        "/contacts/import/", {"source": "paste", "pasted": "First name\tEmail\nDana\tdana@example.com", "consent": "on"}
    )
    assert _job(account).filename == "paste.csv"


def test_the_mapping_is_remembered_for_the_same_headers(account, owner_client):
    _upload(owner_client, b"Col A,Col B\n0501234567,Dana\n")
    _map_all(owner_client, _job(account), ["phone", "first_name"])

    _upload(owner_client, b"Col B,Col A\nNoa,0527654321\n")
    page = owner_client.get(f"/contacts/import/{_job(account).pk}/mapping/").content.decode()

    selected = re.findall(r'<option value="([^"]+)" selected>', page)
    assert selected == ["first_name", "phone"]


def test_a_column_ignored_last_time_comes_back_ignored(account, owner_client):
    _upload(owner_client, b"Phone,Notes\n0501234567,VIP\n")
    _map_all(owner_client, _job(account), ["phone", "__ignore__"])

    _upload(owner_client, b"Phone,Notes\n0527654321,new\n")
    page = owner_client.get(f"/contacts/import/{_job(account).pk}/mapping/").content.decode()

    assert re.findall(r'<option value="([^"]+)" selected>', page) == ["phone", "__ignore__"]
    assert "table-warning" not in page  # nothing is left to decide


def test_the_sample_file_is_downloadable(account, owner_client):
    response = owner_client.get("/contacts/import/sample.csv")

    assert response.content.startswith("\ufeff".encode()) and "טלפון נייד" in response.content.decode()


def test_reimporting_the_same_file_changes_nothing_more(account, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(HEBREW_CSV.encode())
    out = io.StringIO()
    call_command("import_contacts", str(path), account=account.slug, json=True, stdout=out)
    first = json.loads(out.getvalue())
    out = io.StringIO()
    call_command("import_contacts", str(path), account=account.slug, json=True, stdout=out)
    second = json.loads(out.getvalue())

    assert {k: first[k] for k in ("read", "new", "updated", "unchanged", "rejected")} == {
        "read": 3,
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert (second["new"], second["updated"], second["unchanged"], second["rejected"]) == (0, 0, 2, 1)
    assert set(first) == {"read", "new", "updated", "unchanged", "rejected", "seconds"}


def test_a_suppressed_email_stays_suppressed_after_a_reimport(account, tmp_path):
    suppressions_add(account=account, points=["dana@example.com"], reason="asked", source="manual")
    path = tmp_path / "c.csv"
    path.write_bytes(HEBREW_CSV.encode())

    call_command("import_contacts", str(path), account=account.slug, group="Again", json=True, stdout=io.StringIO())

    assert Suppression.objects.filter(account=account, point="dana@example.com", channel="email").exists()
    assert Contact.objects.filter(account=account, email="dana@example.com").exists()


def test_import_command_options(account, tmp_path):
    Contact.objects.create(account=account, phone="+972501234567", first_name="Old", last_name="Name")
    path = tmp_path / "c.csv"
    path.write_bytes(b"Phone,First,Last\n0501234567,New,\n0529999999,X,Y\n")
    mapping = json.dumps({"Phone": "phone", "First": "first_name", "Last": "last_name"})

    out = io.StringIO()
    call_command(
        "import_contacts",
        str(path),
        account=account.slug,
        mapping=mapping,
        avoid_losing_data=True,
        json=True,
        stdout=out,
    )

    assert json.loads(out.getvalue())["new"] == 1
    contact = Contact.objects.get(account=account, phone="+972501234567")
    assert (contact.first_name, contact.last_name) == ("New", "Name")


def test_another_accounts_imports_are_out_of_reach(account, other_account, client_for):
    job = ImportJob.objects.create(account=account, filename="secret-file-of-a.csv", status="done", rows_rejected=1)
    client = client_for(other_account.owner)

    assert_tenant_isolated(
        client,
        TenancyCase(
            rows=[job],
            secrets=["secret-file-of-a.csv"],
            list_urls=["/contacts/import/history/"],
            object_urls=[
                f"/contacts/import/{job.pk}/",
                f"/contacts/import/{job.pk}/mapping/",
                f"/contacts/import/{job.pk}/group/",
                f"/contacts/import/{job.pk}/rejected.csv",
                f"/contacts/import/{job.pk}/cancel/",
            ],
            payload={"group_choice": "none", "column_0": "phone"},
            not_found=True,
        ),
    )


def test_a_group_with_a_four_digit_id_is_offered_and_chosen_by_its_plain_id(
    account, owner_client, django_capture_on_commit_callbacks
):
    group = Group.objects.create(account=account, pk=1234, name="Big")
    _upload(owner_client, b"phone\n0501234567\n")
    job = _job(account)
    _map_all(owner_client, job, ["phone"])

    page = owner_client.get(f"/contacts/import/{job.pk}/group/").content.decode()
    detail = owner_client.get(f"/contacts/groups/{group.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/contacts/import/{job.pk}/group/", {"group_choice": "existing", "group": "1234"})

    assert '<option value="1234">Big (0)</option>' in page and "1,234" not in page
    assert 'href="/contacts/?group=1234"' in detail and "1,234" not in detail
    job.refresh_from_db()
    assert job.group == group and group.memberships.count() == 1
