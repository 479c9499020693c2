"""Contact-point normalization (SPEC CON-2).

Phones become E.164 using the account's default region; emails are trimmed,
lower-cased and validated. Invalid values raise `InvalidContactPoint` with a
reason a person can act on; nothing is stored silently.
"""

import re

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from email_validator import EmailNotValidError, validate_email

from .errors import ApplicationError


class InvalidContactPoint(ApplicationError):
    code = "invalid_contact_point"


_PHONE_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f\u202a-\u202e/]")
_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: gettext_lazy("The phone number is too short."),
    phonenumbers.ValidationResult.TOO_LONG: gettext_lazy("The phone number is too long."),
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: gettext_lazy("The phone number has an unknown country code."),
    phonenumbers.ValidationResult.INVALID_LENGTH: gettext_lazy("The phone number has the wrong number of digits."),
}


def _parse(candidate: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None


def _fits_numbering_plan(number: phonenumbers.PhoneNumber) -> bool:
    """Valid, or at least shaped like a number of its country's plan.

    libphonenumber's "valid" also requires the block to be allocated today, and
    its metadata lags the operators (050-1234567 is "invalid" there). A
    marketing list keeps such numbers, so a number with the length of the
    country's mobile or fixed-line numbers that matches its general pattern is
    accepted too.
    """
    if phonenumbers.is_valid_number(number):
        return True
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return False
    region = phonenumbers.region_code_for_country_code(number.country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc.national_number_pattern is None:
        return False
    national = phonenumbers.national_significant_number(number)
    lengths = {*metadata.mobile.possible_length, *metadata.fixed_line.possible_length}
    if len(national) not in lengths:
        return False
    return re.fullmatch(metadata.general_desc.national_number_pattern, national) is not None


# Fast path for the commonest input, an Israeli mobile in any usual spelling. Every
# 05X-XXXXXXX fits Israel's numbering plan, so the answer equals the library's
# (tests/core/test_normalize_fast.py proves it); anything else takes the full path.
_IL_MOBILE = re.compile(r"(?:\+972|00972|972|0)(5[0-9]{8})", re.ASCII)


def phone_normalize(raw: str | None, *, region: str) -> str:
    """Return the E.164 form of `raw`, read in `region` unless it carries a country code."""
    value = _PHONE_SEPARATORS.sub("", str(raw or "")).strip()
    if region == "IL":
        fast = _IL_MOBILE.fullmatch(value)
        if fast:
            return "+972" + fast.group(1)
    if not value:
        raise InvalidContactPoint(_("The phone number is empty."))
    if not re.fullmatch(r"\+?[0-9]+", value, flags=re.ASCII):
        raise InvalidContactPoint(_("“%(value)s” is not a phone number.") % {"value": raw})
    number = _parse(value, region)
    if (number is None or not _fits_numbering_plan(number)) and not value.startswith("+"):
        # Spreadsheets often drop the leading "+" of an international number (972501234567).
        # A guess like that must be a fully valid number, not just a plausible shape.
        international = _parse("+" + value, region)
        if international is not None and phonenumbers.is_valid_number(international):
            number = international
    if number is None:
        raise InvalidContactPoint(_("“%(value)s” is not a phone number.") % {"value": raw})
    if not _fits_numbering_plan(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        message = _REASONS.get(reason) or _("The phone number does not exist in its country's numbering plan.")
        raise InvalidContactPoint(str(message), details={"value": str(raw)})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SIMPLE_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}", re.ASCII
)
_SPECIAL_USE = tuple(f".{name}" for name in ("arpa", "invalid", "local", "localhost", "onion", "test"))


def _simple_email(value: str) -> bool:
    """Plain ASCII addresses email-validator would accept unchanged (proven by tests)."""
    if len(value) > 254 or "--" in value.rpartition("@")[2] or not _SIMPLE_EMAIL.fullmatch(value):
        return False
    local, _, domain = value.rpartition("@")
    return len(local) <= 64 and not ("." + domain).endswith(_SPECIAL_USE)


def email_normalize(raw: str | None) -> str:
    """Return the trimmed, lower-cased, validated address."""
    value = str(raw or "").strip()
    lowered = value.lower()
    if _simple_email(lowered):
        return lowered
    if not value:
        raise InvalidContactPoint(_("The email address is empty."))
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContactPoint(
            _("“%(value)s” is not a valid email address: %(reason)s") % {"value": value, "reason": exc},
            details={"value": value},
        ) from exc
    return result.normalized.lower()
