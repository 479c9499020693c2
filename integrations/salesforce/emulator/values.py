"""Field values: the wire formats Salesforce uses and the checks it applies on write."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from . import ids
from .errors import ApiError

TEXT_TYPES = frozenset({"string", "email", "phone", "picklist", "textarea", "url"})
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"double", "int", "currency", "percent"})

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def format_datetime(moment: datetime) -> str:
    """Salesforce's JSON form, millisecond precision in UTC: 2024-01-01T10:20:30.000+0000."""
    moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}.{moment.microsecond // 1000:03d}+0000"
    )


def parse_datetime(text: str) -> datetime | None:
    """Any ISO 8601 date-time (Z, +00:00, +0000, fractions); a value without an offset is UTC."""
    if not isinstance(text, str) or len(text) < 19 or text[10] not in "Tt ":
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def canonical_datetime(text: str) -> str | None:
    moment = parse_datetime(text)
    return format_datetime(moment) if moment else None


def datetime_from_canonical(text: str) -> datetime:
    return datetime.fromisoformat(text)


def bulk_datetime(text: str) -> str:
    """Bulk API CSV writes date-times with a Z: 2024-01-01T10:20:30.000Z."""
    return text[:-5] + "Z"


def valid_date(text: object) -> bool:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _wrong_type(field, value) -> ApiError:
    return ApiError(
        400, "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{field.label}: value not of required type: {value}", [field.name]
    )


def coerce(field, value, prefixes: dict[str, str]):
    """The stored form of `value` for `field`, or an ApiError as Salesforce would answer it.

    `prefixes` maps object names to key prefixes, to check what a reference points at.
    """
    return coercer(field, prefixes)(value)


def coercer(field, prefixes: dict[str, str]) -> Callable[[object], object]:
    """A function checking and converting values for `field` (built once per field, used per write)."""
    kind = field.type
    if kind in TEXT_TYPES:
        return _text_coercer(field)
    if kind == "boolean":
        return lambda value: _boolean(field, value)
    if kind in ID_TYPES:
        allowed = {prefixes[name] for name in field.reference_to if name in prefixes}
        return _optional(lambda value: _reference(field, value, allowed))
    if kind == "datetime":
        return _optional(lambda value: _datetime(field, value))
    if kind == "date":
        return _optional(lambda value: _date(field, value))
    if kind in NUMBER_TYPES:
        return _optional(lambda value: _number(field, value))
    return lambda value: value


def _optional(convert: Callable[[object], object]) -> Callable[[object], object]:
    """Blank values (None or "") are stored as null without further checks."""
    return lambda value: None if value is None or value == "" else convert(value)


def _text_coercer(field):
    length, email = field.length, field.type == "email"

    def convert(value):
        if value is None or value == "":
            return None
        if type(value) is not str:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise _wrong_type(field, value)
            value = str(value)
        if length and len(value) > length:
            raise ApiError(
                400,
                "STRING_TOO_LONG",
                f"{field.label}: data value too large: {value} (max length={length})",
                [field.name],
            )
        if email and not _EMAIL.fullmatch(value):
            raise ApiError(400, "INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {value}", [field.name])
        return value

    return convert


def _boolean(field, value):
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise _wrong_type(field, value)


def _reference(field, value, allowed: set[str]):
    normal = ids.normalize(value)
    if normal is None or (allowed and normal[:3] not in allowed):
        raise ApiError(400, "MALFORMED_ID", f"{field.label}: id value of incorrect type: {value}", [field.name])
    return normal


def _datetime(field, value):
    stamp = canonical_datetime(value) if isinstance(value, str) else None
    if stamp is None:
        raise _wrong_type(field, value)
    return stamp


def _date(field, value):
    if isinstance(value, str) and len(value) > 10 and parse_datetime(value):
        value = value[:10]
    if not valid_date(value):
        raise _wrong_type(field, value)
    return value


def _number(field, value):
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise _wrong_type(field, value)
    return int(number) if field.type == "int" else number
