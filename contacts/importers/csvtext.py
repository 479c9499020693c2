"""CSV text to rows, a line the reader cannot trust rejected with the reason instead of merged or misread (IMP-7).

Python's csv module reads a quote that is never closed as a cell that swallows every line after it, into the
end of the file. Here each record is checked as it comes: one that spans several lines must have closed every
quoted cell as CSV requires (the file does not end inside it, a closing quote is followed by a delimiter or the
line's end). When it has not, the line where that quote opened is rejected — "Line N: quote never closed" — and
the lines after it are read again as rows of their own. Multi-line cells that do close stay one cell.

A file whose lines mix two encodings (`detect.TextEncoding.mixed`) is decoded a line at a time; a line in the
other encoding is rejected with a reason naming its line. Rows of the rejected lines are `table.BadRow`s.
"""

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.utils.translation import gettext_noop

from marketing.core.texts import Text, stored

from .detect import binary_lines
from .table import BadRow, ImportFileError

_END = ""  # put after the lines of a record when the text ended inside it (no line of a file is empty)


class NotUtf8Line(str):
    """A line of a mostly UTF-8 file that is not UTF-8 (decoded as Windows-1255 to show it)."""


class Utf8Line(str):
    """A line of a mostly Windows-1255 file that is UTF-8."""


def mixed_lines(source: BinaryIO, *, encoding: str) -> Iterator[str]:
    """The lines of a file of mixed encodings, each decoded as what it is; those not in `encoding` are marked."""
    source.seek(0)
    for line in binary_lines(source):
        if line.isascii():
            yield line.decode("ascii")
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("cp1255", errors="replace")
            yield NotUtf8Line(text) if encoding == "utf-8" else text
        else:
            yield text if encoding == "utf-8" else Utf8Line(text)


def _misencoded_reason(line: str, number: int) -> str:
    if isinstance(line, NotUtf8Line):
        return stored(
            gettext_noop("Line %(line)s: not valid UTF-8 — the file mixes encodings; save it as UTF-8."), line=number
        )
    return stored(
        gettext_noop(
            "Line %(line)s: written in UTF-8 while the rest of the file is in Windows-1255 (Hebrew) — the file "
            "mixes encodings; save it as UTF-8."
        ),
        line=number,
    )


def _unclosed_reason(number: int) -> str:
    return stored(
        gettext_noop('Line %(line)s: quote never closed (a cell starts with " and has no closing ").'), line=number
    )


# What Python's csv module says (in English) about a line it cannot read, in our words.
_CSV_PROBLEMS = (
    ("field larger than field limit", gettext_noop("a cell is longer than any cell an import takes.")),
    ("line contains nul", gettext_noop("the line holds a null character.")),
    ("new-line character seen in unquoted field", gettext_noop("a line break inside a cell that has no quotes.")),
)


def _csv_problem(exc: csv.Error) -> Text:
    said = str(exc).casefold()
    for phrase, problem in _CSV_PROBLEMS:
        if phrase in said:
            return Text(problem)
    return Text(gettext_noop("it is not written as CSV."))


def _taking(pending: deque[str], lines: Iterator[str], taken: list[str]) -> Iterator[str]:
    """The lines to read again, then the rest; each also put in `taken` (the lines of the record being read).

    A plain loop, not `yield from`: when a reader is dropped, closing this must not close the file below.
    """
    while pending:
        line = pending.popleft()
        taken.append(line)
        yield line
    for line in lines:
        taken.append(line)
        yield line
    if taken:
        taken.append(_END)


def _is_well_formed(lines: list[str], delimiter: str) -> bool:
    try:
        records = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(records) == 1


def _bad_quote(lines: list[str], delimiter: str, ended: bool) -> int | None:
    """The index of the line where a quoted cell opens that does not close as CSV requires: the text ends inside
    it (`ended`), or its closing quote runs on into more text. None when every quoted cell closes."""
    if not ended and _is_well_formed(lines, delimiter):
        return None
    start, plain, quoted, closing = 0, 1, 2, 3  # where in a cell: its start, unquoted, in quotes, after a quote
    state, opened = start, 0
    for number, line in enumerate(lines):
        for ch in line:
            if state == quoted:
                if ch == '"':
                    state = closing
            elif state == closing:
                if ch == '"':
                    state = quoted  # "" is a quote inside the cell
                elif ch == delimiter or ch in "\r\n":
                    state = start
                else:
                    return opened
            elif ch == delimiter or ch in "\r\n":
                state = start
            elif state == start:
                if ch == '"':
                    state, opened = quoted, number
                else:
                    state = plain
    return opened if state == quoted else None


def _raw_cells(lines: list[str], delimiter: str) -> list[str]:
    """The text of lines that are not a row, split at the delimiters, quotes and all (for the rejected rows)."""
    return "".join(lines).rstrip("\r\n").split(delimiter)


def csv_rows(lines: Iterable[str], *, delimiter: str) -> Iterator[list[str]]:
    """Rows of CSV given as its physical lines (with their endings); a line that cannot be read as a row comes as
    a BadRow. A cell past csv's field size limit on a line of its own stops the reading (ImportFileError)."""
    source = iter(lines)
    pending: deque[str] = deque()  # lines taken for a record that was not one, to be read again
    done = 0  # the lines read into the records yielded so far
    while True:
        taken: list[str] = []
        reader = csv.reader(_taking(pending, source, taken), delimiter=delimiter)
        again: list[str] = []
        try:
            for row in reader:
                if len(taken) == 1 and taken[0].__class__ is str:  # the common case: one line, one row
                    done += 1
                    taken.clear()
                    yield row
                    continue
                ended = taken[-1] is _END
                record = taken[:-1] if ended else taken[:]
                taken.clear()
                opened = _bad_quote(record, delimiter, ended) if len(record) > 1 or ended else None
                if opened is not None:
                    yield BadRow(_raw_cells(record[: opened + 1], delimiter), _unclosed_reason(done + opened + 1))
                    done += opened + 1
                    again = record[opened + 1 :]
                    break
                misencoded = next((i for i, line in enumerate(record) if line.__class__ is not str), None)
                if misencoded is not None:
                    row = BadRow(row, _misencoded_reason(record[misencoded], done + misencoded + 1))
                done += len(record)
                yield row
            else:
                return
        except csv.Error as exc:
            record = taken[:-1] if taken and taken[-1] is _END else taken
            opened = _bad_quote(record, delimiter, True) if len(record) > 1 else None
            if opened is None:
                message = Text(
                    gettext_noop("Line %(line)s cannot be read: %(reason)s"),
                    line=done + len(record),
                    reason=_csv_problem(exc),
                )
                raise ImportFileError(message) from exc
            yield BadRow(_raw_cells(record[: opened + 1], delimiter), _unclosed_reason(done + opened + 1))
            done += opened + 1
            again = record[opened + 1 :]
        pending.extendleft(reversed(again))
