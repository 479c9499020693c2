"""SPEC IMP-1, IMP-7: hostile spreadsheet files get a clear, specific answer and lose no row.

A zip bomb is refused before it is opened; a quote never closed, a line in another encoding and a cell longer
than its field each reject their own row with the reason, and every other row is imported.
"""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from contacts.importers import BadRow, ImportFileError, read_table
from contacts.imports import import_table, rejected_rows_rendered
from contacts.models import Contact, CustomField, ImportJob
from contacts.upsert import Policy
from contacts.upsert.engine import CHUNK_SIZE
from marketing.core.texts import rendered
from marketing.tokens.services import token_create

from ...factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def api(account):
    client = APIClient()
    token = token_create(account=account, actor=account.owner, name="API").plaintext
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def notes(account):
    return CustomField.objects.create(account=account, api_name="notes", label="Notes", kind="text")


def _wizard_upload(client, content: bytes, name: str):
    return client.post(
        "/contacts/import/", {"source": "file", "file": SimpleUploadedFile(name, content), "consent": "on"}
    )


def _api_upload(api, content: bytes, name: str):
    return api.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile(name, content), "consent": "true"}, format="multipart"
    )


def _import(account, content: bytes, mapping: list, name: str = "contacts.csv"):
    table = read_table(io.BytesIO(content), filename=name)
    return import_table(account=account, table=table, mapping=mapping, policy=Policy())


def _rejected(outcome) -> list[list[str]]:
    """The rejected rows as a reader gets them (reasons rendered in the active language: English here)."""
    return list(rejected_rows_rendered(io.StringIO(outcome.rejected_csv.decode(), newline="")))[1:]


def _names(account) -> set[str]:
    return set(Contact.objects.filter(account=account).values_list("first_name", flat=True))


# --- 1. a workbook that unpacks far beyond its size -----------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _workbook(strings: list[str] | str, *, unique_count: int | None = None, names: tuple = (0, 1)) -> bytes:
    """A minimal valid .xlsx: a sheet of two rows (name, phone) whose names are the shared strings `names`."""
    items = strings if isinstance(strings, str) else "".join(f"<si><t>{text}</t></si>" for text in strings)
    declared = f' uniqueCount="{unique_count}"' if unique_count is not None else ""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPES}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPES}.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>phone</t></is></c>'
        f'</row><row r="2"><c r="A2" t="s"><v>{names[0]}</v></c><c r="B2" t="inlineStr"><is><t>0501234567</t></is>'
        f'</c></row><row r="3"><c r="A3" t="s"><v>{names[1]}</v></c><c r="B3" t="inlineStr"><is><t>0527654321</t>'
        "</is></c></row>"
        "</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}"{declared}>{items}</sst>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """3,000,000 shared strings in about 100 KB: sharedStrings.xml unpacks hundreds of times its packed size."""
    return _workbook("<si><t>a</t></si>" * 3_000_000)


def test_a_shared_strings_bomb_is_refused_before_it_is_opened(bomb):
    with pytest.raises(ImportFileError, match="times its packed size") as refused:
        read_table(io.BytesIO(bomb), filename="bomb.xlsx")

    assert refused.value.details["part"] == "xl/sharedStrings.xml"


def test_a_shared_strings_bomb_uploaded_to_the_wizard_is_refused_with_the_reason(account, owner_client, bomb):
    response = _wizard_upload(owner_client, bomb, "bomb.xlsx")

    assert response.status_code == 200
    assert "“bomb.xlsx” was refused" in response.content.decode()
    assert not ImportJob.objects.filter(account=account).exists()


def test_a_shared_strings_bomb_uploaded_to_the_api_is_refused_with_the_reason(account, api, bomb):
    response = _api_upload(api, bomb, "bomb.xlsx")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_file" and "times its packed size" in error["message"]
    assert not ImportJob.objects.filter(account=account).exists()


def test_a_workbook_that_declares_too_many_shared_strings_is_refused(settings):
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS = 10

    with pytest.raises(ImportFileError, match="more than 10 different texts"):
        read_table(io.BytesIO(_workbook(["Dana", "Ron"], unique_count=11)), filename="many.xlsx")


def test_shared_strings_past_the_limit_stop_the_reading_even_when_not_declared(settings):
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS = 10
    table = read_table(io.BytesIO(_workbook([f"name {i}" for i in range(20)], names=(0, 15))), filename="many.xlsx")

    with pytest.raises(ImportFileError, match="more than 10 different texts"):
        list(table.rows)


def test_a_workbook_that_unpacks_past_the_limit_is_refused_naming_it(settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 2000

    with pytest.raises(ImportFileError, match="more than the 2.0.KB an import may take"):
        read_table(io.BytesIO(_workbook(["Dana", "Ron"])), filename="big.xlsx")


def test_a_part_packed_with_another_method_than_excel_uses_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook(["Dana", "Ron"]))) as source:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as target:
            for name in source.namelist():
                target.writestr(name, source.read(name))

    with pytest.raises(ImportFileError, match="packed in a way Excel never uses"):
        read_table(io.BytesIO(buffer.getvalue()), filename="bzip.xlsx")


