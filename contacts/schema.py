"""The one definition of a contact's fields (DESIGN §1): what each built-in field is called, holds and goes by.

Every list of the built-in fields is read from here: the upsert engine's cleaning (lengths, labels, rules by
kind) and storage (columns), the importer's header detection and the wizard, the REST serializers, the legacy
`Contact/Update` names, the screens' form and filters, the exports and the Salesforce mapping. The model keeps
its own Django fields (they are the database's schema); tests/contacts/test_schema.py holds the two equal.

    schema.fields()                       # the stored built-ins, in the API's order
    schema.field("phone").input_length    # 40: the longest phone accepted before it is normalized
    schema.on_screen(schema.exportable()) # the export's columns, in the order people see them
    schema.by_legacy_name("phonenumber")  # the phone (legacy names match whatever their case)
    schema.account_fields(account)        # built-ins + the account's custom fields, one list

Besides the stored fields the catalogue holds three pseudo-fields a row may carry but no column stores:
full_name (split into first and last name), known_id (the platform's own id, from its export) and group.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CUSTOM_PREFIX",
    "LEGACY_SLOTS",
    "MAX_CUSTOM_TEXT",
    "AccountField",
    "Field",
    "Gender",
    "Kind",
    "account_fields",
    "api_input",
    "api_output",
    "by_legacy_name",
    "columns",
    "entries",
    "exportable",
    "field",
    "fields",
    "filterable",
    "importable",
    "legacy",
    "legacy_slot_kind",
    "max_lengths",
    "on_screen",
    "salesforce_mappable",
]

CUSTOM_PREFIX = "custom:"  # a row's key for a custom field: "custom:<api name>"
MAX_CUSTOM_TEXT = 1000  # the longest text a custom field holds
# The old API's fixed custom slots, created as custom fields of the account on first use.
LEGACY_SLOTS = (
    *(f"Text{i}" for i in range(1, 21)),
    *(f"Number{i}" for i in range(1, 5)),
    *(f"Date{i}" for i in range(1, 3)),
)


class Kind(StrEnum):
    """What a field holds. The custom fields' kinds (text, number, date, choice) are the same words."""

    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    CHOICE = "choice"
    DATE = "date"
    NUMBER = "number"
    ID = "id"  # known_id: a contact id of this platform
    GROUP = "group"  # group: group names


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


@dataclass(frozen=True, slots=True, eq=False)  # each entry is one of a kind: compared and hashed by identity
class Field:
    """One built-in field. Declared in the order of the API, the engine and storage; `position` orders screens."""

    key: str  # the key of an upsert row, and the Contact attribute when stored
    label: Promise  # the name people see (translated)
    kind: Kind
    position: int  # where the contact form, the filters, the import wizard and the exports show it
    column: str = ""  # the Contact column; "" for a pseudo-field no column stores
    max_length: int | None = None  # the longest stored text: the model column's max_length
    input_length: int | None = None  # the longest text accepted before normalizing (default: max_length)
    choices: type[models.TextChoices] | None = None
    matches: bool = False  # the upsert engine finds contacts by it (kept as sent, only trimmed)
    api_name: str = ""  # its name in the REST API; "" when the API does not take it
    api_help: str = ""  # the API documentation's note ("{max_length}" is filled in)
    legacy_name: str = ""  # its name in the legacy `Contact/Update` endpoint
    legacy_codes: dict[str, str] | None = None  # legacy value -> value, for a field the old API sent as numbers
    legacy_help: str = ""
    importable: bool = False
    headers: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (rank, phrases): import header synonyms
    exportable: bool = False
    filterable: bool = False  # the contacts list can filter by an exact value of it
    salesforce: bool = False  # can be mapped to a Salesforce field

    @property
    def stored(self) -> bool:
        return bool(self.column)

    @property
    def accepts(self) -> int | None:
        """The longest text accepted on the way in."""
        return self.input_length or self.max_length

    @property
    def api_description(self) -> str:
        return self.api_help.format(max_length=self.max_length)


