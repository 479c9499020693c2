"""How large an .xlsx may unpack, checked before it is opened (SPEC IMP-1): a zip bomb is refused from its directory.

An .xlsx is a zip archive whose directory states what each part unpacks to. Python's zipfile never unpacks a
part past that size (a part that claims less than it holds fails its checksum), so the sizes can be trusted
before a byte is unpacked. The limits are settings: IMPORT_XLSX_MAX_UNPACKED_BYTES (all parts),
IMPORT_XLSX_MAX_PART_BYTES (one part), IMPORT_XLSX_MAX_COMPRESSION_RATIO (a part that unpacks past
RATIO_FROM) and IMPORT_XLSX_MAX_SHARED_STRINGS (checked as the shared strings are read, in `xlsx`).
"""

import zipfile
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext_noop

from marketing.core.texts import Text

from .table import ImportFileError

RATIO_FROM = 1 << 20  # smaller parts may pack as tightly as they like: they cannot cost much to read
# The methods Excel and every other writer use. Others (bzip2, lzma) unpack a whole block at once, past any limit.
_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


def _refused(message: Text, *, filename: str, **details) -> ImportFileError:
    return ImportFileError(message, details={"filename": filename, **details})


_UNITS = (
    (1 << 30, gettext_noop("%(number)s GB")),
    (1 << 20, gettext_noop("%(number)s MB")),
    (1 << 10, gettext_noop("%(number)s KB")),
)


def _size(count: int) -> Text:
    """A size in bytes as people read it ("1.5 GB"), rendered in the reader's language."""
    for scale, unit in _UNITS:
        if count >= scale:
            return Text(unit, number=f"{count / scale:.1f}")
    return Text(gettext_noop("%(number)s bytes"), number=count)


def workbook_check(source: BinaryIO, *, filename: str) -> None:
    """Refuse a workbook that unpacks beyond the limits; leaves `source` at offset 0.

    A file that is not a readable zip archive passes: the workbook reader refuses it with its own reason.
    """
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return
    finally:
        source.seek(0)
    max_total, max_part = settings.IMPORT_XLSX_MAX_UNPACKED_BYTES, settings.IMPORT_XLSX_MAX_PART_BYTES
    max_ratio = settings.IMPORT_XLSX_MAX_COMPRESSION_RATIO
    total = sum(part.file_size for part in parts)
    if total > max_total:
        raise _refused(
            Text(
                gettext_noop(
                    "“%(name)s” unpacks to %(size)s, more than the %(limit)s an import may take. "
                    "Split it into smaller workbooks, or save it as CSV."
                ),
                name=filename,
                size=_size(total),
                limit=_size(max_total),
            ),
            filename=filename,
            unpacked_bytes=total,
            limit=max_total,
        )
    for part in parts:
        if part.compress_type not in _COMPRESSIONS:
            raise _refused(
                Text(
                    gettext_noop("“%(name)s” is packed in a way Excel never uses. Save it again in Excel, or as CSV."),
                    name=filename,
                ),
                filename=filename,
                part=part.filename,
            )
        if part.file_size > max_part:
            raise _refused(
                Text(
                    gettext_noop(
                        "“%(name)s” has a part (%(part)s) that unpacks to %(size)s, more than the %(limit)s an "
                        "import may take. Split it into smaller workbooks, or save it as CSV."
                    ),
                    name=filename,
                    part=part.filename,
                    size=_size(part.file_size),
                    limit=_size(max_part),
                ),
                filename=filename,
                part=part.filename,
                limit=max_part,
            )
        ratio = part.file_size // max(part.compress_size, 1)
        if part.file_size > RATIO_FROM and ratio > max_ratio:
            raise _refused(
                Text(
                    gettext_noop(
                        "“%(name)s” was refused: its part %(part)s unpacks to %(ratio)s times its packed size, far "
                        "beyond any real workbook (at most %(limit)s times). Save it again in Excel, or as CSV."
                    ),
                    name=filename,
                    part=part.filename,
                    ratio=ratio,
                    limit=max_ratio,
                ),
                filename=filename,
                part=part.filename,
                ratio=ratio,
                limit=max_ratio,
            )


def too_many_strings(filename: str) -> ImportFileError:
    limit = settings.IMPORT_XLSX_MAX_SHARED_STRINGS
    return _refused(
        Text(
            gettext_noop(
                "“%(name)s” holds more than %(limit)s different texts, more than an import may take. "
                "Split it into smaller workbooks, or save it as CSV."
            ),
            name=filename,
            limit=f"{limit:,}",
        ),
        filename=filename,
        limit=limit,
    )
