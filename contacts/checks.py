"""Checks of one contact typed on a screen, before it is saved (SPEC CON-5).

- `contact_values_refused`: every value the upsert engine would refuse, each with its reason, so a form shows
  them all at once next to their fields (the engine itself stops at a row's first refusal).
- `contact_point_holders`: the other contacts of the account that already have the phone, email or reference
  typed, compared in their stored form ("050-1234567" finds "+972501234567").
"""

from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString

from marketing.accounts.models import Account
from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize
from marketing.core.texts import rendered

from . import schema
from .models import Contact
from .upsert import FieldCatalog, RowRejected, clean_row

HOLDERS_SHOWN = 1  # the oldest holder is named; the others are counted
POINT_FIELDS = ("phone", "email", "external_ref")
_NOT_VALUES = {"id", "known_id", "groups", "group_ids_add", "group_ids_remove"}


def contact_values_refused(*, account: Account, row: dict) -> dict[str, str]:
    """The row's refused values: {row key: the reason}, each value checked by the engine's own rule."""
    catalog = FieldCatalog(account)
    refused = {}
    for key, value in row.items():
        if key in _NOT_VALUES:
            continue
        try:
            clean_row(1, {key: value}, region=account.default_region, catalog=catalog)
        except RowRejected as exc:
            refused[key] = rendered(str(exc))
    return refused


@dataclass(frozen=True)
class Holders:
    """The contacts that hold one typed phone, email or reference."""

    field: str  # "phone", "email" or "external_ref"
    point: str  # as stored
    first: Contact  # the oldest holder
    others: int  # how many more hold it

    @property
    def confirmation(self) -> str:
        """What a "save anyway" sends back for this point (stored points hold no spaces)."""
        return f"{self.field}:{self.point}"

    @property
    def name(self) -> SafeString:
        """The oldest holder's name; without one, its email or phone, read left to right."""
        name = f"{self.first.first_name} {self.first.last_name}".strip()
        if name:
            return format_html("{}", name)
        return format_html('<bdi dir="ltr">{}</bdi>', self.first.email or self.first.phone)


def _stored(account: Account, field: str, value) -> str:
    """The form `value` is stored in, or "" when it cannot be stored (its own error says why)."""
    value = str(value or "").strip()
    if not value:
        return ""
    try:
        if field == "phone":
            return phone_normalize(value, region=account.default_region)
        if field == "email":
            return email_normalize(value)
    except InvalidContactPoint:
        return ""
    return value if len(value) <= schema.field(field).accepts else ""


def contact_point_holders(*, account: Account, values: dict, contact: Contact | None = None) -> list[Holders]:
    """For each phone, email and reference in `values`, the other contacts of the account that hold it.

    On an edit (`contact`), a point the contact has already is not asked about: only a change is.
    """
    found = []
    for field in POINT_FIELDS:
        point = _stored(account, field, values.get(field))
        if not point or (contact is not None and getattr(contact, field) == point):
            continue
        holders = Contact.objects.filter(account=account, **{field: point}).order_by("pk")
        if contact is not None:
            holders = holders.exclude(pk=contact.pk)
        first = holders.first()
        if first is not None:
            found.append(Holders(field, point, first, holders.count() - 1))
    return found


def confirmed(holders: list[Holders], confirmations: list[str]) -> bool:
    """Whether the person chose "save anyway" for every one of these points."""
    given = {part for value in confirmations for part in str(value).split()}
    return all(h.confirmation in given for h in holders)