_ENTRIES: tuple[Field, ...] = (
    Field(
        "first_name",
        _("First name"),
        Kind.TEXT,
        position=0,
        column="first_name",
        max_length=100,
        api_name="first_name",
        api_help="At most {max_length} characters.",
        legacy_name="FirstName",
        importable=True,
        headers=((0, ("first name", "firstname", "first", "given name", "fname", "forename", "שם פרטי", "פרטי")),),
        exportable=True,
        filterable=True,
        salesforce=True,
    ),
    Field(
        "last_name",
        _("Last name"),
        Kind.TEXT,
        position=1,
        column="last_name",
        max_length=100,
        api_name="last_name",
        api_help="At most {max_length} characters.",
        legacy_name="LastName",
        importable=True,
        headers=((0, ("last name", "lastname", "last", "surname", "family name", "lname", "שם משפחה", "משפחה")),),
        exportable=True,
        filterable=True,
        salesforce=True,
    ),
    Field(
        "full_name",
        _("Full name (split into first and last)"),
        Kind.TEXT,
        position=2,
        api_name="full_name",
        api_help="Split into first name (the first word) and last name (the rest) when neither is sent.",
        importable=True,
        headers=((0, ("full name", "fullname", "display name", "contact name", "שם מלא", "שם איש קשר")),),
    ),
    Field(
        "email",
        _("Email"),
        Kind.EMAIL,
        position=4,
        column="email",
        max_length=254,
        matches=True,
        api_name="email",
        legacy_name="Email",
        importable=True,
        headers=(
            (
                0,
                (
                    "email",
                    "e-mail",
                    "email address",
                    "e-mail address",
                    "mail",
                    "e-mail 1 - value",
                    "primary email",
                    "אימייל",
                    'דוא"ל',
                    "מייל",
                    "כתובת מייל",
                    "כתובת אימייל",
                    'כתובת דוא"ל',
                    "דואר אלקטרוני",
                ),
            ),
        ),
        exportable=True,
        salesforce=True,
    ),
    Field(
        "phone",
        _("Mobile phone"),
        Kind.PHONE,
        position=3,
        column="phone",
        max_length=20,  # E.164
        input_length=40,  # as people type it: spaces, dashes, brackets
        matches=True,
        api_name="phone",
        api_help="Any usual spelling; stored in E.164 using the account's default region (050-1234567 → "
        "+972501234567).",
        legacy_name="PhoneNumber",
        importable=True,
        headers=(
            (
                0,
                (
                    "mobile",
                    "mobile phone",
                    "mobile number",
                    "cell",
                    "cell phone",
                    "cellular",
                    "נייד",
                    "טלפון נייד",
                    "סלולרי",
                    "סלולר",
                    "טלפון סלולרי",
                    "מספר נייד",
                    "פלאפון",
                ),
            ),
            (
                1,
                (
                    "phone",
                    "phone number",
                    "telephone",
                    "tel",
                    "phone 1 - value",
                    "primary phone",
                    "טלפון",
                    "מספר טלפון",
                ),
            ),
            (2, ("business phone", "home phone", "work phone", "טלפון בבית", "טלפון בעבודה")),
        ),
        exportable=True,
        salesforce=True,
    ),
    Field(
        "gender",
        _("Gender"),
        Kind.CHOICE,
        position=5,
        column="gender",
        max_length=8,
        choices=Gender,
        api_name="gender",
        legacy_name="GenderId",
        legacy_codes={"1": Gender.MALE.value, "2": Gender.FEMALE.value, "0": ""},  # the seed's David Levi is 1
        legacy_help="1 male, 2 female.",
        importable=True,
        headers=((0, ("gender", "sex", "מין", "מגדר")),),
        exportable=True,
        filterable=True,
    ),
    Field(
        "birth_date",
        _("Birth date"),
        Kind.DATE,
        position=6,
        column="birth_date",
        api_name="birth_date",
        legacy_name="BirthDate",
        legacy_help="YYYY-MM-DD or DD/MM/YYYY.",
        importable=True,
        headers=((0, ("birthday", "birth date", "date of birth", "dob", "תאריך לידה", "יום הולדת")),),
        exportable=True,
        filterable=True,
        salesforce=True,
    ),
    Field(
        "additional_date",
        _("Additional date"),
        Kind.DATE,
        position=7,
        column="additional_date",
        api_name="additional_date",
        legacy_name="AdditionalDate",
        importable=True,
        headers=((0, ("additional date", "anniversary", "תאריך נוסף", "יום נישואין")),),
        exportable=True,
        filterable=True,
    ),
    Field(
        "registration_date",
        _("Registration date"),
        Kind.DATE,
        position=8,
        column="registration_date",
        api_name="registration_date",
        legacy_name="RegistrationDate",
        importable=True,
        headers=(
            (0, ("registration date", "signup date", "sign up date", "joined", "join date", "date joined")),
            (0, ("תאריך הצטרפות", "תאריך הרשמה", "תאריך רישום")),
            (1, ("created date", "date created", "תאריך יצירה")),
        ),
        exportable=True,
        filterable=True,
    ),
    Field(
        "external_ref",
        _("External reference"),
        Kind.TEXT,
        position=9,
        column="external_ref",
        max_length=100,
        matches=True,
        api_name="external_ref",
        api_help="The contact's id in your own system; at most {max_length} characters.",
        legacy_name="ContactRefId",
        legacy_help="Your own id for the contact.",
        importable=True,
        headers=(
            (
                0,
                (
                    "external id",
                    "external ref",
                    "reference",
                    "ref",
                    "ref id",
                    "reference id",
                    "contactrefid",
                    "lead id",
                    "contact id",
                    "customer id",
                    "client id",
                    "מזהה חיצוני",
                    "מספר לקוח",
                ),
            ),
        ),
        exportable=True,
        filterable=True,
    ),
    # The "ID" column of the platform's own export; an id of another account's export is passed over on import.
    Field(
        "known_id",
        _("Contact ID (from this platform's export)"),
        Kind.ID,
        position=10,
        matches=True,
        importable=True,
        headers=((0, ("id", "מזהה")),),
    ),
    Field(
        "group",
        _("Group (up to three columns)"),
        Kind.GROUP,
        position=11,
        importable=True,
        headers=(
            (
                0,
                (
                    "group",
                    "groups",
                    "list",
                    "segment",
                    "group membership",
                    "labels",
                    "categories",
                    "tags",
                    "קבוצה",
                    "קבוצות",
                    "רשימה",
                    "שיוך לקבוצה",
                ),
            ),
        ),
    ),
)
_BY_KEY = {entry.key: entry for entry in _ENTRIES}
_BY_LEGACY_NAME = {entry.legacy_name.casefold(): entry for entry in _ENTRIES if entry.legacy_name}


