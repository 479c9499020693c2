"""SPEC IMP-1 step 1 and IMP-3: uploads in any common encoding and delimiter, XLSX, paste, direct typing."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from contacts.importers import ImportFileError, Table, classify_point, read_pasted, read_table, read_typed_points

ROWS = [
    ["שם פרטי", "שם משפחה", "טלפון", "אימייל"],
    ["דנה", "כהן", "050-1234567", "dana@example.co.il"],
    ["John", "Smith, Jr.", "+972 52 111 2222", "john@example.com"],
    ["אורי", "בר אור", "0531234567", ""],
]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _read(data: bytes, filename: str = "contacts.csv") -> tuple[Table, list[list[str]]]:
    table = read_table(io.BytesIO(data), filename=filename)
    return table, list(table.rows)


# --- CSV: encodings and delimiters ----------------------------------------------------------------

ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-sig": lambda text: text.encode("utf-8-sig"),
    "utf-16": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),  # little-endian, with its BOM
    "cp1255": lambda text: text.encode("cp1255"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_encoding_and_delimiter_reads_the_same_hebrew_and_english_rows(encoding, delimiter):
    table, rows = _read(ENCODINGS[encoding](_csv(ROWS, delimiter)))

    assert table.headers == ROWS[0]
    assert rows == ROWS[1:]
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.header_row


def test_utf16_big_endian_with_its_byte_order_mark():
    table, rows = _read(b"\xfe\xff" + _csv(ROWS, "\t").encode("utf-16-be"))
    assert (table.headers, rows) == (ROWS[0], ROWS[1:])


def test_utf16_without_a_byte_order_mark():
    table, rows = _read(_csv(ROWS, "\t").encode("utf-16-le"))
    assert (table.headers, rows) == (ROWS[0], ROWS[1:])


def test_hebrew_appearing_only_deep_in_a_windows_1255_file_is_still_decoded():
    lines = [["name", "phone"]] + [[f"user{i}", f"05{i:08d}"] for i in range(60_000)] + [["דנה כהן", "0501234567"]]
    _table, rows = _read(_csv(lines).encode("cp1255"))
    assert rows[-1] == ["דנה כהן", "0501234567"]


def test_a_bom_left_inside_the_first_header_is_removed_and_headers_are_trimmed():
    _table, _rows = _read("\ufeff\ufeff  First Name , Phone\nDana,0501234567\n".encode())
    assert _table.headers == ["First Name", "Phone"]


def test_a_broken_byte_in_a_utf8_file_with_a_bom_is_replaced_not_fatal():
    _table, rows = _read("\ufeffname,phone\n".encode() + b"Dan\xffa,0501234567\n")
    assert rows == [["Dan\ufffda", "0501234567"]]


def test_text_that_starts_like_a_binary_signature_is_still_text():
    table, _rows = _read(b"BMI,Phone\n22.5,0501234567\n")
    assert table.headers == ["BMI", "Phone"]


def test_a_single_column_file_reads_with_the_default_delimiter():
    table, rows = _read(b"phone\n0501234567\n0521234567\n")
    assert table.headers == ["phone"]
    assert rows == [["0501234567"], ["0521234567"]]


def test_a_single_column_keeps_the_commas_inside_its_cells():
    table, rows = _read("הערות\nכהן, לוי\n3,000\n".encode())
    assert table.headers == ["הערות"]
    assert rows == [["כהן, לוי"], ["3,000"]]


CELLS = ["דנה", "כהן, לוי", "John Smith", "050-1234567", "+972 52 111 2222", "a@b.co.il", "05/03/1990", "VIP; gold"]
CELLS += ["x|y", "", 'הערה "מצוטטת"', "line\nbreak", "3,000", "a\tb"]
HEADERS = ["שם", "טלפון", "Email", "Birthday", "Group", "Notes", "Amount", "קבוצה", "City"]


@settings(max_examples=200, deadline=None, database=None)
@given(st.data(), st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(list(ENCODINGS)))
def test_any_table_written_with_any_delimiter_and_encoding_reads_back(data, delimiter, encoding):
    headers = data.draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7, unique=True))
    cell = st.sampled_from(CELLS)
    rows = data.draw(st.lists(st.lists(cell, min_size=len(headers), max_size=len(headers)), min_size=1, max_size=6))
    rows = [row for row in rows if any(row)] or [["x"] * len(headers)]

    table, read = _read(ENCODINGS[encoding](_csv([headers, *rows], delimiter)))

    assert (table.headers, read) == (headers, rows)


def test_a_django_upload_is_read_and_left_open():
    upload = SimpleUploadedFile("אנשי קשר.csv", _csv(ROWS).encode("cp1255"))
    table = read_table(upload, filename=upload.name)
    assert list(table.rows) == ROWS[1:]
    assert not upload.closed


# --- CSV: quoting, ragged and empty rows ---------------------------------------------------------


def test_quoted_fields_keep_delimiters_quotes_and_newlines():
    data = 'name;notes;phone\r\n"Cohen; Dana";"line one\nline two, ""quoted""";0501234567\r\n'
    _table, rows = _read(data.encode())
    assert rows == [["Cohen; Dana", 'line one\nline two, "quoted"', "0501234567"]]


