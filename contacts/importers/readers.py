"""Read an uploaded file, pasted text or typed contact points into a Table (SPEC IMP-1 step 1, IMP-3).

Everything streams: a file is read a chunk (CSV) or a row (XLSX) at a time, never whole.
"""

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO, Literal

from django.utils.translation import gettext as _

from .detect import detect_encoding, file_kind, sniff_delimiter
from .table import FILE_EMPTY, FILE_HEADER_ONLY, ImportFileError, Table, build_table
from .xlsx import read_xlsx

__all__ = ["ImportFileError", "Table", "classify_point", "read_pasted", "read_table", "read_typed_points"]

_SAMPLE = 1 << 16


def _unsupported(filename: str) -> ImportFileError:
    return ImportFileError(
        _("“%(name)s” cannot be read. Upload a CSV file (.csv or .txt) or an Excel workbook (.xlsx).")
        % {"name": filename},
        details={"filename": filename},
    )


def _csv_rows(reader: Iterator[list[str]], text: io.TextIOBase, *, close: bool) -> Iterator[list[str]]:
    """Rows from csv.reader; a broken line becomes an ImportFileError. `close` detaches the caller's file."""
    try:
        yield from reader
    except csv.Error as exc:
        message = _("Line %(line)s cannot be read: %(reason)s") % {"line": reader.line_num, "reason": exc}
        raise ImportFileError(message) from exc
    finally:
        if close and not text.buffer.closed:
            text.detach()  # leave the caller's binary file open; closing it is theirs to do


def _sample(source: BinaryIO, encoding: str) -> str:
    """The first whole lines of the file, decoded, for the delimiter sniffer."""
    wrapper = io.TextIOWrapper(source, encoding=encoding, errors="replace", newline="")
    try:
        sample = wrapper.read(_SAMPLE)
        complete = len(sample) < _SAMPLE
    finally:
        wrapper.detach()
        source.seek(0)
    if not complete and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    return sample.lstrip("\ufeff")


def _read_csv(source: BinaryIO, *, filename: str) -> Table:
    encoding = detect_encoding(source)
    if encoding is None:
        raise _unsupported(filename)
    delimiter = sniff_delimiter(_sample(source, encoding))
    # Plain UTF-8 was checked over the whole file; other encodings replace the odd byte they cannot decode.
    errors = "strict" if encoding == "utf-8" else "replace"
    text = io.TextIOWrapper(source, encoding=encoding, errors=errors, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    rows = _csv_rows(reader, text, close=True)
    try:
        return build_table(
            rows, empty=str(FILE_EMPTY), header_only=str(FILE_HEADER_ONLY), encoding=encoding, delimiter=delimiter
        )
    except ImportFileError:
        rows.close()
        raise


def read_table(source: BinaryIO, *, filename: str) -> Table:
    """Read a seekable binary file: CSV in any common encoding and delimiter, or an XLSX workbook.

    The content decides, not the name: a workbook renamed .csv is still read as a workbook.
    """
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if not head:
        raise ImportFileError(str(FILE_EMPTY), details={"filename": filename})
    kind = file_kind(head)
    if kind == "xlsx":
        return read_xlsx(source, filename=filename)
    if kind == "xls":
        raise ImportFileError(
            _("“%(name)s” is an old Excel file (.xls). Save it as .xlsx or CSV in Excel and upload it again.")
            % {"name": filename},
            details={"filename": filename},
        )
    if kind == "binary":
        raise _unsupported(filename)
    return _read_csv(source, filename=filename)


def read_pasted(text: str) -> Table:
    """Rows pasted from a spreadsheet (tabs) or typed with commas or semicolons."""
    text = text.lstrip("\ufeff")
    delimiter = sniff_delimiter(text[:_SAMPLE])
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    return build_table(
        _csv_rows(reader, stream, close=False),
        empty=_("Nothing was pasted."),
        header_only=_("The pasted text has a header row but no contacts under it."),
        delimiter=delimiter,
    )


def read_typed_points(text: str) -> Table:
    """One phone number or email address per line (direct typing); blank lines are skipped."""
    points = [line.strip() for line in text.splitlines()]
    points = [point for point in points if point]
    if not points:
        raise ImportFileError(_("Type at least one phone number or email address, one per line."))
    return Table(headers=["contact point"], rows=([point] for point in points))


def classify_point(value: str) -> Literal["email", "phone"]:
    """Where a typed contact point goes: anything with an "@" is an email, the rest a phone."""
    return "email" if "@" in value else "phone"
