"""IMP-6: contacts export as CSV (UTF-8 with BOM, Hebrew intact) and XLSX, exactly the filtered list."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from contacts.exports import contacts_export_rows, suppressions_export_rows
from contacts.models import Contact, CustomField, Group, GroupMembership, Suppression
from contacts.selectors import contact_list

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def _csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))


def _xlsx(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def people(account):
    CustomField.objects.create(account=account, api_name="city", label="עיר", kind="text")
    CustomField.objects.create(account=account, api_name="shoe", label="Shoe size", kind="number")
    CustomField.objects.create(account=account, api_name="joined", label="Joined", kind="date")
    vip, news = Group.objects.create(account=account, name="VIP"), Group.objects.create(account=account, name="חדשות")
    dana = _contact(
        account,
        [vip, news],
        first_name="דנה",
        last_name="לוי",
        phone="+972501234567",
        email="dana@example.com",
        gender="female",
        birth_date=dt.date(1990, 5, 17),
        external_ref="crm-1",
        custom={"city": "חיפה", "shoe": 38, "joined": "2024-03-05"},
        created_at=dt.datetime(2024, 3, 5, 22, 30, tzinfo=dt.UTC),
    )
    moshe = _contact(account, first_name="Moshe", phone="+972529876543")
    return {"dana": dana, "moshe": moshe, "vip": vip}


HEADER = [
    "ID",
    "First name",
    "Last name",
    "Mobile phone",
    "Email",
    "Gender",
    "Birth date",
    "Additional date",
    "Registration date",
    "External reference",
    "Joined",
    "Shoe size",
    "עיר",
    "Groups",
    "Created",
]


def test_csv_export_has_a_bom_a_header_and_hebrew_intact(owner_client, people):
    response = owner_client.get("/contacts/export.csv", {"q": "dana"})

    rows = _csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="contacts.csv"' == response["Content-Disposition"]
    assert rows[0] == HEADER
    assert rows[1:] == [
        [
            str(people["dana"].pk),
            "דנה",
            "לוי",
            "+972501234567",
            "dana@example.com",
            "Female",
            "1990-05-17",
            "",
            "",
            "crm-1",
            "2024-03-05",
            "38",
            "חיפה",
            "VIP; חדשות",
            "2024-03-06 00:30:00",  # the account's time zone
        ]
    ]


def test_xlsx_export_opens_in_openpyxl_with_typed_cells(owner_client, people):
    response = owner_client.get("/contacts/export.xlsx", {"group": people["vip"].pk})

    rows = _xlsx(response)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert list(rows[0]) == HEADER
    assert len(rows) == 2
    dana = rows[1]
    assert dana[:5] == (people["dana"].pk, "דנה", "לוי", "+972501234567", "dana@example.com")
    assert dana[6] == dt.datetime(1990, 5, 17) and dana[11] == 38 and dana[12] == "חיפה"
    assert dana[13] == "VIP; חדשות" and dana[14] == dt.datetime(2024, 3, 6, 0, 30)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_contain_exactly_the_filtered_rows(owner_client, account, people, fmt):
    for i in range(5):
        _contact(account, first_name=f"Extra{i}", phone=f"+97253000000{i}")

    everyone = owner_client.get(f"/contacts/export.{fmt}")
    filtered = owner_client.get(f"/contacts/export.{fmt}", {"q": "Moshe", "page": 1})

    read = _csv if fmt == "csv" else _xlsx
    assert len(read(everyone)) == 1 + 7
    assert [row[1] for row in read(filtered)[1:]] == ["Moshe"]


def test_a_cell_that_looks_like_a_formula_stays_text(owner_client, account):
    _contact(account, first_name='=HYPERLINK("http://x")', last_name="@SUM(A1)", phone="+972501234567")

    rows = _csv(owner_client.get("/contacts/export.csv"))
    xlsx = _xlsx(owner_client.get("/contacts/export.xlsx"))

    assert rows[1][1:4] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "+972501234567"]
    assert xlsx[1][1] == '=HYPERLINK("http://x")'  # a string cell in the workbook, not a formula


def test_an_unknown_format_is_not_found(owner_client, people):
    assert owner_client.get("/contacts/export.pdf").status_code == 404


def test_export_reads_in_chunks_not_a_query_per_row(account, django_assert_max_num_queries):
    group = Group.objects.create(account=account, name="G")
    for i in range(300):
        _contact(account, [group], first_name=f"P{i}", phone=f"+9725{i:08}")

    with django_assert_max_num_queries(4):
        rows = list(contacts_export_rows(account, contact_list(account=account)))

    assert len(rows) == 301 and all(row[-2] == "G" for row in rows[1:])


def test_export_rows_never_include_another_account(account, other_account):
    _contact(other_account, first_name="Theirs", phone="+972501234567")
    _contact(account, first_name="Mine", phone="+972501234567")
    Suppression.objects.create(account=other_account, channel="sms", point="+972501234567", source="manual")

    rows = list(contacts_export_rows(account, Contact.objects.all()))
    removes = list(suppressions_export_rows(account, Suppression.objects.all()))

    assert [row[1] for row in rows[1:]] == ["Mine"]
    assert removes == [["point", "channel", "date", "reason"]]


def test_the_workbook_is_right_to_left_for_hebrew_screens(client_for, db):
    hebrew = AccountFactory(language="he")
    _contact(hebrew, first_name="דנה", phone="+972501234567")

    response = client_for(hebrew.owner).get("/contacts/export.xlsx")

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.active.sheet_view.rightToLeft
    assert workbook.active["B2"].value == "דנה"


def _exported_file(account, tmp_path, edit=None):
    rows = [
        [str(cell) if cell is not None else "" for cell in row]
        for row in contacts_export_rows(account, contact_list(account=account))
    ]
    if edit:
        edit(rows)
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _import(account, path) -> dict:
    out = io.StringIO()
    call_command("import_contacts", str(path), account=account.slug, json=True, stdout=out)
    return json.loads(out.getvalue())


def test_an_edited_export_reimports_onto_the_same_contacts(account, people, tmp_path):
    def rename_moshe(rows):
        moshe = next(row for row in rows if row[0] == str(people["moshe"].pk))
        moshe[1], moshe[3] = "Moses", "+972529999999"  # a new phone too: the id still finds him

    outcome = _import(account, _exported_file(account, tmp_path, rename_moshe))

    assert (outcome["new"], outcome["updated"], outcome["rejected"]) == (0, 1, 0)
    people["moshe"].refresh_from_db()
    assert (people["moshe"].first_name, people["moshe"].phone) == ("Moses", "+972529999999")
    assert Contact.objects.filter(account=account).count() == 2
    assert Contact.objects.get(pk=people["dana"].pk).external_ref == "crm-1"


def test_another_accounts_export_creates_contacts_instead_of_touching_ids(account, other_account, people, tmp_path):
    outcome = _import(other_account, _exported_file(account, tmp_path))

    assert (outcome["new"], outcome["rejected"]) == (2, 0)
    assert Contact.objects.filter(account=account).count() == 2
    copies = Contact.objects.filter(account=other_account)
    assert sorted(copies.values_list("first_name", flat=True)) == ["Moshe", "דנה"]
    assert not copies.filter(pk__in=[people["dana"].pk, people["moshe"].pk]).exists()
