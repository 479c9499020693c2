"""Read an uploaded file, pasted text or typed contact points into a Table (SPEC IMP-1 step 1, IMP-3).

Everything streams: a file is read a chunk (CSV) or a row (XLSX) at a time, never whole.
"""

import io
from collections.abc import Iterator
from typing import BinaryIO, Literal

from django.utils.translation import gettext_lazy, gettext_noop

from marketing.core.texts import Text

from .csvtext import csv_rows, mixed_lines
from .detect import CHUNK, detect_encoding, file_kind, sniff_delimiter
from .table import CONTACT_POINT_HEADER, FILE_EMPTY, FILE_HEADER_ONLY, ImportFileError, Table, build_table
from .xlsx import count_sheet_rows, read_xlsx

__all__ = [
    "ImportFileError",
    "Table",
    "classify_point",
    "read_pasted",
    "read_table",
    "read_typed_points",
    "rows_estimate",
]

_SAMPLE = 1 << 16


def _unsupported(filename: str) -> ImportFileError:
    return ImportFileError(
        Text(
            gettext_noop("“%(name)s” cannot be read. Upload a CSV file (.csv or .txt) or an Excel workbook (.xlsx)."),
            name=filename,
        ),
        details={"filename": filename},
    )


def _detached_after(rows: Iterator[list[str]], text: io.TextIOWrapper) -> Iterator[list[str]]:
    """The rows; then the text layer lets go of the caller's binary file, which stays open (closing it is theirs)."""
    try:
        yield from rows
    finally:
        if not text.buffer.closed:
            text.detach()


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
    delimiter = sniff_delimiter(_sample(source, encoding.name))
    if encoding.mixed:  # a line at a time: the lines in the other encoding are rejected, with their number
        rows = csv_rows(mixed_lines(source, encoding=encoding.name), delimiter=delimiter)
    else:
        # Plain UTF-8 was checked over the whole file; other encodings replace the odd byte they cannot decode.
        errors = "strict" if encoding.name == "utf-8" else "replace"
        text = io.TextIOWrapper(source, encoding=encoding.name, errors=errors, newline="")
        rows = _detached_after(csv_rows(text, delimiter=delimiter), text)
    try:
        return build_table(
            rows,
            empty=FILE_EMPTY,
            header_only=FILE_HEADER_ONLY,
            encoding=encoding.name,
            delimiter=delimiter,
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
        raise ImportFileError(FILE_EMPTY, details={"filename": filename})
    kind = file_kind(head)
    if kind == "xlsx":
        return read_xlsx(source, filename=filename)
    if kind == "xls":
        raise ImportFileError(
            Text(
                gettext_noop(
                    "“%(name)s” is an old Excel file (.xls). Save it as .xlsx or CSV in Excel and upload it again."
                ),
                name=filename,
            ),
            details={"filename": filename},
        )
    if kind == "binary":
        raise _unsupported(filename)
    return _read_csv(source, filename=filename)


def read_pasted(text: str) -> Table:
    """Rows pasted from a spreadsheet (tabs) or typed with commas or semicolons."""
    text = text.lstrip("\ufeff")
    delimiter = sniff_delimiter(text[:_SAMPLE])
    return build_table(
        csv_rows(io.StringIO(text, newline=""), delimiter=delimiter),
        empty=gettext_lazy("Nothing was pasted."),
        header_only=gettext_lazy("The pasted text has a header row but no contacts under it."),
        delimiter=delimiter,
    )


def read_typed_points(text: str) -> Table:
    """One phone number or email address per line (direct typing); blank lines are skipped."""
    points = [line.strip() for line in text.splitlines()]
    points = [point for point in points if point]
    if not points:
        raise ImportFileError(gettext_lazy("Type at least one phone number or email address, one per line."))
    return Table(headers=[CONTACT_POINT_HEADER], rows=([point] for point in points))


def classify_point(value: str) -> Literal["email", "phone"]:
    """Where a typed contact point goes: anything with an "@" is an email, the rest a phone."""
    return "email" if "@" in value else "phone"


def rows_estimate(source: BinaryIO, table: Table) -> int:
    """About how many data rows `table` (read from `source`) holds, without reading them: what a workbook says it
    holds (else its rows counted in the sheet's XML), or a text file's line breaks. Leaves `source` at offset 0.

    Exact for a CSV file without blank lines or cells on several lines.
    """
    if table.sheet_part is not None:  # a workbook
        return table.size_hint if table.size_hint is not None else count_sheet_rows(source, table)
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=table.encoding, errors="replace", newline="")
    breaks, last = 0, ""
    try:
        while chunk := text.read(CHUNK):
            breaks += chunk.count("\n") or chunk.count("\r")
            last = chunk[-1]
    finally:
        text.detach()
        source.seek(0)
    lines = breaks + (1 if last not in ("", "\r", "\n") else 0)
    return max(lines - (1 if table.header_row else 0), 0)
