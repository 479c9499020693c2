"""Rows to clean values: normalization and validation for the upsert engine (SPEC CON-2, IMP-2).

A chunk is cleaned a column at a time: each field's rule runs over the column, and a value seen before in
the column (a first name, a segment, a shoe size) is cleaned once. A row is refused for the first field,
in the schema's order (`contacts.schema`), that its value fails; `clean_row` runs the same rules on one row.

A reason is stored as a message id with its parameters (`marketing.core.texts`), never as text in the language
of whoever runs the cleaning: it is read later, by someone else, in their own language.
"""

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_noop

from marketing.accounts.models import Account
from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize
from marketing.core.texts import rendered, storable, stored

from .. import schema
from ..models import CustomField
from ..schema import LEGACY_SLOTS, MAX_CUSTOM_TEXT, Gender, Kind

STANDARD_FIELDS = tuple(f.key for f in schema.fields())
REFUSED = "refused"  # a row with this key is rejected with its value as reason (a line a file reader could not read)
_ROW_KEYS = ("id", "known_id", "groups", "group_ids_add", "group_ids_remove")

# The longest text each text field takes (the schema's, its column's), and its name in a refusal: one rule for
# files and the API.
MAX_LENGTH = schema.max_lengths(Kind.TEXT)
_LABELS = {f.key: f.label for f in schema.fields()}


