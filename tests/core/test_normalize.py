"""SPEC CON-2: phones become E.164 in the account's region; emails are trimmed, lower-cased, validated."""

import re

import phonenumbers
import pytest
from django.utils import translation
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing.core.errors import ApplicationError
from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize
from marketing.core.texts import rendered

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PROPERTY = settings(max_examples=200, deadline=None, database=None)  # runs do not depend on local state


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever LANGUAGE_CODE says."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- Phones: the SPEC's examples ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["050-1234567", "0501234567", "+972 50 123 4567", "972501234567", "00972501234567"])
def test_every_spec_format_of_an_israeli_mobile_becomes_the_same_e164(raw):
    assert phone_normalize(raw, region="IL") == "+972501234567"


@pytest.mark.parametrize("raw", ["(050) 123.4567", "050/1234567", "\u200e050-1234567\u200f", "  0501234567\t"])
def test_spreadsheet_separators_and_direction_marks_are_ignored(raw):
    assert phone_normalize(raw, region="IL") == "+972501234567"


def test_a_national_number_is_read_in_the_region_given():
    assert phone_normalize("(202) 555-0143", region="US") == "+12025550143"
    assert phone_normalize("020 7946 0958", region="GB") == "+442079460958"


def test_the_us_example_is_a_number_libphonenumber_calls_valid():
    assert phonenumbers.is_valid_number(phonenumbers.parse("+12025550143"))


def test_a_number_with_its_country_code_ignores_the_region():
    assert phone_normalize("+972 50 123 4567", region="US") == "+972501234567"


# --- Phones: rejected with a reason ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "The phone number is empty."),
        ("   ", "The phone number is empty."),
        (None, "The phone number is empty."),
        ("call me", "“call me” is not a phone number."),
        ("050-12a4567", "“050-12a4567” is not a phone number."),
        ("050", "The phone number is too short."),
        ("0501234567890123", "The phone number is too long."),
        ("0201234567", "The phone number does not exist in its country's numbering plan."),
        ("0601234567", "The phone number does not exist in its country's numbering plan."),
        ("+999123456789", "“+999123456789” is not a phone number."),
    ],
    ids=[
        "empty",
        "blank",
        "none",
        "words",
        "letter-inside",
        "too-short",
        "too-long",
        "bad-landline",
        "no-such-prefix",
        "unknown-country-code",
    ],
)
def test_an_invalid_phone_is_rejected_with_a_reason(raw, message):
    with pytest.raises(InvalidContactPoint) as caught:
        phone_normalize(raw, region="IL")

    assert caught.value.message == message
    assert caught.value.code == "invalid_contact_point"


def test_a_rejected_phone_is_an_application_error_the_api_answers_with_400():
    with pytest.raises(ApplicationError) as caught:
        phone_normalize("050", region="IL")

    assert caught.value.status == 400
    assert caught.value.details == {"value": "050"}


# --- Phones: properties -----------------------------------------------------------------------------

israeli_mobiles = st.tuples(st.integers(min_value=0, max_value=8), st.text("0123456789", min_size=7, max_size=7))


def _spellings(prefix_digit: int, subscriber: str) -> list[str]:
    national = f"05{prefix_digit}{subscriber}"
    return [
        f"{national[:3]}-{national[3:]}",
        national,
        f"+972 5{prefix_digit} {subscriber[:3]} {subscriber[3:]}",
        f"972{national[1:]}",
        f"00972{national[1:]}",
    ]


@PROPERTY
@given(israeli_mobiles)
def test_every_spelling_of_any_israeli_mobile_normalizes_to_one_idempotent_e164(mobile):
    prefix_digit, subscriber = mobile

    results = {phone_normalize(raw, region="IL") for raw in _spellings(prefix_digit, subscriber)}

    assert results == {f"+9725{prefix_digit}{subscriber}"}
    (e164,) = results
    assert phone_normalize(e164, region="IL") == e164


