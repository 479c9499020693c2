"""Cell values to contact fields: names (SPEC IMP-2), dates and genders, as people type them in Israel."""

import datetime as dt
import re

from django.utils.translation import gettext_noop

from marketing.core.texts import Text

# Invisible marks that copy-paste from RTL text leaves behind (LRM, RLM, embeddings, isolates, BOM, ZWSP).
_INVISIBLE = dict.fromkeys([0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF])

_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d")
_SERIAL = re.compile(r"(\d{1,5})(?:\.\d+)?")
_NO_YEAR = re.compile(r"--\d{1,2}-\d{1,2}")  # Google Contacts birthday without a year
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MAX = 60000
_TWO_DIGIT_PIVOT = 30  # 00–30 -> 2000s, 31–99 -> 1900s


def clean_text(value: str) -> str:
    """Remove invisible direction marks and collapse every run of whitespace (incl. no-break) to one space."""
    return " ".join(value.translate(_INVISIBLE).split())


def split_full_name(value: str) -> tuple[str, str]:
    """Split "Dorit  Bar Or" into ("Dorit", "Bar Or"): the first word is the first name, the rest the last name."""
    first, _sep, rest = clean_text(value).partition(" ")
    return first, rest


def _build(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(Text(gettext_noop("“%(value)s” is not a real date."), value=raw)) from None


def _from_serial(number: int, raw: str) -> dt.date:
    """Excel's day number. Excel counts a 29 February 1900 that never was, so days before it shift by one."""
    if number == 60:
        raise ValueError(Text(gettext_noop("“%(value)s” is not a real date."), value=raw))
    return _EXCEL_EPOCH + dt.timedelta(days=number if number > 60 else number + 1)


def parse_date(value: str, *, day_first: bool = True) -> dt.date:
    """Read a date as Israelis write it: 05/03/2024 is 5 March. Raises ValueError with a message for people.

    Accepts YYYY-MM-DD, ISO date-times, DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY, two-digit years (00–30 are
    2000s) and Excel day numbers (1–60000). `day_first=False` reads MM/DD/YYYY instead.
    """
    value = value.translate(_INVISIBLE).strip()
    if not value:
        raise ValueError(Text(gettext_noop("The date is empty.")))
    if match := _YEAR_FIRST.fullmatch(value):
        year, month, day = map(int, match.groups())
        return _build(year, month, day, value)
    if _ISO_DATETIME.match(value):
        try:
            return dt.datetime.fromisoformat(value.replace(" ", "T", 1)).date()
        except ValueError:
            pass
    if match := _DAY_FIRST.fullmatch(value):
        first, _sep, second, year_text = match.groups()
        year = int(year_text)
        if len(year_text) == 2:
            year += 2000 if year <= _TWO_DIGIT_PIVOT else 1900
        day, month = (int(first), int(second)) if day_first else (int(second), int(first))
        return _build(year, month, day, value)
    if match := _SERIAL.fullmatch(value):
        number = int(match.group(1))
        if 1900 <= number <= 2100:
            raise ValueError(Text(gettext_noop("“%(value)s” looks like a year, not a full date."), value=value))
        if 1 <= number <= _SERIAL_MAX:
            return _from_serial(number, value)
    if _NO_YEAR.fullmatch(value):
        raise ValueError(Text(gettext_noop("“%(value)s” has no year."), value=value))
    raise ValueError(
        Text(gettext_noop("“%(value)s” is not a date. Write it as DD/MM/YYYY or YYYY-MM-DD."), value=value)
    )


_GENDERS = {
    "male": ("m", "male", "man", "זכר", "ז", "גבר", "1"),
    "female": ("f", "female", "woman", "נקבה", "נ", "אישה", "אשה", "2"),
    "other": ("other", "non-binary", "nonbinary", "אחר", "אחרת"),
    "": ("unknown", "unspecified", "לא ידוע", "לא צוין"),
}
_GENDER_OF = {word: gender for gender, words in _GENDERS.items() for word in words}


def parse_gender(value: str) -> str:
    """ "male", "female", "other", or "" for no answer. Raises ValueError for anything else."""
    key = clean_text(value).casefold().rstrip(".")
    if not key:
        return ""
    try:
        return _GENDER_OF[key]
    except KeyError:
        raise ValueError(
            Text(gettext_noop("“%(value)s” is not a gender. Use male, female or other."), value=value.strip())
        ) from None


def split_groups(value: str) -> list[str]:
    """Group names in one cell: Google's "* myContacts ::: Friends" or Outlook's "Friends;Work".

    Google's own labels (starting with "* ") are dropped; duplicates are kept once, in order.
    """
    names = []
    for part in value.replace(":::", ";").split(";"):
        name = clean_text(part)
        if name and not name.startswith("* ") and name not in names:
            names.append(name)
    return names