class RowRejected(Exception):
    """A row refused: `reason` is the stored form (`texts.stored`); str() is it in the active language."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return rendered(self.reason)


def _too_long(label, limit: int) -> RowRejected:
    return RowRejected(stored(gettext_noop("%(field)s: at most %(limit)s characters."), field=label, limit=limit))


_NOT_A_NUMBER = gettext_noop("“%(value)s” is not a number (field %(field)s).")


class NeedsDatabase(Exception):
    """Cleaning would write to the database (a legacy slot used for the first time), which only the writing
    process may do: it cleans the chunk again."""


@dataclass(slots=True)
class Clean:
    index: int
    values: dict  # standard fields provided by the row, cleaned
    custom: dict  # custom values provided by the row, cleaned (api name -> JSON value)
    contact_id: int | None = None
    id_required: bool = True  # False: an id naming no contact of the account falls back to the other keys
    group_names: tuple[str, ...] = ()
    group_ids_add: tuple[int, ...] = ()
    group_ids_remove: tuple[int, ...] = ()

    @property
    def keys(self) -> tuple[str, str, str]:
        values = self.values
        return (values.get("external_ref", ""), values.get("email", ""), values.get("phone", ""))


def _parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    from ..importers.values import parse_date

    return parse_date(str(value))


def _parse_gender(value) -> str:
    if value in (None, ""):
        return ""
    if value in Gender.values:
        return value
    from ..importers.values import parse_gender

    return parse_gender(str(value))


class FieldCatalog:
    """The account's custom fields, with the legacy slots created on first use.

    `fields`: the account's custom fields when the caller has just read them all (no second query).
    """

    def __init__(self, account: Account, fields: Iterable[CustomField] | None = None):
        self.account = account
        if fields is None:
            fields = CustomField.objects.filter(account=account)
        self.by_name = {f.api_name: f for f in fields}
        self.owner = threading.get_ident()

    def field(self, api_name: str) -> CustomField:
        found = self.by_name.get(api_name)
        if found is None and api_name in LEGACY_SLOTS:
            if threading.get_ident() != self.owner:
                raise NeedsDatabase(api_name)  # the process reading ahead has no database connection of its own
            kind = CustomField.Kind(schema.legacy_slot_kind(api_name))
            found, _created = CustomField.objects.get_or_create(
                account=self.account,
                api_name=api_name,
                defaults={"label": api_name, "kind": kind, "is_legacy_slot": True},
            )
            self.by_name[api_name] = found
        if found is None:
            raise RowRejected(stored(gettext_noop("Unknown custom field “%(name)s”."), name=api_name))
        return found

    def clean(self, api_name: str, value):
        return _custom_value(self.field(api_name), value)


def _custom_value(custom_field: CustomField, value):
    if value is None or value == "":
        return None
    if value.__class__ is str and len(value) > MAX_CUSTOM_TEXT and len(value.strip()) > MAX_CUSTOM_TEXT:
        raise _too_long(custom_field.label, MAX_CUSTOM_TEXT)
    kind = custom_field.kind
    if kind == CustomField.Kind.NUMBER:
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation as exc:
            raise RowRejected(stored(_NOT_A_NUMBER, value=str(value), field=custom_field.label)) from exc
        # |number| >= 1e15, read off the exponent: abs(Decimal("1e2000000")) overflows the decimal context.
        if not number.is_finite() or (number and number.adjusted() >= 15):
            raise RowRejected(stored(_NOT_A_NUMBER, value=str(value), field=custom_field.label))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomField.Kind.DATE:
        try:
            return _parse_date(value).isoformat()
        except ValueError as exc:
            raise RowRejected(
                stored(gettext_noop("%(field)s: %(reason)s"), field=custom_field.label, reason=exc)
            ) from exc
    text = str(value).strip()
    if kind == CustomField.Kind.CHOICE and custom_field.choices and text not in custom_field.choices:
        raise RowRejected(
            stored(
                gettext_noop("“%(value)s” is not one of the choices of %(field)s."),
                value=text,
                field=custom_field.label,
            )
        )
    return text


# --- the rule of each field ---------------------------------------------------------------------------


def _text(field: str):
    limit, label = MAX_LENGTH[field], _LABELS[field]

    def clean(value) -> str:
        text = " ".join(str(value or "").split())
        if len(text) > limit:
            raise _too_long(label, limit)
        return text

    return clean


def _full_name(value) -> tuple[str, str]:
    from ..importers.values import split_full_name

    first, last = split_full_name(str(value or ""))
    for field, text in (("first_name", first), ("last_name", last)):
        if len(text) > MAX_LENGTH[field]:
            raise _too_long(_LABELS[field], MAX_LENGTH[field])
    return first, last


def _email(value) -> str:
    if value in (None, "") or not str(value).strip():
        return ""
    try:
        return email_normalize(value)
    except InvalidContactPoint as exc:
        raise RowRejected(exc.text) from exc


def _phone(region: str):
    def clean(value) -> str:
        if value in (None, "") or not str(value).strip():
            return ""
        try:
            return phone_normalize(value, region=region)
        except InvalidContactPoint as exc:
            raise RowRejected(exc.text) from exc

    return clean


def _refusing_value_errors(parse):
    def clean(value):
        try:
            return parse(value)
        except ValueError as exc:
            raise RowRejected(storable(exc)) from exc

    return clean


def _reference(field: str):
    """A text other systems compare (the external reference): kept as sent, only trimmed."""
    limit, label = MAX_LENGTH[field], _LABELS[field]

    def clean(value) -> str:
        text = str(value or "").strip()
        if len(text) > limit:
            raise _too_long(label, limit)
        return text

    return clean


def _custom(catalog: FieldCatalog, api_name: str):
    found: list[CustomField] = []  # looked up for the first row that gets this far (a slot is created then)

    def clean(value):
        if not found:
            found.append(catalog.field(api_name))
        return _custom_value(found[0], value)

    return clean


# (key in the row, where the clean value goes, the rule, whether equal inputs share one cleaning)
_Step = tuple[str, str, object, bool]


def _steps(keys: tuple[str, ...], *, region: str, catalog: FieldCatalog) -> list[_Step]:
    """The cleaning steps of rows with these keys, in the order a row's first refusal is decided."""
    present = set(keys)
    steps: list[_Step] = []
    if "full_name" in present and not present & {"first_name", "last_name"}:
        steps.append(("full_name", "full_name", _full_name, True))
    # The schema's stored fields, in its order; a key other systems match by is cleaned value by value.
    steps += [(f.key, f.key, _rule(f, region), not f.matches) for f in schema.fields() if f.key in present]
    steps += [(key, key, _custom(catalog, key[7:]), True) for key in keys if key.startswith(schema.CUSTOM_PREFIX)]
    return steps


def _rule(field: schema.Field, region: str):
    """The cleaning rule of a stored built-in field, by its kind."""
    if field.kind == Kind.EMAIL:
        return _email
    if field.kind == Kind.PHONE:
        return _phone(region)
    if field.kind == Kind.DATE:
        return _refusing_value_errors(_parse_date)
    if field.kind == Kind.CHOICE:  # the gender, the one built-in choice field
        return _refusing_value_errors(_parse_gender)
    return _reference(field.key) if field.matches else _text(field.key)


class _Refusal:
    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


_MISSING = object()


def _clean_column(rule, column: list, shared: bool, refused: dict[int, str]) -> list:
    """The rule over a column; a refused position gets its reason in `refused`.

    A row already refused for an earlier field is passed over: its first reason is the one it keeps.
    """
    out = []
    append = out.append
    if not shared:
        for position, value in enumerate(column):
            if refused and position in refused:
                append(None)
                continue
            try:
                append(rule(value))
            except RowRejected as exc:
                refused.setdefault(position, exc.reason)
                append(None)
        return out
    seen: dict = {}
    for position, value in enumerate(column):
        if refused and position in refused:
            append(None)
            continue
        # Only text is shared: other values can be equal and still clean differently (two datetimes
        # of one instant in two time zones, 1 and True).
        clean = seen.get(value, _MISSING) if value.__class__ is str else _MISSING
        if clean is _MISSING:
            try:
                clean = rule(value)
            except RowRejected as exc:
                clean = _Refusal(exc.reason)
            if value.__class__ is str:
                seen[value] = clean
        if clean.__class__ is _Refusal:
            refused.setdefault(position, clean.reason)
            clean = None
        append(clean)
    return out


