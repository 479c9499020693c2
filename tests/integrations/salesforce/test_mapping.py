"""How the sync reads Salesforce values and compares them with the platform's (DECISIONS, Salesforce)."""

from datetime import UTC, datetime

import pytest

from integrations.salesforce.mapping import Comparer, parse_datetime
from tests.factories import AccountFactory


@pytest.mark.parametrize(
    "text",
    ["2024-03-04T10:20:30.000+0000", "2024-03-04T10:20:30.000Z", "2024-03-04T10:20:30Z", "2024-03-04T12:20:30+02:00"],
)
def test_rest_and_bulk_datetimes_read_as_one_instant(text):
    assert parse_datetime(text) == datetime(2024, 3, 4, 10, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2024-03-04T10:20:30", "2024-03-04", "yesterday"])
def test_a_datetime_without_an_offset_is_refused(text):
    with pytest.raises(ValueError, match="not a Salesforce datetime"):
        parse_datetime(text)


@pytest.mark.django_db
def test_values_compare_as_the_platform_stores_them_and_points_refused_read_blank():
    compare = Comparer(AccountFactory(default_region="IL"))
    region_phone = compare("phone", "+972 50-123-4567")

    assert compare("phone", "+972501234567") == region_phone == "+972501234567"
    assert compare("email", "Dana@Example.COM") == compare("email", "dana@example.com") == "dana@example.com"
    assert compare("first_name", "  Dana   Levi ") == "Dana Levi"
    assert compare("phone", None) == ""
    # A value the cleaning refuses compares as it is, and as a contact point it is blank.
    assert compare("email", "not an email") == "not an email"
    assert compare.point("email", "not an email") == ""
    assert compare.point("phone", "+972501234567") == "+972501234567"
    # Asked again, the same answers (remembered, not recomputed differently).
    assert compare("email", "Dana@Example.COM") == "dana@example.com"
