"""Countries and time zones by name, in the reader's language (SPEC UX-1).

Names come from CLDR through Babel. The stored values stay what they were: a country is its two-letter ISO
code, a time zone its IANA id. Only canonical zones are offered; a legacy alias ("Asia/Tel_Aviv",
"US/Eastern") is folded into the zone it stands for, so a value stored under an alias still shows as chosen.

    country_choices("he")      -> [("IL", "ישראל"), ...] sorted by name
    time_zone_choices("en")    -> [("Asia/Jerusalem", "Israel — Jerusalem (GMT+02:00)"), ..., ("UTC", ...)]
    time_zone_canonical("Asia/Tel_Aviv") -> "Asia/Jerusalem"

Choices are built per language and cached (and rebuilt each day, so offsets follow daylight saving time).
"""

import datetime as dt
import functools
import unicodedata
import zoneinfo

import phonenumbers
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_gmt, get_timezone_location
from django.utils import timezone, translation

UTC = "UTC"
_UTC_ZONES = frozenset({"Etc/UTC", "Etc/GMT"})  # and every alias CLDR folds into them: GMT, Zulu, Etc/UCT …
_HEBREW_FINALS = str.maketrans("ךםןףץ", "כמנפצ")


def _locale(language: str | None) -> Locale:
    code = (language or translation.get_language() or "en").split("-")[0]
    try:
        return Locale.parse(code)
    except (ValueError, LookupError):
        return Locale.parse("en")


def _sort_key(text: str) -> str:
    """Alphabetical order a reader expects: accents and case ignored ("Åland" with A), Hebrew final letters
    as their plain forms."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return plain.casefold().translate(_HEBREW_FINALS)


@functools.lru_cache(maxsize=8)
def _country_choices(code: str) -> tuple[tuple[str, str], ...]:
    names = _locale(code).territories
    regions = [r for r in phonenumbers.SUPPORTED_REGIONS if r in names]
    return tuple(sorted(((r, names[r]) for r in regions), key=lambda choice: _sort_key(choice[1])))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every country a phone number can belong to (phonenumbers' regions), by name in `language`
    (default: the active one)."""
    return list(_country_choices(_locale(language).language))


def _canonical_zones() -> dict[str, str]:
    """Canonical zone id -> its country code, for zones of a real country that this system's zoneinfo knows."""
    available = zoneinfo.available_timezones()
    return {
        zone: territory
        for zone, territory in get_global("zone_territories").items()
        if zone in available and len(territory) == 2 and territory.isalpha() and territory != "ZZ"
    }


def _zone_label(locale: Locale, zone: str, country: str, at: dt.datetime) -> str:
    city = get_timezone_location(zone, locale=locale, return_city=True)
    offset = get_timezone_gmt(at.astimezone(zoneinfo.ZoneInfo(zone)), width="long", locale=locale)
    return f"{country} — {city} ({offset})"


def _utc_label(locale: Locale) -> str:
    names = locale.time_zones.get("Etc/UTC", {})
    long_name = names.get("long", {}).get("standard")
    return f"{long_name} (UTC)" if long_name else UTC


@functools.lru_cache(maxsize=8)
def _time_zone_choices(code: str, day: dt.date) -> tuple[tuple[str, str], ...]:
    locale = _locale(code)
    at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    countries = locale.territories
    rows = []
    for zone, territory in _canonical_zones().items():
        country = countries.get(territory, territory)
        label = _zone_label(locale, zone, country, at)
        rows.append((_sort_key(country), _sort_key(label), zone, label))
    rows.sort()
    return (*((zone, label) for *_, zone, label in rows), (UTC, _utc_label(locale)))


def time_zone_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Canonical time zones as "Country — City (GMT±hh:mm)" in `language` (default: the active one), by
    country then city; Coordinated Universal Time last."""
    return list(_time_zone_choices(_locale(language).language, timezone.now().date()))


@functools.lru_cache(maxsize=1)
def _zone_lookup() -> dict[str, str]:
    canonical = {zone: zone for zone in _canonical_zones()}
    for alias, target in get_global("zone_aliases").items():
        if target in canonical:
            canonical.setdefault(alias, target)
        elif target in _UTC_ZONES:
            canonical.setdefault(alias, UTC)
    for zone in _UTC_ZONES:
        canonical[zone] = UTC
    canonical[UTC] = UTC
    return canonical


def time_zone_canonical(zone: str) -> str:
    """The offered zone that `zone` stands for ("Asia/Tel_Aviv" -> "Asia/Jerusalem", "Etc/UTC" -> "UTC");
    a zone with no offered counterpart comes back as it is."""
    return _zone_lookup().get(zone, zone)