def test_a_legitimate_workbook_still_imports(account):
    outcome = _import(account, _workbook(["Dana", "Ron"], unique_count=2), ["first_name", "phone"], "ok.xlsx")

    assert outcome.result.as_dict() == {"read": 2, "new": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert _names(account) == {"Dana", "Ron"}


def _workbook_broken_at_row_300() -> bytes:
    """300 contacts whose last name cell points at a shared string the workbook does not have."""
    workbook = Workbook()
    workbook.active.append(["name", "phone"])
    for i in range(300):
        workbook.active.append([f"name {i}", f"050{i:07d}"])
    buffer, broken = io.BytesIO(), io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                last = b'<c r="A301" t="inlineStr"><is><t>name 299</t></is></c>'
                assert last in data
                data = data.replace(last, b'<c r="A301" t="s"><v>9999</v></c>')
            target.writestr(name, data)
    return broken.getvalue()


def test_the_wizard_previews_a_workbook_without_reading_it_through(account, owner_client):
    """The mapping screen reads the first rows and the stored size only: the broken cell far down the sheet
    is met by the import, not by the screen."""
    _wizard_upload(owner_client, _workbook_broken_at_row_300(), "long.xlsx")
    job = ImportJob.objects.get(account=account)

    page = owner_client.get(f"/contacts/import/{job.pk}/mapping/")

    assert page.status_code == 200
    assert "long.xlsx: 300 rows to import." in page.content.decode()


# --- 2. a quote never closed ----------------------------------------------------------------------------------

UNCLOSED = b'name,phone\n"Dana,0501234567\nRon,0527654321\nAvi,0521111111\n'


def test_a_quote_never_closed_rejects_its_own_line_and_the_next_lines_are_read_as_rows():
    table = read_table(io.BytesIO(UNCLOSED), filename="quote.csv")

    rows = list(table.rows)

    assert rows == [['"Dana', "0501234567"], ["Ron", "0527654321"], ["Avi", "0521111111"]]
    assert isinstance(rows[0], BadRow) and rendered(rows[0].reason).startswith("Line 2: quote never closed")


def test_an_import_with_a_quote_never_closed_reports_that_line_and_imports_the_others(account):
    outcome = _import(account, UNCLOSED, ["first_name", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (2, 1)
    assert _names(account) == {"Ron", "Avi"}
    [rejected] = _rejected(outcome)
    assert rejected[:3] == ["1", '"Dana', "0501234567"] and rejected[-1].startswith("Line 2: quote never closed")


def test_a_quote_opened_on_the_last_line_is_not_merged_into_a_cell(account):
    outcome = _import(account, b'name,phone\nDana,0501234567\nRon,"0527654321', ["first_name", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (1, 1)
    assert _rejected(outcome)[0][-1].startswith("Line 3: quote never closed")


def test_a_quote_closed_lines_later_by_another_cells_quote_merges_nothing(account):
    content = b'name,phone,city\n"Dana,0501234567,Haifa\nRon,0527654321,"Tel Aviv"\nAvi,0521111111,Eilat\n'

    outcome = _import(account, content, ["first_name", "phone", None])

    assert (outcome.result.new, outcome.result.rejected) == (2, 1)
    assert Contact.objects.get(account=account, phone="+972527654321").first_name == "Ron"


def test_a_cell_on_several_lines_that_closes_stays_one_cell():
    table = read_table(io.BytesIO(b'name,phone,note\nDana,0501234567,"line one\nline two"\n'), filename="n.csv")

    assert list(table.rows) == [["Dana", "0501234567", "line one\nline two"]]


def test_a_quote_never_closed_in_a_later_chunk_is_rejected_in_the_reading_process(account):
    size = CHUNK_SIZE + 500  # the rows past the first chunk are read and cleaned by the forked reading process
    lines = [b"name,phone"] + [f"p{i},050{i:07d}".encode() for i in range(size)]
    lines.insert(CHUNK_SIZE + 100, b'"Dana,0599999999')

    outcome = _import(account, b"\n".join(lines) + b"\n", ["first_name", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (size, 1)
    [rejected] = _rejected(outcome)
    assert rejected[-1].startswith(f"Line {CHUNK_SIZE + 101}: quote never closed")


def test_the_wizard_preview_shows_the_rows_after_a_quote_never_closed(account, owner_client):
    _wizard_upload(owner_client, UNCLOSED, "quote.csv")
    job = ImportJob.objects.get(account=account)

    page = owner_client.get(f"/contacts/import/{job.pk}/mapping/").content.decode()

    assert '<div dir="auto">0527654321</div>' in page and '<div dir="auto">Ron</div>' in page


def test_pasted_rows_with_a_quote_never_closed_are_refused_with_the_line(account, owner_client):
    pasted = 'name\tphone\n"Dana\t0501234567\nRon\t0527654321\n'

    response = owner_client.post("/contacts/import/", {"source": "paste", "pasted": pasted, "consent": "on"})

    assert response.status_code == 200 and "Line 2: quote never closed" in response.content.decode()
    assert not ImportJob.objects.filter(account=account).exists()


# --- 3. lines in two encodings --------------------------------------------------------------------------------


def test_a_utf8_file_with_a_windows_1255_line_rejects_that_line_and_reads_the_rest_right(account):
    content = "שם,טלפון\nדנה,0501234567\n".encode() + "רון,0527654321\n".encode("cp1255") + "אבי,0521111111\n".encode()

    outcome = _import(account, content, ["first_name", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (2, 1)
    assert _names(account) == {"דנה", "אבי"}
    [rejected] = _rejected(outcome)
    assert rejected[1] == "רון"  # shown as it was meant, for the person to fix
    assert rejected[-1] == "Line 3: not valid UTF-8 — the file mixes encodings; save it as UTF-8."


def test_a_windows_1255_file_with_a_utf8_line_rejects_that_line_and_reads_the_rest_right(account):
    content = (
        "שם,טלפון\nדנה,0501234567\n".encode("cp1255")
        + "רון,0527654321\n".encode()
        + "אבי,0521111111\nנועה,0531111111\n".encode("cp1255")
    )

    outcome = _import(account, content, ["first_name", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (3, 1)
    assert _names(account) == {"דנה", "אבי", "נועה"}
    assert _rejected(outcome)[0][-1].startswith("Line 3: written in UTF-8 while the rest of the file is in Windows")


def test_a_file_all_in_windows_1255_is_still_read_as_windows_1255():
    table = read_table(io.BytesIO("שם,טלפון\nדנה,0501234567\nרון,0527654321\n".encode("cp1255")), filename="he.csv")

    rows = list(table.rows)

    assert table.encoding == "cp1255" and rows == [["דנה", "0501234567"], ["רון", "0527654321"]]
    assert not any(isinstance(row, BadRow) for row in rows)


# --- 4. a cell longer than its field --------------------------------------------------------------------------

LONG_NAME, LONG_NOTE = "א" * 101, "n" * 1001


def _long_rows() -> list[list[str]]:
    return [
        ["first name", "phone", "notes"],
        [LONG_NAME, "0501234567", "fine"],
        ["Ron", "0527654321", LONG_NOTE],
        ["Avi", "0521111111", "n" * 1000],
    ]


def _as_xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize(("convert", "name"), [(_as_csv, "long.csv"), (_as_xlsx, "long.xlsx")])
def test_a_cell_longer_than_its_field_rejects_its_row_with_the_reason(account, notes, convert, name):
    outcome = _import(account, convert(_long_rows()), ["first_name", "phone", "custom:notes"], name)

    assert (outcome.result.new, outcome.result.rejected) == (1, 2)
    assert Contact.objects.get(account=account).custom == {"notes": "n" * 1000}
    reasons = [row[-1] for row in _rejected(outcome)]
    assert reasons == ["First name: at most 100 characters.", "Notes: at most 1000 characters."]


def test_the_api_refuses_the_same_values_with_the_same_reasons(account, api, notes):
    long_name = api.post("/api/v1/contacts/", {"phone": "0501234567", "first_name": LONG_NAME}, format="json")
    long_note = api.post("/api/v1/contacts/", {"phone": "0527654321", "custom": {"notes": LONG_NOTE}}, format="json")

    assert long_name.status_code == long_note.status_code == 400
    assert long_name.json()["error"]["message"] == "First name: at most 100 characters."
    assert long_note.json()["error"]["message"] == "Notes: at most 1000 characters."
    assert not Contact.objects.filter(account=account).exists()


def test_a_batch_over_the_api_rejects_the_long_item_with_the_same_reason(account, api):
    body = {"contacts": [{"phone": "0501234567", "first_name": LONG_NAME}, {"phone": "0527654321"}]}

    response = api.post("/api/v1/contacts/batch/", body, format="json")

    outcomes = response.json()["outcomes"]
    assert [o["status"] for o in outcomes] == ["rejected", "new"]
    assert outcomes[0]["reason"] == "First name: at most 100 characters."


def test_a_full_name_whose_last_name_is_too_long_is_rejected_not_a_failed_import(account):
    content = _as_csv([["full name", "phone"], ["Dana " + "ל" * 101, "0501234567"], ["Ron Levi", "0527654321"]])

    outcome = _import(account, content, ["full_name", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (1, 1)
    assert _rejected(outcome)[0][-1] == "Last name: at most 100 characters."


def test_an_external_reference_too_long_is_rejected_not_cut_short(account):
    content = _as_csv([["ref", "phone"], ["r" * 101, "0501234567"], ["r" * 100, "0527654321"]])

    outcome = _import(account, content, ["external_ref", "phone"])

    assert (outcome.result.new, outcome.result.rejected) == (1, 1)
    assert _rejected(outcome)[0][-1] == "External reference: at most 100 characters."