@PROPERTY
@given(st.one_of(st.text(max_size=30), st.from_regex(r"\A[+0]?[\d \-()]{0,20}\Z")), st.sampled_from(["IL", "US", "GB"]))
def test_any_text_becomes_a_plausible_e164_or_a_contact_point_error(raw, region):
    try:
        result = phone_normalize(raw, region=region)
    except InvalidContactPoint as exc:
        assert exc.message
        return

    assert E164.match(result)
    number = phonenumbers.parse(result)
    assert phonenumbers.is_possible_number(number)
    assert phone_normalize(result, region=region) == result


# --- Emails -----------------------------------------------------------------------------------------


def test_an_email_is_trimmed_and_lower_cased():
    assert email_normalize("  Dana.Levi@Example.COM ") == "dana.levi@example.com"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "The email address is empty."),
        ("  ", "The email address is empty."),
        (None, "The email address is empty."),
        ("dana.levi", "“dana.levi” is not a valid email address: it has no @ sign."),
        ("dana@", "“dana@” is not a valid email address: nothing comes after the @ sign."),
        ("dana levi@example.com", "“dana levi@example.com” is not a valid email address: it has a space in it."),
        (
            "dana..levi@example.com",
            "“dana..levi@example.com” is not a valid email address: it has two periods in a row.",
        ),
        (
            "dana@example",
            "“dana@example” is not a valid email address: the part after the @ sign has no period (as in example.com).",
        ),
        (
            "dana@example.test",
            "“dana@example.test” is not a valid email address: "
            "the part after the @ sign is a reserved name that receives no email.",
        ),
        (
            "dana@-example.com",
            "“dana@-example.com” is not a valid email address: a period or a hyphen touches the @ sign.",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "none",
        "no-at-sign",
        "no-domain",
        "space-inside",
        "two-periods",
        "no-period-after-at",
        "reserved-domain",
        "hyphen-after-at",
    ],
)
def test_an_invalid_email_is_rejected_with_a_reason(raw, message):
    with pytest.raises(InvalidContactPoint) as caught:
        email_normalize(raw)

    assert caught.value.message == message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("dana.levi", "„dana.levi” אינה כתובת אימייל תקינה: חסר בה הסימן @."),
        ("dana levi@example.com", "„dana levi@example.com” אינה כתובת אימייל תקינה: יש בה רווח."),
        ("dana@example", "„dana@example” אינה כתובת אימייל תקינה: בחלק שאחרי הסימן @ אין נקודה (כמו ב-example.com)."),
    ],
)
def test_an_invalid_email_reads_in_hebrew_without_the_validators_english(raw, message):
    """UX-1: email-validator speaks English only; a Hebrew reader gets our own words."""
    with pytest.raises(InvalidContactPoint) as caught:
        email_normalize(raw)

    with translation.override("he"):
        assert rendered(caught.value.text) == message
        assert str(caught.value.args[0]) == message
    assert not re.search(r"@-sign|[A-Z][a-z]+ [a-z]+ address", rendered(caught.value.text))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("050", "מספר הטלפון קצר מדי."),
        ("0501234567890123", "מספר הטלפון ארוך מדי."),
        ("call me", "„call me” אינו מספר טלפון."),
    ],
)
def test_a_rejected_phone_reads_in_hebrew_too(raw, message):
    with pytest.raises(InvalidContactPoint) as caught:
        phone_normalize(raw, region="IL")

    with translation.override("he"):
        assert rendered(caught.value.text) == message
    assert rendered(caught.value.text) != message  # and in English for an English reader


def test_a_rejected_email_reports_the_trimmed_value():
    with pytest.raises(InvalidContactPoint) as caught:
        email_normalize("  dana@example  ")

    assert caught.value.details == {"value": "dana@example"}


def _accepted(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@PROPERTY
@given(st.emails().filter(_accepted))
def test_email_normalization_is_idempotent(address):
    once = email_normalize(address)

    assert email_normalize(once) == once


@PROPERTY
@given(st.emails().filter(_accepted))
def test_email_normalization_ignores_case_and_surrounding_space(address):
    expected = email_normalize(address)

    assert email_normalize(f"  {address.upper()}\t") == expected
    assert email_normalize(address.lower()) == expected
