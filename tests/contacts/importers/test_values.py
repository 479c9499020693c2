"""SPEC IMP-2 full-name splitting; dates and genders as Israelis write them."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.importers import clean_text, parse_date, parse_gender, split_full_name, split_groups

PROPERTY = settings(max_examples=300, deadline=None, database=None)


# --- Full names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("דורית בר אור", ("דורית", "בר אור")),
        ("  משה   כהן  ", ("משה", "כהן")),
        ("Dana\u00a0Cohen", ("Dana", "Cohen")),
        ("John Ronald Reuel Tolkien", ("John", "Ronald Reuel Tolkien")),
        ("\u200fשרה\u200f \u200fלוי\u200f", ("שרה", "לוי")),
        ("מדונה", ("מדונה", "")),
        ("\tעמית\n\nבן   דוד\r\n", ("עמית", "בן דוד")),
        ("", ("", "")),
        ("   ", ("", "")),
    ],
)
def test_first_word_is_the_first_name_the_rest_the_last_name(value, expected):
    assert split_full_name(value) == expected


visible_text = st.text(st.characters(blacklist_categories=("Cf", "Cs")), max_size=40)


@PROPERTY
@given(visible_text)
def test_joining_first_and_last_gives_back_the_collapsed_name(value):
    first, last = split_full_name(value)
    assert " ".join(part for part in (first, last) if part) == " ".join(value.split())
    assert " " not in first
    assert first or not last


def test_clean_text_removes_direction_marks_and_collapses_spaces():
    assert clean_text("\u202bדנה\u202c\u00a0\u00a0כהן\u200e ") == "דנה כהן"


# --- Dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024-3-5", dt.date(2024, 3, 5)),
        ("2024/03/05", dt.date(2024, 3, 5)),
        ("2024-03-05T14:30:00", dt.date(2024, 3, 5)),
        ("2024-03-05 14:30", dt.date(2024, 3, 5)),
        ("2024-03-05T23:30:00+02:00", dt.date(2024, 3, 5)),
        ("2024-03-05T10:00:00Z", dt.date(2024, 3, 5)),
        ("05/03/2024", dt.date(2024, 3, 5)),
        ("05.03.2024", dt.date(2024, 3, 5)),
        ("05-03-2024", dt.date(2024, 3, 5)),
        ("5/3/2024", dt.date(2024, 3, 5)),
        ("25/12/1990", dt.date(1990, 12, 25)),
        ("05/03/2024 14:30", dt.date(2024, 3, 5)),
        ("5/3/24", dt.date(2024, 3, 5)),
        ("1/1/00", dt.date(2000, 1, 1)),
        ("31/12/30", dt.date(2030, 12, 31)),
        ("1/1/31", dt.date(1931, 1, 1)),
        ("5.3.85", dt.date(1985, 3, 5)),
        ("45123", dt.date(2023, 7, 16)),
        ("45123.0", dt.date(2023, 7, 16)),
        ("1", dt.date(1900, 1, 1)),
        ("59", dt.date(1900, 2, 28)),
        ("61", dt.date(1900, 3, 1)),
        ("60000", dt.date(2064, 4, 8)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("2000-02-29", dt.date(2000, 2, 29)),
        (" \u200f05/03/2024\u200f ", dt.date(2024, 3, 5)),
    ],
)
def test_every_accepted_date_format(value, expected):
    assert parse_date(value) == expected


def test_month_first_when_asked():
    assert parse_date("03/25/2024", day_first=False) == dt.date(2024, 3, 25)
    assert parse_date("2024-03-25", day_first=False) == dt.date(2024, 3, 25)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("29/02/2023", "“29/02/2023” is not a real date."),
        ("1900-02-29", "“1900-02-29” is not a real date."),
        ("31/04/2024", "“31/04/2024” is not a real date."),
        ("03/25/2024", "“03/25/2024” is not a real date."),
        ("60", "“60” is not a real date."),
        ("1985", "“1985” looks like a year, not a full date."),
        ("--03-05", "“--03-05” has no year."),
        ("0", "“0” is not a date. Write it as DD/MM/YYYY or YYYY-MM-DD."),
        ("60001", "“60001” is not a date. Write it as DD/MM/YYYY or YYYY-MM-DD."),
        ("next tuesday", "“next tuesday” is not a date. Write it as DD/MM/YYYY or YYYY-MM-DD."),
        ("05/03", "“05/03” is not a date. Write it as DD/MM/YYYY or YYYY-MM-DD."),
        ("2024-13-01T10:00", "“2024-13-01T10:00” is not a date. Write it as DD/MM/YYYY or YYYY-MM-DD."),
        ("", "The date is empty."),
    ],
)
def test_what_is_not_a_date_says_why(value, message):
    with pytest.raises(ValueError) as error:
        parse_date(value)
    assert str(error.value) == message


dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@PROPERTY
@given(dates)
def test_any_date_written_day_first_reads_back(day):
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year:04d}") == day


@PROPERTY
@given(dates)
def test_any_iso_date_reads_back(day):
    assert parse_date(day.isoformat()) == day


@PROPERTY
@given(st.dates(min_value=dt.date(1910, 1, 1), max_value=dt.date(2064, 4, 8)))
def test_any_excel_day_number_reads_back(day):
    assert parse_date(str((day - dt.date(1899, 12, 30)).days)) == day


# --- Gender ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("m", "male"),
        ("M", "male"),
        ("Male", "male"),
        ("man", "male"),
        ("זכר", "male"),
        ("ז", "male"),
        ("1", "male"),
        ("f", "female"),
        ("FEMALE", "female"),
        ("Woman", "female"),
        ("נקבה", "female"),
        ("נ", "female"),
        ("2", "female"),
        ("other", "other"),
        ("אחר", "other"),
        (" F. ", "female"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_gender_values(value, expected):
    assert parse_gender(value) == expected


@pytest.mark.parametrize("value", ["x", "3", "yes", "גבר אישה"])
def test_unknown_gender_text_is_refused(value):
    with pytest.raises(ValueError, match=r"is not a gender\. Use male, female or other\."):
        parse_gender(value)


# --- Group cells ------------------------------------------------------------------------------------------


def test_google_labels_and_outlook_categories_split_into_groups():
    assert split_groups("* myContacts ::: Friends ::: לקוחות VIP") == ["Friends", "לקוחות VIP"]
    assert split_groups("Work;Family; Work") == ["Work", "Family"]
    assert split_groups("") == []
