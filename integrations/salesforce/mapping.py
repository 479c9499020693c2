"""Salesforce records as rows of the contacts upsert engine (SPEC SF-3, SF-5, SF-9)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from marketing.core.normalize import InvalidContactPoint, phone_normalize

from .models import SalesforceSettings

SYSTEM_FIELDS = ("Id", "SystemModstamp", "LastModifiedById")
READ_ONLY_FIELDS = frozenset(
    {
        "Id",
        "IsDeleted",
        "MasterRecordId",
        "Name",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "IsConverted",
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
        "PhotoUrl",
    }
)
LEAD_FIELDS = ("IsConverted", "ConvertedContactId")
STATUS_BY_OBJECT = {"Lead": "Prospect", "Contact": "Customer"}
KNOWN_VALUES = 200_000  # cleaned values a run remembers
TRUE_WORDS = frozenset({"true", "1", "y", "yes", "t", "on", "כן"})


def parse_datetime(value: str | None) -> datetime | None:
    """Salesforce's `2024-01-01T10:20:30.000+0000` (REST) or `…Z` (Bulk CSV) as an aware datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)  # reads both spellings, many times faster than strptime
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"not a Salesforce datetime: {value!r}")
    return moment.astimezone(UTC)


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal, whole seconds rounded down (the overlap window covers the rest)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def truthy(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().casefold() in TRUE_WORDS


class Comparer:
    """Mapped values as the platform stores them, as text, so that both sides compare equal when they hold
    the same value: the upsert engine's own cleaning (a phone in any format, an email in any case, dates,
    numbers and the kinds of custom fields), and the value as it is where that cleaning refuses it."""

    def __init__(self, account):
        from contacts.upsert import FieldCatalog

        self.region = account.default_region
        self.catalog = FieldCatalog(account)
        # (field, value) -> (its stored form, whether the cleaning took it): a run compares and links the same
        # values more than once, and reading a phone costs more than anything else here.
        self._known: dict = {}
        self._rules: dict = {}  # field -> the engine's cleaning rule for it

    def __call__(self, local: str, value) -> str:
        if value is None:
            return ""
        return self._cleaned(local, value)[0]

    def point(self, local: str, value) -> str:
        """The stored form of an email or phone, "" when the cleaning refuses it."""
        if value in (None, ""):
            return ""
        stored, taken = self._cleaned(local, value)
        return stored if taken else ""

    def _cleaned(self, local: str, value) -> tuple[str, bool]:
        key = (local, value)
        try:
            return self._known[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a list from a multi-select) is cleaned every time
            return self._stored(local, value)
        if len(self._known) >= KNOWN_VALUES:
            self._known.clear()
        found = self._known[key] = self._stored(local, value)
        if found[1]:
            self._known.setdefault((local, found[0]), found)  # cleaning is idempotent: the stored form reads as itself
        return found

    def _stored(self, local: str, value) -> tuple[str, bool]:
        from contacts.upsert import RowRejected, value_cleaner

        rule = self._rules.get(local)
        if rule is None:
            rule = self._rules[local] = value_cleaner(local, region=self.region, catalog=self.catalog)
        taken = True
        try:
            stored = rule(value)
        except (RowRejected, ValueError, TypeError):
            stored, taken = value, False
        if stored is None:
            return "", taken
        if isinstance(stored, float) and stored.is_integer():
            stored = int(stored)
        if hasattr(stored, "isoformat"):
            return stored.isoformat(), taken
        return " ".join(str(stored).split()), taken


def contact_value(values: dict, local: str):
    """A contact's value of a mapped platform field, from a row of `Contact.objects.values()`."""
    if local.startswith("custom:"):
        return (values.get("custom") or {}).get(local[7:])
    return values.get(local)


def plain(value):
    """A field value as REST gives it; Bulk CSV gives strings, with "" for null."""
    if value == "":
        return None
    return value


@dataclass
class ObjectPlan:
    """What one Salesforce object brings: the fields to read and how each lands on a contact."""

    sobject: str
    mappings: list[dict]
    status_field: str = ""
    sync_flag_field: str = ""
    optout_fields: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        names: list[str] = list(SYSTEM_FIELDS)
        if self.sobject == "Lead":
            names += LEAD_FIELDS
        for mapping in self.mappings:
            names += [mapping["remote"], *([mapping["fallback"]] if mapping.get("fallback") else [])]
        names += [name for name in self.optout_fields.values() if name]
        if self.sync_flag_field:
            names.append(self.sync_flag_field)
        return list(dict.fromkeys(names))  # in order, once each

    def row(self, record: dict, *, region: str) -> dict:
        """The upsert row of a record: every mapped field, translated; the status; nothing else."""
        row: dict = {}
        for mapping in self.mappings:
            value = plain(record.get(mapping["remote"]))
            if value in (None, "") and mapping.get("fallback"):
                value = plain(record.get(mapping["fallback"]))
            translate = mapping.get("translate") or {}
            if translate and value is not None:
                value = translate.get(str(value), value)
            row[mapping["local"]] = "" if value is None else value
        phone = str(row.get("phone") or "")
        if phone and row.get("email"):
            try:  # an office number must not cost a contact that has an email: it just doesn't come along
                phone_normalize(phone, region=region)
            except InvalidContactPoint:
                row["phone"] = ""
        if self.status_field:
            row[f"custom:{self.status_field}"] = STATUS_BY_OBJECT.get(self.sobject, "")
        return row

    def is_status(self, local: str) -> bool:
        return bool(self.status_field) and local == f"custom:{self.status_field}"

    @cached_property
    def pushable(self) -> list[dict]:
        """Mappings a platform change is written back through: not the status field (it only ever comes in),
        not a field Salesforce does not let anyone write (system fields, formulas: `readonly` from describe)."""
        return [
            m
            for m in self.mappings
            if not self.is_status(m["local"]) and not m.get("readonly") and m["remote"] not in READ_ONLY_FIELDS
        ]

    def remote_value(self, mapping: dict, value):
        """A platform value as Salesforce spells it: translations reversed, dates as ISO text."""
        if value is None:
            return None
        reverse = {str(local): remote for remote, local in (mapping.get("translate") or {}).items()}
        if reverse and str(value) in reverse:
            return reverse[str(value)]
        return value.isoformat() if hasattr(value, "isoformat") else value

    def opted_out(self, record: dict) -> list[str]:
        """The channels a record says it is opted out of (never the other way round: SPEC UNS-4)."""
        return [channel for channel, name in self.optout_fields.items() if name and truthy(record.get(name))]


def object_plans(settings: SalesforceSettings, *, pulled_only: bool = True) -> list[ObjectPlan]:
    """Leads first: a lead converted since the last run links its contact before that contact is read.

    `pulled_only=False` gives both objects, whatever is pulled: the push writes to records of either.
    """
    choices = (("Lead", settings.pull_leads), ("Contact", settings.pull_contacts))
    wanted = [name for name, on in choices if on or not pulled_only]
    return [
        ObjectPlan(
            sobject=name,
            mappings=[m for m in (settings.field_map or {}).get(name, []) if m.get("remote") and m.get("local")],
            status_field=settings.status_field,
            sync_flag_field=settings.sync_flag_field,
            optout_fields={k: v for k, v in (settings.optout_fields or {}).items() if v},
        )
        for name in wanted
    ]


def carried_over(lead: ObjectPlan | None, contact: ObjectPlan | None, synced: dict) -> dict:
    """A converted lead's synced values the Contact inherits: those of platform fields both objects map
    from the same Salesforce field (conversion copies it), and the opt-out and marker notes."""
    if lead is None or contact is None:
        return {}
    lead_remote = {m["local"]: m["remote"] for m in lead.mappings}
    same = {m["local"] for m in contact.mappings if lead_remote.get(m["local"]) == m["remote"]}
    return {k: v for k, v in (synced or {}).items() if k in same or ":" in k and not k.startswith("custom:")}
