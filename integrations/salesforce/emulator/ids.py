"""Salesforce record ids: 15 case-sensitive characters plus a 3-character case-safe suffix."""

import re
import threading

KEY_PREFIXES = {
    "Organization": "00D",
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Campaign": "701",
    "CampaignMember": "00v",
    "Task": "00T",
}
QUERY_LOCATOR_PREFIX = "01g"
JOB_PREFIX = "750"

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_POD = "5g"
_UPPER_FLAGS = {code: "1" if 65 <= code <= 90 else "0" for code in range(128)}
_SHAPE = re.compile(r"[0-9A-Za-z]{15}(?:[A-Za-z0-5]{3})?")


def checksum(id15: str) -> str:
    """Each 5-character chunk gives a bitmask of its upper-case letters (first character = lowest bit)."""
    flags = id15.translate(_UPPER_FLAGS)
    return "".join(
        _SUFFIX_ALPHABET[int(flags[start + 4 : start - 1 if start else None : -1], 2)] for start in (0, 5, 10)
    )


def make_id(prefix: str, number: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    body = "".join(reversed(digits)).rjust(9, "0")
    id15 = f"{prefix}{_POD}0{body}"
    return id15 + checksum(id15)


def normalize(value: object) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None when it is not an id at all."""
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        return None
    if len(value) == 15:
        return value + checksum(value)
    # An 18-character id is case-insensitive: its suffix says which letters are upper case.
    restored = []
    for start, code in zip((0, 5, 10), value[15:].upper(), strict=True):
        bits = _SUFFIX_ALPHABET.index(code)
        for position, char in enumerate(value[start : start + 5]):
            restored.append(char.upper() if bits >> position & 1 else char.lower())
    id15 = "".join(restored)
    full = id15 + checksum(id15)
    return full if full[15:] == value[15:].upper() else None


def is_valid(value: object) -> bool:
    return isinstance(value, str) and len(value) == 18 and normalize(value) == value


class IdFactory:
    """Hands out increasing ids per key prefix; numbering survives a reset so stale ids never come back."""

    def __init__(self, start: int = 1000):
        self._lock = threading.Lock()
        self._next: dict[str, int] = {}
        self._start = start

    def next(self, prefix: str) -> str:
        with self._lock:
            number = self._next.get(prefix, self._start)
            self._next[prefix] = number + 1
        return make_id(prefix, number)
