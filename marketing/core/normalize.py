"""Contact-point normalization (SPEC CON-2).

Phones become E.164 using the account's default region; emails are trimmed,
lower-cased and validated. Invalid values raise `InvalidContactPoint` with a
reason a person can act on; nothing is stored silently. The reason is ours, in
the reader's language (`exc.message` now, `exc.text` to store): what
email-validator says in English is mapped to our own words, never shown.
"""

import re

import phonenumbers
from django.utils.translation import gettext_lazy, gettext_noop
from email_validator import EmailNotValidError, validate_email

from .errors import ApplicationError
from .texts import Text


class InvalidContactPoint(ApplicationError):
    code = "invalid_contact_point"


_PHONE_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f\u202a-\u202e/]")
_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: gettext_lazy("The phone number is too short."),
    phonenumbers.ValidationResult.TOO_LONG: gettext_lazy("The phone number is too long."),
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: gettext_lazy("The phone number has an unknown country code."),
    phonenumbers.ValidationResult.INVALID_LENGTH: gettext_lazy("The phone number has the wrong number of digits."),
}
_NOT_IN_PLAN = gettext_lazy("The phone number does not exist in its country's numbering plan.")
_PHONE_EMPTY = gettext_lazy("The phone number is empty.")
_NOT_A_PHONE = gettext_noop("“%(value)s” is not a phone number.")


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
        raise InvalidContactPoint(_PHONE_EMPTY)
    if not re.fullmatch(r"\+?[0-9]+", value, flags=re.ASCII):
        raise InvalidContactPoint(Text(_NOT_A_PHONE, value=str(raw)))
    number = _parse(value, region)
    if (number is None or not _fits_numbering_plan(number)) and not value.startswith("+"):
        # Spreadsheets often drop the leading "+" of an international number (972501234567).
        # A guess like that must be a fully valid number, not just a plausible shape.
        international = _parse("+" + value, region)
        if international is not None and phonenumbers.is_valid_number(international):
            number = international
    if number is None:
        raise InvalidContactPoint(Text(_NOT_A_PHONE, value=str(raw)))
    if not _fits_numbering_plan(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        message = _REASONS.get(reason) or _NOT_IN_PLAN
        raise InvalidContactPoint(message, details={"value": str(raw)})
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
        raise InvalidContactPoint(gettext_lazy("The email address is empty."))
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        message = Text(
            gettext_noop("“%(value)s” is not a valid email address: %(reason)s"),
            value=value,
            reason=email_problem(value, exc),
        )
        raise InvalidContactPoint(message, details={"value": value}) from exc
    return result.normalized.lower()


# What email-validator's English message is about (it has no codes), in our words: the first phrase found wins.
_EMAIL_PROBLEMS = (
    (("full-width", "small commercial at"), gettext_noop("it has a look-alike character instead of the @ sign.")),
    (("must have an @-sign",), gettext_noop("it has no @ sign.")),
    (("something before the @-sign",), gettext_noop("nothing comes before the @ sign.")),
    (("something after the @-sign",), gettext_noop("nothing comes after the @ sign.")),
    (("too long", "so many characters"), gettext_noop("it is too long.")),
    (("two periods in a row",), gettext_noop("it has two periods in a row.")),
    (("period and a hyphen",), gettext_noop("it has a period next to a hyphen.")),
    (("cannot start with a",), gettext_noop("it starts with a period.")),
    (("two dashes",), gettext_noop("the part after the @ sign has a character a domain cannot have.")),
    (
        ("immediately before the @-sign", "immediately after the @-sign"),
        gettext_noop("a period or a hyphen touches the @ sign."),
    ),
    (("cannot end with a",), gettext_noop("it ends with a period or a hyphen.")),
    (("should have a period",), gettext_noop("the part after the @ sign has no period (as in example.com).")),
    (("top-level domain",), gettext_noop("the ending after the last period is not a domain ending.")),
    (
        ("special-use or reserved",),
        gettext_noop("the part after the @ sign is a reserved name that receives no email."),
    ),
    (
        ("display name", "angle bracket", "anything after the email address"),
        gettext_noop("write the address alone, without a name or brackets around it."),
    ),
    (("quot",), gettext_noop("quotation marks are not allowed in it.")),
    (
        ("bracket", "ip address", "ipv6", "ipv4", "address literal"),
        gettext_noop("an IP address after the @ sign is not accepted."),
    ),
    (
        ("internationalized characters before the @-sign",),
        gettext_noop("the part before the @ sign may only use English letters, digits and . _ + -"),
    ),
    (("before the @-sign",), gettext_noop("the part before the @ sign has a character an address cannot have.")),
    (("after the @-sign", "idna"), gettext_noop("the part after the @ sign has a character a domain cannot have.")),
)
_EMAIL_PROBLEM_OTHER = gettext_noop("it has a character an address cannot have.")


def email_problem(value: str, exc: EmailNotValidError) -> Text:
    """Why `value` is not an email address, in our words, from email-validator's English message."""
    if any(ch.isspace() for ch in value):
        return Text(gettext_noop("it has a space in it."))
    said = str(exc).casefold()
    for phrases, problem in _EMAIL_PROBLEMS:
        if any(phrase in said for phrase in phrases):
            return Text(problem)
    return Text(_EMAIL_PROBLEM_OTHER)


def phone_display(e164: str) -> str:
    """A stored phone the way people write it internationally (+972501234567 → "+972 50-123-4567")."""
    number = _parse(e164, "ZZ")
    if number is None:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