def test_short_rows_are_padded_and_extra_cells_get_column_names():
    data = "name,phone,email\nDana\nUri,0501234567,uri@example.com,VIP,2024\nTal,0521234567,,\n"
    table, rows = _read(data.encode())

    assert rows == [
        ["Dana", "", ""],
        ["Uri", "0501234567", "uri@example.com", "VIP", "2024"],
        ["Tal", "0521234567", "", "", ""],
    ]
    assert table.headers == ["name", "phone", "email", "Column 4", "Column 5"]


def test_trailing_empty_cells_beyond_the_headers_add_no_columns():
    table, rows = _read(b"name,phone\nDana,0501234567,,,\n")
    assert rows == [["Dana", "0501234567"]]
    assert table.headers == ["name", "phone"]


def test_fully_empty_lines_are_skipped_wherever_they_are():
    table, rows = _read(b"\r\n\r\nname,phone\r\n\r\nDana,0501234567\r\n,\r\n  ,  \r\n\r\nUri,0521234567\r\n\r\n")
    assert table.headers == ["name", "phone"]
    assert rows == [["Dana", "0501234567"], ["Uri", "0521234567"]]


def test_an_empty_header_cell_gets_a_column_name():
    table, _rows = _read(b"name,,phone\nDana,x,0501234567\n")
    assert table.headers == ["name", "Column 2", "phone"]


def test_a_file_without_a_header_row_keeps_its_first_contact():
    table, rows = _read(b"Dana,0501234567\nUri,uri@example.com\n")
    assert not table.header_row
    assert table.headers == ["Column 1", "Column 2"]
    assert rows == [["Dana", "0501234567"], ["Uri", "uri@example.com"]]


def test_the_callers_file_stays_open_after_reading():
    source = io.BytesIO(_csv(ROWS).encode())
    table = read_table(source, filename="contacts.csv")
    list(table.rows)
    assert not source.closed


def test_the_file_can_be_read_twice_from_the_same_handle():
    source = io.BytesIO(_csv(ROWS).encode("cp1255"))
    first = list(read_table(source, filename="contacts.csv").rows)
    assert list(read_table(source, filename="contacts.csv").rows) == first == ROWS[1:]


# --- Files that are not contact lists ---------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n  \n", b"\xef\xbb\xbf", b",,,\n,,\r\n"])
def test_an_empty_file_says_so(data):
    with pytest.raises(ImportFileError, match="The file is empty."):
        read_table(io.BytesIO(data), filename="contacts.csv")


def test_a_header_only_file_says_it_has_no_contacts():
    with pytest.raises(ImportFileError, match="header row but no contacts"):
        read_table(io.BytesIO("שם,טלפון\r\n\r\n".encode("cp1255")), filename="contacts.csv")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        bytes(range(256)) * 4,
    ],
    ids=["png", "pdf", "random-bytes"],
)
def test_a_binary_file_is_refused_naming_the_accepted_formats(data):
    with pytest.raises(ImportFileError) as error:
        read_table(io.BytesIO(data), filename="photo.csv")
    assert (
        error.value.message
        == "“photo.csv” cannot be read. Upload a CSV file (.csv or .txt) or an Excel workbook (.xlsx)."
    )
    assert error.value.code == "import_file"


def test_an_old_xls_file_is_refused_with_what_to_do():
    with pytest.raises(ImportFileError, match=r"old Excel file \(\.xls\)\. Save it as \.xlsx or CSV"):
        read_table(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512), filename="contacts.xls")


def test_a_zip_that_is_not_a_workbook_is_refused():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="not a readable Excel workbook"):
        read_table(io.BytesIO(data.getvalue()), filename="contacts.xlsx")


# --- XLSX -----------------------------------------------------------------------------------------------


def _xlsx(tmp_path, rows: list[list], *, sheets: int = 1) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "אנשי קשר"
    for row in rows:
        sheet.append(row)
    for index in range(1, sheets):
        workbook.create_sheet(f"Other {index}").append(["ignored"])
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)
    return path.read_bytes()


