"""Export contacts, a group, or suppressions as CSV and XLSX (SPEC IMP-6, UNS-2).

`*_export_rows` yield the header row first, then one list of values per row, reading the database a
chunk at a time (never a query per row). The responders turn rows into a download: CSV is streamed
as it is produced (UTF-8 with a BOM, so Excel shows Hebrew), XLSX is written by openpyxl's write-only
workbook to a temporary file.
"""

import csv
import datetime as dt
import re
import tempfile
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from marketing.accounts.models import Account
from marketing.core.texts import rendered

from . import schema
from .models import Contact, CustomField, GroupMembership, Suppression

__all__ = [
    "CHUNK_SIZE",
    "FORMATS",
    "contacts_export_rows",
    "csv_response",
    "export_response",
    "group_names_by_contact",
    "suppressions_export_rows",
    "xlsx_response",
]

CHUNK_SIZE = 2000
FORMATS = ("csv", "xlsx")
GROUP_SEPARATOR = "; "  # what the import wizard splits a "groups" cell on
SUPPRESSION_HEADER = ["point", "channel", "date", "reason"]  # removes.csv: fixed names other systems read

_NUMBER_LIKE = re.compile(r"[+-]?[\d\s().,-]*\d[\d\s().,-]*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def group_names_by_contact(*, account: Account, contact_ids: Iterable[int]) -> dict[int, list[str]]:
    """{contact id: names of its groups, sorted}, in one query for all the given contacts."""
    names: dict[int, list[str]] = defaultdict(list)
    memberships = (
        GroupMembership.objects.filter(account=account, contact_id__in=list(contact_ids))
        .order_by("group__name")
        .values_list("contact_id", "group__name")
    )
    for contact_id, name in memberships:
        names[contact_id].append(name)
    return names


def _local(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """A naive date-time on the account's clock (spreadsheets know no time zones)."""
    return timezone.localtime(value, tz).replace(tzinfo=None, microsecond=0) if value else None


def _custom_value(field: CustomField, value):
    if value in (None, ""):
        return None
    if field.kind == CustomField.Kind.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _built_in_value(contact: Contact, column: str, labels: dict | None):
    value = getattr(contact, column)
    return labels.get(value, value) if labels else value


def _chunked(queryset: QuerySet, size: int) -> Iterator[list]:
    batch = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def contacts_export_rows(account: Account, queryset: QuerySet[Contact]) -> Iterator[list]:
    """The header, then one row per contact of `queryset` (already filtered to `account` by its selector)."""
    fields = list(CustomField.objects.filter(account=account).order_by("is_legacy_slot", "label", "id"))
    tz = zoneinfo.ZoneInfo(account.time_zone)
    built_in = schema.on_screen(schema.exportable())
    # Translated now, while the request's language is active; the rows are produced later, while streaming.
    # A choice is written as people read it ("Female", "נקבה").
    readers = [(f.column, {v: str(label) for v, label in f.choices.choices} if f.choices else None) for f in built_in]
    header = [
        _("ID"),
        *(str(f.label) for f in built_in),
        *(f.label for f in fields),
        _("Groups"),
        _("Created"),
    ]
    queryset = queryset.filter(account=account)

    def rows() -> Iterator[list]:
        yield header
        for batch in _chunked(queryset, CHUNK_SIZE):
            groups = group_names_by_contact(account=account, contact_ids=[c.pk for c in batch])
            for c in batch:
                custom = c.custom or {}
                yield [
                    c.pk,
                    *(_built_in_value(c, column, labels) for column, labels in readers),
                    *(_custom_value(f, custom.get(f.api_name)) for f in fields),
                    GROUP_SEPARATOR.join(groups.get(c.pk, ())),
                    _local(c.created_at, tz),
                ]

    return rows()


def suppressions_export_rows(account: Account, queryset: QuerySet[Suppression]) -> Iterator[list]:
    """removes.csv: point, channel, date (account time zone), reason (a stored reason in the language active now)."""
    tz = zoneinfo.ZoneInfo(account.time_zone)
    queryset = queryset.filter(account=account)
    language = translation.get_language() or settings.LANGUAGE_CODE  # a streamed download is read after the view

    def rows() -> Iterator[list]:
        yield list(SUPPRESSION_HEADER)
        with translation.override(language):
            for batch in _chunked(queryset.values_list("point", "channel", "created_at", "reason"), CHUNK_SIZE):
                for point, channel, created_at, reason in batch:
                    yield [point, channel, _local(created_at, tz), rendered(reason)]

    return rows()


# --- responders ---------------------------------------------------------------------------------------


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # A cell starting like a formula runs as one in Excel; phone numbers (+972…) and numbers stay as they are.
    if text.startswith(_FORMULA_START) and not _NUMBER_LIKE.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download, UTF-8 with a byte-order mark so Excel reads Hebrew right."""
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([_csv_text(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text that looks like a formula stays text
            return cell
    return value


def xlsx_response(rows: Iterable[list], *, filename: str, sheet_title: str, rtl: bool = False) -> FileResponse:
    """An Excel workbook of `rows` (the first one bold), right-to-left when the screen is."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", sheet_title)[:31] or "Sheet1")
    sheet.sheet_view.rightToLeft = rtl
    bold = Font(bold=True)
    rows = iter(rows)
    header = next(rows, [])
    for index in range(len(header)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 18
    head_cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.font = bold
        cell.data_type = "s"
        head_cells.append(cell)
    sheet.append(head_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    response = FileResponse(
        output,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    return response


def export_response(fmt: str, rows: Iterable[list], *, basename: str, sheet_title: str, rtl: bool = False):
    """`fmt` is "csv" or "xlsx" (anything else is a 404)."""
    if fmt == "csv":
        return csv_response(rows, filename=f"{basename}.csv")
    if fmt == "xlsx":
        return xlsx_response(rows, filename=f"{basename}.xlsx", sheet_title=sheet_title, rtl=rtl)
    raise Http404(_("Unknown export format."))
