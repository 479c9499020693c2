"""Automatic mapping of column headers to contact fields (SPEC IMP-1 step 2).

Exact synonyms first (English, Hebrew, Google Contacts, Outlook and Salesforce exports), then near
misses ("Emial", "Frist name"). Every field takes one column, except "group", which takes up to three.
"""

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from .. import schema

Field = str | None

FIELDS = tuple(entry.key for entry in schema.importable())
CUSTOM_PREFIX = schema.CUSTOM_PREFIX
MAX_GROUP_COLUMNS = 3
NEAR_MISS = 0.85
_NAME = "name"  # "Name" / "שם": the full name, or the first name when a last-name column sits beside it
_FUZZY_MIN_LENGTH = 4  # below this, one wrong letter is a different word

# (field, rank, phrases): a lower rank wins the field when several columns match it exactly. Each field's
# synonyms live with it in the schema; only the bare "Name", which is no field until the columns around it
# decide, is this module's.
_PHRASES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    *((entry.key, rank, words) for entry in schema.importable() for rank, words in entry.headers),
    (_NAME, 0, ("name", "שם")),
)

# Columns of the same exports that mean something else, yet are one letter or word from a field
# ("Additional Name" ~ "additional date"): never mapped, never guessed.
_OTHER_COLUMNS = (
    "middle name",
    "additional name",
    "additional name yomi",
    "given name yomi",
    "family name yomi",
    "yomi name",
    "phonetic first name",
    "phonetic middle name",
    "phonetic last name",
    "name prefix",
    "name suffix",
    "nickname",
    "maiden name",
    "short name",
    "e-mail display name",
    "account name",
    "notes",
    "שם אמצעי",
    "כינוי",
    "הערות",
)


def header_key(header: str) -> str:
    """Compare headers without case, spaces, punctuation or niqqud: 'דוא"ל' == "דואל", "E-mail" == "email"."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", header).casefold() if ch.isalnum())


_BUILT_IN: dict[str, tuple[str, int]] = {}
for _field, _rank, _words in _PHRASES:
    for _word in _words:
        _BUILT_IN.setdefault(header_key(_word), (_field, _rank))
_GROUP_KEYS = frozenset(key for key, (field, _rank) in _BUILT_IN.items() if field == "group")
_OTHER_KEYS = frozenset(header_key(phrase) for phrase in _OTHER_COLUMNS)


def _lookup(custom_fields: Iterable[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """Built-in phrases, plus each custom field's API name and label (a built-in phrase keeps its field)."""
    table = dict(_BUILT_IN)
    for api_name, label in custom_fields:
        for phrase in (api_name, label):
            key = header_key(phrase)
            if key:
                table.setdefault(key, (CUSTOM_PREFIX + api_name, 0))
    return table


def _exact(key: str, table: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    if key in table:
        return table[key]
    if key.rstrip("0123456789") in _GROUP_KEYS:  # "Group 1", "קבוצה 2"
        return ("group", 0)
    return None


def _one_swap(a: str, b: str) -> bool:
    """True when b is a with two neighbouring letters swapped ("emial" / "email")."""
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _similarity(matcher: SequenceMatcher, a: str, b: str) -> float:
    """difflib's ratio, with one swapped pair of letters counted as a near miss (short words score 0.8)."""
    matcher.set_seqs(a, b)
    if matcher.real_quick_ratio() < NEAR_MISS or matcher.quick_ratio() < NEAR_MISS:
        return 0.0
    ratio = matcher.ratio()
    return NEAR_MISS if ratio < NEAR_MISS and _one_swap(a, b) else ratio


class _Assignment:
    def __init__(self, size: int):
        self.fields: list[Field] = [None] * size
        self.used: Counter[str] = Counter()

    def free(self, field: str) -> bool:
        return self.used[field] < (MAX_GROUP_COLUMNS if field == "group" else 1)

    def take(self, column: int, field: str) -> None:
        if self.fields[column] is None and self.free(field):
            self.fields[column] = field
            self.used[field] += 1


def _resolve_name(fields: list[Field]) -> None:
    """A bare "Name" column is the full name, the first name beside a last name, and nothing beside both."""
    if _NAME not in fields:
        return
    column = fields.index(_NAME)
    if "first_name" in fields or "full_name" in fields:
        fields[column] = None
    elif "last_name" in fields:
        fields[column] = "first_name"
    else:
        fields[column] = "full_name"


def suggest_mapping(headers: Sequence[str], custom_fields: Iterable[tuple[str, str]] = ()) -> list[Field]:
    """A field key ("email", "group", "custom:<api_name>", …) or None for each header, in order.

    `custom_fields` are the account's (api_name, display label) pairs.
    """
    table = _lookup(custom_fields)
    keys = [header_key(header) for header in headers]
    assignment = _Assignment(len(keys))
    exact = []
    for column, key in enumerate(keys):
        if hit := _exact(key, table):
            exact.append((hit[1], column, hit[0]))
    for _rank, column, field in sorted(exact):
        assignment.take(column, field)

    matcher = SequenceMatcher(autojunk=False)
    near = []
    for column, key in enumerate(keys):
        if assignment.fields[column] is not None or len(key) < _FUZZY_MIN_LENGTH or key in _OTHER_KEYS:
            continue
        scored = [
            (_similarity(matcher, key, phrase), -rank, field)
            for phrase, (field, rank) in table.items()
            if len(phrase) >= _FUZZY_MIN_LENGTH and assignment.free(field)
        ]
        score, rank, field = max(scored, default=(0.0, 0, ""))
        if score >= NEAR_MISS:
            near.append((-score, -rank, column, field))
    for _score, _rank, column, field in sorted(near):
        assignment.take(column, field)

    _resolve_name(assignment.fields)
    return assignment.fields


def mapping_signature(headers: Iterable[str]) -> str:
    """A stable hash of the headers, whatever their order, to remember an account's mapping for them."""
    keys = sorted(header_key(header) for header in headers)
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()


def _column_ids(headers: Sequence[str]) -> list[str]:
    seen: Counter[str] = Counter()
    ids = []
    for header in headers:
        key = header_key(header)
        seen[key] += 1
        ids.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return ids


def mapping_save(headers: Sequence[str], mapping: Sequence[Field]) -> dict[str, Field]:
    """The mapping keyed by header, not position, so a file with the same columns in another order reuses it."""
    return dict(zip(_column_ids(headers), mapping, strict=True))


def mapping_restore(headers: Sequence[str], saved: dict[str, Field]) -> list[Field] | None:
    """The saved mapping laid over these headers' order, or None when the columns differ."""
    ids = _column_ids(headers)
    if set(ids) != set(saved):
        return None
    return [saved[column] for column in ids]
