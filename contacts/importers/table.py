"""The shape every reader returns, and the row clean-up they share (SPEC IMP-1 step 1)."""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy, gettext_noop

from marketing.core.errors import ApplicationError
from marketing.core.texts import Text

FILE_EMPTY = gettext_lazy("The file is empty.")
FILE_HEADER_ONLY = gettext_lazy("The file has a header row but no contacts under it.")


class ImportFileError(ApplicationError):
    code = "import_file"


class BadRow(list):
    """The cells of a line that could not be read as a row, and why (a stored text, `marketing.core.texts`): it is
    rejected with the reason, never imported.

    A plain row is a `list`; readers yield this subclass for a line they could not trust (a quote never closed, a
    line in another text encoding), so the lines after it are still read.
    """

    __slots__ = ("reason",)

    def __init__(self, cells: Iterable[str], reason: str):
        super().__init__(cells)
        self.reason = reason


@dataclass
class Table:
    """Headers and a one-pass stream of rows, each a list of strings as long as `headers`.

    A row longer than the header row appends "Column N" names to `headers` (the same list object)
    before it is yielded, so rows read earlier may be shorter than the final headers: read missing
    trailing cells as "".
    """

    headers: list[str]
    rows: Iterator[list[str]]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: bool = True  # False when the first line already held a contact, not column names
    size_hint: int | None = None  # the data rows a workbook says it holds (its stored dimension), when it says
    sheet_part: str | None = None  # a workbook's part the sheet is read from
    source_rows: Iterator[list[str]] | None = field(default=None, repr=False)  # the reader's own, under `rows`

    def close(self) -> None:
        """Stop reading: release the file (the caller's own file stays open)."""
        for rows in (self.rows, self.source_rows):
            close = getattr(rows, "close", None)
            if close is not None:
                close()


_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-().\u200e\u200f]{7,}")


def column_name(index: int) -> str:
    """The name of an unnamed column, 0-based `index` -> "Column 1": the same in every language, since the API's
    mapping names columns by it; screens show `header_label`."""
    return f"Column {index + 1}"


CONTACT_POINT_HEADER = "contact point"  # the one column of typed phone numbers and emails
_COLUMN_NAME = re.compile(r"Column ([1-9][0-9]{0,5})")


def header_text(header: str):
    """A header as a person reads it, to show now (str()) or to store (`marketing.core.texts`): the names given to
    unnamed columns ("Column 3") in the reader's language, a file's own headers as they are."""
    if header == CONTACT_POINT_HEADER:
        return Text(gettext_noop("Phone number or email"))
    match = _COLUMN_NAME.fullmatch(header)
    if match:
        return Text(gettext_noop("Column %(number)s"), number=match.group(1))
    return header


def header_label(header: str) -> str:
    """`header_text` in the active language."""
    return str(header_text(header))


def _is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _looks_like_contact(cell: str) -> bool:
    cell = cell.strip()
    if _EMAIL_LIKE.fullmatch(cell):
        return True
    return _PHONE_LIKE.fullmatch(cell) is not None and sum(ch.isdigit() for ch in cell) >= 7


def build_table(rows: Iterable[list[str]], *, empty, header_only, **meta) -> Table:
    """Take the header row (or see that there is none), check there is data, stream the rest.

    `empty` and `header_only` are the messages for a source without rows and one without data rows.
    """
    rows = iter(rows)
    first = next((row for row in rows if not _is_blank(row)), None)
    if first is None:
        raise ImportFileError(empty)
    if isinstance(first, BadRow) and not any(_looks_like_contact(cell) for cell in first):
        raise ImportFileError(Text.loaded(first.reason))  # the header row itself cannot be read
    while first and not first[-1].strip():
        first.pop()
    if any(_looks_like_contact(cell) for cell in first):
        headers = [column_name(i) for i in range(len(first))]
        pending = [first]
        meta["header_row"] = False
    else:
        headers = [cell.replace("\ufeff", "").strip() or column_name(i) for i, cell in enumerate(first)]
        second = next((row for row in rows if not _is_blank(row)), None)
        if second is None:
            raise ImportFileError(header_only)
        pending = [second]
    return Table(headers=headers, rows=_shaped(pending, rows, headers), source_rows=rows, **meta)


def _shaped(pending: list[list[str]], rows: Iterator[list[str]], headers: list[str]) -> Iterator[list[str]]:
    """Skip blank rows, pad short ones, name the extra cells of long ones (the hot loop: keep it lean)."""
    width = len(headers)
    for source in (pending, rows):
        for row in source:
            if not (row and row[0].strip()) and _is_blank(row):
                continue
            size = len(row)
            if size != width:
                if size < width:
                    row.extend([""] * (width - size))
                else:
                    while size > width and not row[-1].strip():
                        row.pop()
                        size -= 1
                    if size > width:
                        headers.extend(column_name(i) for i in range(width, size))
                        width = size
            yield row