def test_xlsx_cells_become_the_text_a_person_sees(tmp_path):
    data = _xlsx(
        tmp_path,
        [
            ["שם", "טלפון", "תאריך לידה", "כמות", "מחיר", "פעיל", "נרשם"],
            ["דנה כהן", 972501234567.0, dt.datetime(1990, 3, 5), 7, 12.50, True, dt.datetime(2024, 1, 2, 9, 30)],
            ["Uri", 501234567, dt.date(2001, 12, 31), None, 0.1, False, None],
        ],
        sheets=2,
    )

    table, rows = _read(data, "contacts.xlsx")

    assert table.headers == ["שם", "טלפון", "תאריך לידה", "כמות", "מחיר", "פעיל", "נרשם"]
    assert rows == [
        ["דנה כהן", "972501234567", "1990-03-05", "7", "12.5", "true", "2024-01-02T09:30:00"],
        ["Uri", "501234567", "2001-12-31", "", "0.1", "false", ""],
    ]
    assert (table.sheet, table.encoding, table.delimiter) == ("אנשי קשר", None, None)


def test_xlsx_empty_cells_rows_and_ragged_rows(tmp_path):
    data = _xlsx(
        tmp_path,
        [[None], ["name", None, "phone"], [None, None, None], ["Dana"], ["Uri", "x", "0501234567", "VIP"]],
    )

    table, rows = _read(data, "contacts.xlsx")

    assert rows == [["Dana", "", ""], ["Uri", "x", "0501234567", "VIP"]]
    assert table.headers == ["name", "Column 2", "phone", "Column 4"]


def test_xlsx_is_recognised_by_content_whatever_its_name(tmp_path):
    data = _xlsx(tmp_path, [["email"], ["dana@example.com"]])
    _table, rows = _read(data, "export.csv")
    assert rows == [["dana@example.com"]]


def test_xlsx_errors_for_empty_and_header_only_workbooks(tmp_path):
    with pytest.raises(ImportFileError, match="The file is empty."):
        read_table(io.BytesIO(_xlsx(tmp_path, [])), filename="contacts.xlsx")
    with pytest.raises(ImportFileError, match="header row but no contacts"):
        read_table(io.BytesIO(_xlsx(tmp_path, [["name", "phone"]])), filename="contacts.xlsx")


def test_xlsx_rows_are_streamed_not_loaded(tmp_path):
    data = _xlsx(tmp_path, [["phone"], *([f"05{i:08d}"] for i in range(2000))])
    table = read_table(io.BytesIO(data), filename="contacts.xlsx")
    assert not isinstance(table.rows, list | tuple)
    assert next(table.rows) == ["0500000000"]
    assert sum(1 for _ in table.rows) == 1999


# --- Paste and direct typing ------------------------------------------------------------------------------


def test_paste_from_a_spreadsheet_uses_tabs():
    text = "שם פרטי\tשם משפחה\tטלפון\r\nדנה\tכהן, לוי\t050-1234567\r\nJohn\tSmith\t0521112222\r\n"
    table = read_pasted(text)
    assert table.headers == ["שם פרטי", "שם משפחה", "טלפון"]
    assert list(table.rows) == [["דנה", "כהן, לוי", "050-1234567"], ["John", "Smith", "0521112222"]]
    assert table.delimiter == "\t"


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_typed_rows_with_commas_or_semicolons(delimiter):
    table = read_pasted(f"name{delimiter}email\nDana{delimiter}dana@example.com\n")
    assert list(table.rows) == [["Dana", "dana@example.com"]]


def test_a_pasted_column_of_phones_has_no_header_row():
    table = read_pasted("0501234567\n052-1234567\n")
    assert not table.header_row
    assert list(table.rows) == [["0501234567"], ["052-1234567"]]


def test_pasting_nothing_or_only_headers_says_so():
    with pytest.raises(ImportFileError, match="Nothing was pasted."):
        read_pasted(" \n\t\n")
    with pytest.raises(ImportFileError, match="The pasted text has a header row but no contacts"):
        read_pasted("name\tphone\n")


def test_typed_points_one_per_line():
    table = read_typed_points("  0501234567 \n\n dana@example.com\r\n\t\n+972 52 111 2222")
    assert table.headers == ["contact point"]
    assert list(table.rows) == [["0501234567"], ["dana@example.com"], ["+972 52 111 2222"]]


def test_typing_nothing_says_what_to_type():
    with pytest.raises(ImportFileError, match="Type at least one phone number or email address"):
        read_typed_points("\n  \n")


@pytest.mark.parametrize(
    ("value", "kind"),
    [("dana@example.com", "email"), ("0501234567", "phone"), ("+972 52 111 2222", "phone"), ("a@b", "email")],
)
def test_a_typed_point_goes_to_email_when_it_has_an_at_sign(value, kind):
    assert classify_point(value) == kind
