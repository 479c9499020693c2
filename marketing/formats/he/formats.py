# Django's Hebrew formats already write the day first (d/m/Y, 24-hour clock); typed dates are read day first too.
from marketing.formats.day_first import (  # noqa: F401 (Django reads these names from this module)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
)

FIRST_DAY_OF_WEEK = 0
