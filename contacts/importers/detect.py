"""What kind of file is this: spreadsheet, text encoding, delimiter (SPEC IMP-1 step 1)."""

import codecs
import csv
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


def _guess(source: BinaryIO, head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf16 := _bomless_utf16(head):
        return utf16
    if b"\x00" in head:
        return None
    if _is_utf8(source, head):
        return "utf-8"
    return "cp1255"


def _is_text(head: bytes, encoding: str) -> bool:
    """Text has almost no control characters besides tabs and line breaks; binary files are full of them."""
    text = head[:_TEXT_CHECK].decode(encoding, errors="replace")
    controls = sum(1 for ch in text if (ch < " " and ch not in "\t\r\n") or ch == "\ufffd")
    return controls <= 1 + len(text) // 50  # compressed or random bytes run at about 12%


def detect_encoding(source: BinaryIO) -> str | None:
    """The text encoding of a seekable binary file, or None when it is not text. Leaves it at offset 0.

    Order: a byte-order mark (UTF-8, UTF-16), UTF-16 without one, strict UTF-8, else Windows-1255 —
    the encoding of Hebrew CSV files saved by Excel.
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
