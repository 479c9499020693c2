"""Dates day before month in both languages (SPEC UX-1): an Israeli business reads 05/03/2025 as the 5th of March,
on English screens too, and a date typed that way means the same day."""

import datetime as dt

import pytest
from django import forms
from django.utils import translation
from django.utils.formats import date_format, number_format


@pytest.mark.parametrize("language", ["he", "en"])
def test_short_dates_and_times_put_the_day_first_on_a_24_hour_clock(language):
    moment = dt.datetime(2025, 3, 5, 14, 30)

    with translation.override(language):
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "05/03/2025"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "05/03/2025 14:30"


def test_english_long_dates_put_the_day_first():
    with translation.override("en"):
        assert date_format(dt.date(2025, 3, 5), "DATE_FORMAT") == "5 March 2025"
        assert date_format(dt.date(2025, 3, 5), "MONTH_DAY_FORMAT") == "5 March"


@pytest.mark.parametrize("language", ["he", "en"])
def test_a_typed_date_is_read_day_first(language):
    with translation.override(language):
        assert forms.DateField().clean("05/03/2025") == dt.date(2025, 3, 5)
        assert forms.DateField().clean("2025-03-05") == dt.date(2025, 3, 5)


@pytest.mark.parametrize("language", ["he", "en"])
def test_numbers_are_grouped_by_thousands(language):
    with translation.override(language):
        assert number_format(1234567, force_grouping=True) == "1,234,567"
