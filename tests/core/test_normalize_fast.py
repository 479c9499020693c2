"""The fast paths of contact-point normalization agree with the libraries on every input."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing.core import normalize
from marketing.core.normalize import InvalidContactPoint

PROPERTY = settings(max_examples=400, deadline=None)


def _slow_phone(value: str, region: str) -> str | Exception:
    pattern = normalize._IL_MOBILE
    normalize._IL_MOBILE = normalize.re.compile(r"(?!)")  # never matches: the library path only
    try:
        return normalize.phone_normalize(value, region=region)
    except InvalidContactPoint as exc:
        return exc
    finally:
        normalize._IL_MOBILE = pattern


def _slow_email(value: str) -> str | Exception:
    simple = normalize._simple_email
    normalize._simple_email = lambda value: False
    try:
        return normalize.email_normalize(value)
    except InvalidContactPoint as exc:
        return exc
    finally:
        normalize._simple_email = simple


def _outcome(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except InvalidContactPoint as exc:
        return exc


def _same(fast, slow) -> bool:
    if isinstance(fast, Exception) or isinstance(slow, Exception):
        return isinstance(fast, Exception) and isinstance(slow, Exception)
    return fast == slow


mobile = st.tuples(st.sampled_from("012345678"), st.text("0123456789", min_size=7, max_size=7))
spellings = st.sampled_from(
    ["05{a}{b}", "05{a}-{b}", "+9725{a}{b}", "9725{a}{b}", "009725{a}{b}", "+972 5{a} {b}", "(05{a}) {b}", "5{a}{b}"]
)


@PROPERTY
@given(mobile, spellings)
def test_fast_israeli_mobiles_match_the_library(parts, spelling):
    value = spelling.format(a=parts[0], b=parts[1])

    assert _same(_outcome(normalize.phone_normalize, value, region="IL"), _slow_phone(value, "IL"))


@PROPERTY
@given(st.text("+0123456789 -", max_size=16))
def test_any_digit_string_gets_the_same_answer_both_ways(value):
    assert _same(_outcome(normalize.phone_normalize, value, region="IL"), _slow_phone(value, "IL"))


local = st.text("abcxyz019._+-", min_size=1, max_size=12)
domain = st.lists(st.text("abz09-", min_size=1, max_size=8), min_size=1, max_size=3)
tld = st.sampled_from(["com", "co", "il", "org", "io", "test", "local", "museum", "x"])


@PROPERTY
@given(local, domain, tld, st.booleans())
def test_fast_emails_match_email_validator(local_part, labels, top, upper):
    value = f"{local_part}@{'.'.join(labels)}.{top}"
    value = value.upper() if upper else value

    assert _same(_outcome(normalize.email_normalize, value), _slow_email(value))


@pytest.mark.parametrize("value", ["dana@example.com", "  Dana.Levi+news@Mail.Example.CO.IL "])
def test_common_addresses_take_the_fast_path(value):
    assert normalize._simple_email(value.strip().lower())
