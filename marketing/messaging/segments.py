"""How many SMS parts a text costs (SPEC MSG-5), the same rules as static/js/sms_segments.js.

    sms_segments("Hello Dana")    # SegmentCount(encoding="GSM-7", characters=10, units=10, segments=1, ...)
    sms_segments("שלום")          # UCS-2: Hebrew, like any character outside GSM-7, switches the whole text

GSM-7 (3GPP TS 23.038): a character of the default alphabet costs one septet, one of the extension table an
escape and itself (two septets, never split across parts); one part holds 160 septets, a longer text is sent
in parts of 153. UCS-2: one part holds 70 UTF-16 code units, a longer text parts of 67; a character outside
the Basic Multilingual Plane (most emoji) is a surrogate pair of two units that never splits.

This runs once per recipient of a send, so the usual case — a short text of plain GSM characters — is one
pattern search and a look-up by length.
"""

import re
from dataclasses import dataclass
from functools import cache

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def _char_class(chars: frozenset[str], *, negate: bool = False) -> re.Pattern[str]:
    return re.compile("[{}{}]".format("^" if negate else "", re.escape("".join(sorted(chars)))))


_NOT_BASIC = _char_class(GSM7_BASIC, negate=True)
_NOT_GSM7 = _char_class(GSM7_BASIC | GSM7_EXTENSION, negate=True)


@dataclass(frozen=True, slots=True)
class SegmentCount:
    encoding: str  # GSM7 or UCS2
    characters: int  # code points, as the person typed them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # parts the text is sent in; 0 for an empty text
    per_segment: int  # the units one part holds at this length: 160/153 or 70/67
    remaining: int  # units still free in the last part


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a key of the cache below
class _Encoding:
    name: str
    single: int  # units in a text sent as one part
    part: int  # units in each part of a longer text
    double: re.Pattern[str]  # the characters that cost two units and stay whole

    def count(self, text: str) -> SegmentCount:
        """Fill parts in order; a two-unit character that doesn't fit in the last unit of a part starts the
        next one, leaving that unit unused."""
        characters = len(text)
        doubles = [match.start() for match in self.double.finditer(text)]
        units = characters + len(doubles)
        if units <= self.single:
            return _one_part(self, characters, units)
        unused = 0
        for before, index in enumerate(doubles):
            if (index + before + unused) % self.part == self.part - 1:
                unused += 1
        segments = -(-(units + unused) // self.part)
        return SegmentCount(self.name, characters, units, segments, self.part, segments * self.part - units - unused)


_GSM7 = _Encoding(GSM7, 160, 153, _char_class(GSM7_EXTENSION))
_UCS2 = _Encoding(UCS2, 70, 67, re.compile("[\U00010000-\U0010ffff]"))


@cache
def _one_part(encoding: _Encoding, characters: int, units: int) -> SegmentCount:
    """One shared answer per length of a text sent as one part: a few thousand at most."""
    return SegmentCount(encoding.name, characters, units, 1 if units else 0, encoding.single, encoding.single - units)


def sms_segments(text: str) -> SegmentCount:
    if len(text) <= _GSM7.single and _NOT_BASIC.search(text) is None:
        return _one_part(_GSM7, len(text), len(text))
    if _NOT_GSM7.search(text) is None:
        return _GSM7.count(text)
    return _UCS2.count(text)