# --- queries ------------------------------------------------------------------------------------------


def entries() -> tuple[Field, ...]:
    """Every entry, the pseudo-fields too, in declaration order."""
    return _ENTRIES


@cache
def fields() -> tuple[Field, ...]:
    """The built-in fields a contact stores, in the order of the API and storage."""
    return tuple(entry for entry in _ENTRIES if entry.stored)


def field(key: str) -> Field:
    """The entry of `key` ("phone", "full_name" …); KeyError for anything else."""
    return _BY_KEY[key]


def on_screen(chosen) -> tuple[Field, ...]:
    """`chosen` in the order screens and exports show fields (the mobile phone before the email)."""
    return tuple(sorted(chosen, key=lambda entry: entry.position))


@cache
def importable() -> tuple[Field, ...]:
    """What a column of an imported file can map to, the pseudo-fields included."""
    return tuple(entry for entry in _ENTRIES if entry.importable)


@cache
def exportable() -> tuple[Field, ...]:
    return tuple(entry for entry in _ENTRIES if entry.exportable)


@cache
def filterable() -> tuple[Field, ...]:
    return tuple(entry for entry in _ENTRIES if entry.filterable)


@cache
def api_input() -> tuple[Field, ...]:
    """What a REST contact may carry (full_name too)."""
    return tuple(entry for entry in _ENTRIES if entry.api_name)


@cache
def api_output() -> tuple[Field, ...]:
    """What a REST contact answers with."""
    return tuple(entry for entry in _ENTRIES if entry.api_name and entry.stored)


@cache
def legacy() -> tuple[Field, ...]:
    """The fields the legacy `Contact/Update` endpoint names."""
    return tuple(entry for entry in _ENTRIES if entry.legacy_name)


def by_legacy_name(name: str) -> Field | None:
    """The field a legacy name means, whatever its case; None for a name that is no field's."""
    return _BY_LEGACY_NAME.get(str(name).casefold())


@cache
def salesforce_mappable() -> tuple[Field, ...]:
    return tuple(entry for entry in _ENTRIES if entry.salesforce)


@cache
def columns() -> tuple[str, ...]:
    """The Contact columns of the built-in fields, in storage order."""
    return tuple(entry.column for entry in fields())


def max_lengths(kind: Kind | None = None) -> dict[str, int]:
    """{key: max_length} of the stored fields with a length (of one kind, when given)."""
    return {f.key: f.max_length for f in fields() if f.max_length and (kind is None or f.kind == kind)}


def legacy_slot_kind(name: str) -> Kind:
    """The kind of a legacy slot: Text1 text, Number1 a number, Date1 a date."""
    return {"T": Kind.TEXT, "N": Kind.NUMBER, "D": Kind.DATE}[name[0]]


# --- the account's own fields -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountField:
    """A field as personalization and automation conditions see it: built-in or the account's own."""

    key: str  # "first_name", or "custom:<api name>"
    label: str | Promise
    kind: str  # a Kind value
    api_name: str
    custom: bool = False
    choices: tuple[str, ...] = ()


def account_fields(account) -> list[AccountField]:
    """The stored built-in fields, then the account's custom fields (as the custom fields screen lists them)."""
    from .selectors import custom_field_list  # selectors import the models, which import this module

    built_in = [
        AccountField(
            key=f.key,
            label=f.label,
            kind=f.kind.value,
            api_name=f.api_name,
            choices=tuple(f.choices.values) if f.choices else (),
        )
        for f in fields()
    ]
    custom = [
        AccountField(
            key=CUSTOM_PREFIX + c.api_name,
            label=c.label,
            kind=c.kind,
            api_name=c.api_name,
            custom=True,
            choices=tuple(c.choices or ()),
        )
        for c in custom_field_list(account=account)
    ]
    return built_in + custom