def _contact_id(row: dict) -> tuple[int | None, bool]:
    contact_id, id_required = row.get("id"), True
    if contact_id in (None, ""):
        contact_id, id_required = row.get("known_id"), False
    if contact_id in (None, ""):
        return None, id_required
    try:
        contact_id = int(contact_id)
        if not 0 < contact_id < 2**63:
            raise ValueError(contact_id)
    except (TypeError, ValueError) as exc:
        if id_required:
            raise RowRejected(stored(gettext_noop("“%(value)s” is not a contact id."), value=str(contact_id))) from exc
        contact_id = None
    return contact_id, id_required


def _clean_alike(
    raw: list[tuple[int, dict]], keys: tuple[str, ...], *, region: str, catalog: FieldCatalog
) -> tuple[list[Clean], list[tuple[int, dict, str]]]:
    """Rows that all have `keys`."""
    if REFUSED in keys:
        return [], [(index, row, str(row[REFUSED])) for index, row in raw]
    rows = [row for _index, row in raw]
    values: list[dict] = [{} for _row in rows]
    custom: list[dict] = [{} for _row in rows]
    refused: dict[int, str] = {}
    for key, target, rule, shared in _steps(keys, region=region, catalog=catalog):
        column = _clean_column(rule, [row[key] for row in rows], shared, refused)
        if target == "full_name":
            for into, names in zip(values, column, strict=True):
                if names is not None:  # None: the row is refused
                    into["first_name"], into["last_name"] = names
        elif target.startswith("custom:"):
            name = target[7:]
            for into, value in zip(custom, column, strict=True):
                into[name] = value
        else:
            for into, value in zip(values, column, strict=True):
                into[target] = value
    per_row = not set(_ROW_KEYS).isdisjoint(keys)
    cleaned, rejected = [], []
    for position, (index, row) in enumerate(raw):
        reason = refused.get(position) if refused else None
        if reason is None and per_row:
            try:
                contact_id, id_required = _contact_id(row)
            except RowRejected as exc:
                reason = exc.reason
        if reason is not None:
            rejected.append((index, row, reason))
            continue
        if not per_row:
            cleaned.append(Clean(index, values[position], custom[position]))
            continue
        cleaned.append(
            Clean(
                index,
                values[position],
                custom[position],
                contact_id,
                id_required,
                tuple(n.strip() for n in row.get("groups") or () if n and str(n).strip()),
                tuple(int(g) for g in row.get("group_ids_add") or ()),
                tuple(int(g) for g in row.get("group_ids_remove") or ()),
            )
        )
    return cleaned, rejected


def clean_rows(
    raw: list[tuple[int, dict]], *, region: str, catalog: FieldCatalog
) -> tuple[list[Clean], list[tuple[int, dict, str]]]:
    """Clean numbered rows: the accepted ones in order, and the refused ones with the reason."""
    alike: dict[tuple, list[tuple[int, dict]]] = {}
    for numbered in raw:
        alike.setdefault(tuple(numbered[1]), []).append(numbered)
    if len(alike) == 1:
        ((keys, rows),) = alike.items()
        return _clean_alike(rows, keys, region=region, catalog=catalog)
    cleaned, rejected = [], []
    for keys, rows in alike.items():
        accepted, refused = _clean_alike(rows, keys, region=region, catalog=catalog)
        cleaned += accepted
        rejected += refused
    cleaned.sort(key=lambda clean: clean.index)
    rejected.sort(key=lambda refusal: refusal[0])
    return cleaned, rejected


def value_cleaner(key: str, *, region: str, catalog: FieldCatalog):
    """The rule rows clean one field's values by (it raises RowRejected), for values compared one at a time;
    a key no rule cleans on its own (an unknown key, the full name that becomes two fields) keeps its value."""
    for step_key, target, rule, _shared in _steps((key,), region=region, catalog=catalog):
        if step_key == key and target == key and key != "full_name":
            return rule
    return _unchanged


def _unchanged(value):
    return value


def clean_row(index: int, row: dict, *, region: str, catalog: FieldCatalog) -> Clean:
    """One row through the same rules; raises RowRejected with the reason."""
    cleaned, rejected = _clean_alike([(index, row)], tuple(row), region=region, catalog=catalog)
    if rejected:
        raise RowRejected(rejected[0][2])
    return cleaned[0]
