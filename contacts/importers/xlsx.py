"""Excel workbooks (.xlsx), streamed a row at a time by openpyxl's read-only mode."""

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .table import FILE_EMPTY, FILE_HEADER_ONLY, ImportFileError, Table, build_table

_UNREADABLE = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, ParseError)


def cell_text(value: Any) -> str:
    """A cell value as the text a person sees: 972501234567.0 -> "972501234567", a date -> "2024-03-05"."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is dt.datetime:
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _texts(rows: Iterator[tuple]) -> Iterator[list[str]]:
    for row in rows:
        cells = [value if type(value) is str else cell_text(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
        yield cells


def _stream(workbook, first: tuple, rows: Iterator[tuple], unreadable: str) -> Iterator[list[str]]:
    try:
        yield from _texts(iter((first,)))
        yield from _texts(rows)
    except _UNREADABLE as exc:
        raise ImportFileError(unreadable) from exc
    finally:
        workbook.close()


def read_xlsx(source: BinaryIO, *, filename: str) -> Table:
    """The first sheet that holds anything, as a Table (values, not formulas)."""
    unreadable = _(
        "“%(name)s” is not a readable Excel workbook. Upload a CSV file (.csv or .txt) or an .xlsx workbook."
    )
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise ImportFileError(unreadable % {"name": filename}, details={"filename": filename}) from exc
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # stored dimensions can claim 16,384 columns; read the real cells
            rows = sheet.iter_rows(values_only=True)
            first = next((row for row in rows if any(v is not None and v != "" for v in row)), None)
            if first is not None:
                break
        else:
            workbook.close()
            raise ImportFileError(str(FILE_EMPTY), details={"filename": filename})
    except _UNREADABLE as exc:
        workbook.close()
        raise ImportFileError(unreadable % {"name": filename}, details={"filename": filename}) from exc
    stream = _stream(workbook, first, rows, unreadable % {"name": filename})
    try:
        return build_table(
            stream,
            empty=str(FILE_EMPTY),
            header_only=str(FILE_HEADER_ONLY),
            sheet=sheet.title,
        )
    except ImportFileError:
        stream.close()
        raise
