# English as written in Israel: day before month (25/03/2025), a 24-hour clock, weeks from Sunday. Typed dates are
# read the same way round, so a date copied from a screen means the same day when it is typed back.
from marketing.formats import day_first

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 0
DATE_INPUT_FORMATS = [*day_first.DATE_INPUT_FORMATS, "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = day_first.DATETIME_INPUT_FORMATS

THOUSAND_SEPARATOR = day_first.THOUSAND_SEPARATOR
DECIMAL_SEPARATOR = day_first.DECIMAL_SEPARATOR
NUMBER_GROUPING = day_first.NUMBER_GROUPING
