"""What kind of file is this: spreadsheet, text encoding, delimiter (SPEC IMP-1 step 1)."""

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

CHUNK = 1 << 20
DELIMITERS = ",;\t|"
_SNIFF_LINES = 50
_TEXT_CHECK = 1 << 16

Kind = Literal["xlsx", "xls", "binary", "text"]
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other old Office files
_BINARY = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def file_kind(head: bytes) -> Kind:
    """Tell a workbook, an old .xls, another binary format and text apart by their first bytes."""
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE):
        return "xls"
    if head.startswith(_BINARY):
        return "binary"
    return "text"


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark: ASCII-heavy text has a NUL in every other byte."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    if odd > pairs * 0.3 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.3 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def _is_utf8(source: BinaryIO, head: bytes) -> bool:
    """Decode the whole file strictly, a chunk at a time (cheap next to parsing it)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = head
    try:
        while chunk:
            decoder.decode(chunk)
            chunk = source.read(CHUNK)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class TextEncoding:
    """How a text file is decoded. `mixed`: its lines are not all in `name` — some are UTF-8 and some Windows-1255
    — so it is decoded a line at a time and the lines in the other encoding are rejected (`csvtext`)."""

    name: str
    mixed: bool = False


# A character beyond ASCII as UTF-8 writes it. Windows-1255 Hebrew words never form one: its letters
# (0xE0–0xFA) are not UTF-8 continuation bytes.
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_LINE_ENDS = (b"\r", b"\n")


def binary_lines(source: BinaryIO) -> Iterator[bytes]:
    """The lines of a binary file with their endings, split at \\r\\n, \\r or \\n as the csv reader splits them."""
    carry: list[bytes] = []  # the start of a line that goes on in the next chunk
    while chunk := source.read(CHUNK):
        while chunk.endswith(b"\r") and (extra := source.read(1)):
            chunk += extra  # a \r\n is never cut in two
        lines = chunk.splitlines(keepends=True)
        if carry:
            carry.append(lines[0])
            if not lines[0].endswith(_LINE_ENDS):
                continue  # a chunk without a line break: the line goes on
            lines[0] = b"".join(carry)
            carry = []
        if not lines[-1].endswith(_LINE_ENDS):
            carry.append(lines.pop())
        yield from lines
    if carry:
        yield b"".join(carry)


def _has_utf8_characters(source: BinaryIO) -> bool:
    source.seek(0)
    tail = b""
    while chunk := source.read(CHUNK):
        if _UTF8_CHARACTER.search(tail + chunk[:3]) or _UTF8_CHARACTER.search(chunk):
            return True
        tail = chunk[-3:]
    return False


def _count_line_encodings(source: BinaryIO) -> tuple[int, int]:
    """(lines that are UTF-8 with characters beyond ASCII, lines that are not UTF-8) of a file."""
    source.seek(0)
    utf8 = other = 0
    for line in binary_lines(source):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other += 1
        else:
            utf8 += 1
    return utf8, other


def _guess(source: BinaryIO, head: bytes) -> TextEncoding | None:
    if head.startswith(codecs.BOM_UTF8):
        return TextEncoding("utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextEncoding("utf-16")
    if utf16 := _bomless_utf16(head):
        return TextEncoding(utf16)
    if b"\x00" in head:
        return None
    if _is_utf8(source, head):
        return TextEncoding("utf-8")
    # Not UTF-8 throughout. Either Windows-1255 throughout, or some lines of each: the file is decoded in the
    # encoding of most of its lines, and the others are rejected rather than decoded wrongly without a word.
    if not _has_utf8_characters(source):
        return TextEncoding("cp1255")
    utf8, other = _count_line_encodings(source)
    if not utf8:
        return TextEncoding("cp1255")
    return TextEncoding("utf-8" if utf8 >= other else "cp1255", mixed=True)


def _is_text(head: bytes, encoding: TextEncoding) -> bool:
    """Text has almost no control characters besides tabs and line breaks; binary files are full of them.

    (In a file of mixed encodings, the characters one encoding cannot decode are not held against it.)
    """
    text = head[:_TEXT_CHECK].decode(encoding.name, errors="replace")
    odd = "" if encoding.mixed else "\ufffd"
    controls = sum(1 for ch in text if (ch < " " and ch not in "\t\r\n") or ch == odd)
    return controls <= 1 + len(text) // 50  # compressed or random bytes run at about 12%


def detect_encoding(source: BinaryIO) -> TextEncoding | None:
    """The text encoding of a seekable binary file, or None when it is not text. Leaves it at offset 0.

    Order: a byte-order mark (UTF-8, UTF-16), UTF-16 without one, strict UTF-8, else Windows-1255 —
    the encoding of Hebrew CSV files saved by Excel — or, when some lines are UTF-8 and others are not, the
    encoding of most lines, `mixed`.
    """
    source.seek(0)
    head = source.read(CHUNK)
    try:
        encoding = _guess(source, head)
    finally:
        source.seek(0)
    return encoding if encoding and _is_text(head, encoding) else None


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; TAB | — csv.Sniffer first, else the commonest one in the header line.

    A header line without any of them means one column: the answer is then one its cells do not contain.
    """
    lines = [line for line in sample.splitlines() if line.strip()][:_SNIFF_LINES]
    if not lines:
        return ","
    header, text = lines[0], "\n".join(lines)
    if not any(d in header for d in DELIMITERS):
        return min(DELIMITERS, key=text.count)  # one column: split on nothing its cells contain
    try:
        found = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = None
    if found and found in header:
        return found
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","
