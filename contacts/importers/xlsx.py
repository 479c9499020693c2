"""Excel workbooks (.xlsx), streamed a row at a time by openpyxl's read-only mode.

Before openpyxl opens a workbook, `workbook_limits` refuses one that unpacks far beyond its size. openpyxl reads
every shared string (the workbook's table of texts) as it opens a workbook; here they are read as the cells
reached so far need them, so showing the first rows of a large workbook reads only the first texts.
"""

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext_noop
from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from marketing.core import texts

from .table import FILE_EMPTY, FILE_HEADER_ONLY, ImportFileError, Table, build_table
from .workbook_limits import too_many_strings, workbook_check

_UNREADABLE = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OSError,
    EOFError,
    ParseError,
)
_STRING = f"{{{SHEET_MAIN_NS}}}si"
_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_CELLS = f"{{{SHEET_MAIN_NS}}}sheetData"
_UNIQUE_COUNT = re.compile(r"\d{1,20}")


class SharedStrings:
    """A workbook's shared strings, read from its part as far as the cells asked for so far need.

    The count the part declares (uniqueCount) is checked before any is read, and the strings read are counted:
    past IMPORT_XLSX_MAX_SHARED_STRINGS the workbook is refused.
    """

    def __init__(self, archive: zipfile.ZipFile, path: str, filename: str):
        self.filename = filename
        self.limit = settings.IMPORT_XLSX_MAX_SHARED_STRINGS
        self.strings: list[str] = []
        self.source = archive.open(path)
        self.events = iterparse(self.source, events=("start", "end"))
        try:
            opened = next(self.events, None)  # <sst uniqueCount="…">
        except BaseException:
            self.close()
            raise
        if opened is None:  # an empty part: no strings
            self.close()
            return
        self.root = opened[1]
        declared = self.root.get("uniqueCount") or ""
        if _UNIQUE_COUNT.fullmatch(declared) and int(declared) > self.limit:
            self.close()
            raise too_many_strings(filename)

    def __getitem__(self, index: int) -> str:
        strings = self.strings
        if index >= len(strings) and self.events is not None:
            self._read_to(index)
        return strings[index]

    def _read_to(self, index: int) -> None:
        strings, root = self.strings, self.root
        for event, node in self.events:
            if event != "end" or node.tag != _STRING:
                continue
            strings.append(Text.from_tree(node).content.replace("x005F_", ""))  # as openpyxl reads them
            root.clear()  # the strings read so far are kept as text, not as parsed elements too
            if len(strings) > self.limit:
                self.close()
                raise too_many_strings(self.filename)
            if len(strings) > index:
                return
        self.close()

    def close(self) -> None:
        self.events = None
        self.source.close()


class _Sheet(ReadOnlyWorksheet):
    def _get_size(self):
        """The stored dimension, looked for before the cells only. (openpyxl looks for it until the cells end:
        through the whole sheet when there is none, as in the workbooks openpyxl itself writes.)"""
        with self._get_source() as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == _DIMENSION:
                    try:
                        self._min_column, self._min_row, self._max_column, self._max_row = range_boundaries(
                            element.get("ref") or ""
                        )
                    except (ValueError, TypeError):
                        pass  # a dimension that makes no sense: the size is unknown
                    return
                if element.tag == _CELLS:
                    return


class _WorkbookReader(ExcelReader):
    """openpyxl's read-only reader with the shared strings read on demand (`SharedStrings`) and each sheet's
    stored size looked for where it is (`_Sheet`)."""

    def __init__(self, source: BinaryIO, filename: str):
        super().__init__(source, read_only=True, data_only=True, keep_links=False)
        self.filename = filename

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            self.shared_strings = SharedStrings(self.archive, part.PartName[1:], self.filename)

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _open_workbook(source: BinaryIO, *, filename: str):
    reader = _WorkbookReader(source, filename)
    try:
        reader.read()
    except BaseException:
        _close_strings(reader.shared_strings)
        reader.archive.close()
        raise
    workbook = reader.wb
    workbook._import_strings = reader.shared_strings  # closed with the workbook (`_close`)
    return workbook


def _close_strings(strings) -> None:
    if isinstance(strings, SharedStrings):
        strings.close()


def _close(workbook) -> None:
    _close_strings(getattr(workbook, "_import_strings", None))
    workbook.close()


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


def _stream(workbook, first: tuple, rows: Iterator[tuple], unreadable: texts.Text) -> Iterator[list[str]]:
    try:
        yield from _texts(iter((first,)))
        yield from _texts(rows)
    except _UNREADABLE as exc:
        raise ImportFileError(unreadable) from exc
    finally:
        _close(workbook)


def read_xlsx(source: BinaryIO, *, filename: str) -> Table:
    """The first sheet that holds anything, as a Table (values, not formulas)."""
    unreadable = texts.Text(
        gettext_noop(
            "“%(name)s” is not a readable Excel workbook. Upload a CSV file (.csv or .txt) or an .xlsx workbook."
        ),
        name=filename,
    )
    workbook_check(source, filename=filename)
    try:
        workbook = _open_workbook(source, filename=filename)
    except _UNREADABLE as exc:
        raise ImportFileError(unreadable, details={"filename": filename}) from exc
    try:
        for sheet in workbook.worksheets:
            stored_rows = sheet.max_row  # the stored dimension: a hint of the size, not trusted for reading
            sheet.reset_dimensions()  # stored dimensions can claim 16,384 columns; read the real cells
            rows = sheet.iter_rows(values_only=True)
            first = next((row for row in rows if any(v is not None and v != "" for v in row)), None)
            if first is not None:
                break
        else:
            raise ImportFileError(FILE_EMPTY, details={"filename": filename})
    except _UNREADABLE as exc:
        _close(workbook)
        raise ImportFileError(unreadable, details={"filename": filename}) from exc
    except ImportFileError:
        _close(workbook)
        raise
    stream = _stream(workbook, first, rows, unreadable)
    try:
        table = build_table(
            stream,
            empty=FILE_EMPTY,
            header_only=FILE_HEADER_ONLY,
            sheet=sheet.title,
        )
    except ImportFileError:
        stream.close()
        raise
    table.sheet_part = sheet._worksheet_path
    if isinstance(stored_rows, int) and stored_rows > 0:
        table.size_hint = max(stored_rows - (1 if table.header_row else 0), 0)
    return table


def count_sheet_rows(source: BinaryIO, table: Table) -> int:
    """The data rows of a workbook's sheet that does not state its size, counted in its XML without parsing it.
    Leaves `source` at offset 0."""
    source.seek(0)
    rows, tail = 0, b""
    try:
        with zipfile.ZipFile(source) as archive, archive.open(table.sheet_part) as part:
            while chunk := part.read(1 << 20):
                text = tail + chunk
                rows += text.count(b"<row ") + text.count(b"<row>")
                tail = text[-4:]  # shorter than what is counted: nothing is counted twice
    finally:
        source.seek(0)
    return max(rows - (1 if table.header_row else 0), 0)
