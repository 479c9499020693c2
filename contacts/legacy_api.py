"""The legacy-compatible `POST /api/Contact/Update` endpoint (SPEC API-2, API-3).

Integrations written for the old API keep working unchanged: Zapier webhooks put the whole document in the
`json=` query parameter, WordPress Contact Form 7 (the "Redirection" plugin's API JSON action) posts it as
the JSON body. Both shapes, with the credentials inside as {"User": {"Username", "Token"}}:

    {"User": {...}, "Data": {"AddNewContacts": "true", "UpdateExistingContacts": true, "AvoidLoosingData": 0,
      "Contacts": [{"FirstName": "…", "PhoneNumber": "050…", "AddToGroupName": "Leads", "HandleEvents": true}]}}

The answer keeps the old PascalCase style:

    {"Status": 1, "Description": "…", "Data": {"Read": 1, "New": 1, "Updated": 0, "Unchanged": 0,
      "Rejected": 0, "Contacts": [{"Index": 0, "Status": "New", "ContactId": 7, "Reason": "", "Warnings": []}]}}

Status is 1 when every contact was saved, 0 otherwise. The HTTP status is 200 when at least one contact was
saved, 400 when the document was refused or every contact was rejected. Credential errors keep the house
error shape of the authentication classes.
"""

import re
from dataclasses import dataclass, field

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response

from marketing.accounts.models import Account
from marketing.core.api import AccountApiView, ErrorSerializer
from marketing.core.parsers import JsonTooDeep, json_loads_bounded, json_parse_error
from marketing.core.texts import rendered
from marketing.tokens.authentication import BearerTokenAuthentication, LegacyBodyTokenAuthentication, legacy_payload

from . import schema, selectors
from .api.common import StrictJSONParser, is_storable_text
from .batch import LEGACY_NUMBER_SLOTS, BatchItem, contacts_batch_run, number_problem
from .models import CustomField
from .serializers import MAX_BATCH, MAX_ID
from .services import Policy, Status
from .sources import Source
from .upsert import LEGACY_SLOTS, FieldCatalog

SOURCE = Source.API
MAX_TEXT = 1000

# Legacy contact keys -> upsert row keys, from the schema's legacy names. Keys match whatever their case.
SCALARS = {f.legacy_name: f.key for f in schema.legacy() if not f.legacy_codes}
SPECIAL = ("ContactId", "GenderId", "AddToGroupNumbers", "RemoveFromGroupNumbers", "AddToGroupName", "HandleEvents")
KNOWN = {name.casefold(): name for name in (*SCALARS, *SPECIAL, *LEGACY_SLOTS)}
GENDER_IDS = schema.field("gender").legacy_codes  # GenderId 1 is male, 2 female
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
STATUS_NAMES = {
    Status.NEW: "New",
    Status.UPDATED: "Updated",
    Status.UNCHANGED: "Unchanged",
    Status.REJECTED: "Rejected",
}


class LegacyRefused(Exception):
    """The document as a whole cannot be read: answered with Status 0 and HTTP 400."""


def parse_bool(value, *, name: str, default: bool) -> bool:
    """true/false, "true"/"false", 1/0 and friends; missing or empty means `default`."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise LegacyRefused(_("%(name)s must be true or false, not “%(value)s”.") % {"name": name, "value": value})


def _text(value, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise LegacyRefused(_("%(name)s must be text.") % {"name": name})
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)  # 100001.0 from a spreadsheet-fed tool is 100001
    text = str(value)
    if "\x00" in text:
        raise LegacyRefused(_("%(name)s contains a null character.") % {"name": name})
    if len(text) > MAX_TEXT:
        raise LegacyRefused(_("%(name)s is too long.") % {"name": name})
    return text


def _group_numbers(value, name: str, warnings: list[str]) -> list[int]:
    """ "1,2,3", [1, "2"] or 4 -> [1, 2, 3]; what is not a group number is reported and skipped."""
    if value is None or value == "":
        return []
    if any("\x00" in str(part) for part in (value if isinstance(value, list) else [value])):
        raise LegacyRefused(_("%(name)s contains a null character.") % {"name": name})
    parts = value if isinstance(value, list) else re.split(r"[,;\s]+", str(value))
    numbers = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
            numbers.append(int(text))
        else:
            warnings.append(
                _("“%(value)s” in %(name)s is not a group number; ignored.") % {"value": text, "name": name}
            )
    return numbers


@dataclass
class LegacyContact(BatchItem):
    row: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # `refused`: why the contact cannot even be read


def _number(text: str, name: str, number_names: set[str]) -> str:
    if name in number_names and (reason := number_problem(text)):
        raise LegacyRefused(reason)
    return text


def _contact(index: int, raw, custom_names: dict[str, str], number_names: set[str]) -> LegacyContact:
    item = LegacyContact(index)
    if not isinstance(raw, dict):
        item.refused = _("Each contact must be a JSON object.")
        return item
    row, warnings = item.row, item.warnings
    try:
        for key, value in raw.items():
            name = KNOWN.get(str(key).casefold())
            custom = custom_names.get(str(key).casefold()) if name is None else None
            if name is None and custom is None:
                warnings.append(_("Unknown field “%(name)s”; ignored.") % {"name": key})
            elif value is None:
                continue  # null means "not sent"
            elif custom is not None:
                row[f"custom:{custom}"] = _number(_text(value, str(key)), custom, number_names)
            elif name in SCALARS:
                row[SCALARS[name]] = _text(value, name)
            elif name in LEGACY_SLOTS:
                text = _number(_text(value, name), name, number_names)
                if text.strip() or name in custom_names.values():  # an empty slot that never existed: nothing to clear
                    row[f"custom:{name}"] = text
            elif name == "ContactId":
                text = _text(value, name).strip()
                if text not in ("", "0"):
                    if not (text.isascii() and text.isdigit() and int(text) <= MAX_ID):
                        raise LegacyRefused(_("ContactId must be a contact number, not “%(value)s”.") % {"value": text})
                    row["id"] = int(text)
            elif name == "GenderId":
                text = _text(value, name).strip()
                row["gender"] = GENDER_IDS.get(text, text)
            elif name == "AddToGroupNumbers":
                row["group_ids_add"] = _group_numbers(value, name, warnings)
            elif name == "RemoveFromGroupNumbers":
                row["group_ids_remove"] = _group_numbers(value, name, warnings)
            elif name == "AddToGroupName":
                names = value if isinstance(value, list) else [value]
                row["groups"] = [_text(n, name).strip()[:200] for n in names if n is not None and str(n).strip()]
            elif name == "HandleEvents":
                item.handle_events = parse_bool(value, name=name, default=True)
    except LegacyRefused as exc:
        item.refused = str(exc)
    return item


@dataclass
class LegacyResult:
    outcomes: list[dict]

    def count(self, status_name: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome["Status"] == status_name)

    @property
    def saved(self) -> int:
        return len(self.outcomes) - self.count("Rejected")


def legacy_contacts_update(*, account: Account, data, actor=None) -> LegacyResult:
    """Run a legacy `Data` document through the upsert engine; one outcome per contact, in order."""
    if not isinstance(data, dict):
        raise LegacyRefused(_("The document needs a “Data” object with “Contacts”."))
    policy = Policy(
        add_new=parse_bool(data.get("AddNewContacts"), name="AddNewContacts", default=True),
        update_existing=parse_bool(data.get("UpdateExistingContacts"), name="UpdateExistingContacts", default=True),
        avoid_losing_data=parse_bool(data.get("AvoidLoosingData"), name="AvoidLoosingData", default=False),
    )
    raw_contacts = data.get("Contacts")
    if isinstance(raw_contacts, dict):
        raw_contacts = [raw_contacts]
    if not isinstance(raw_contacts, list) or not raw_contacts:
        raise LegacyRefused(_("Data.Contacts must be a list with at least one contact."))
    if len(raw_contacts) > MAX_BATCH:
        raise LegacyRefused(_("Send at most %(max)s contacts per call.") % {"max": MAX_BATCH})
    fields = list(selectors.custom_field_list(account=account))  # read once: here and by the engine
    custom_names = {f.api_name.casefold(): f.api_name for f in fields}
    number_names = {f.api_name for f in fields if f.kind == CustomField.Kind.NUMBER}
    number_names |= LEGACY_NUMBER_SLOTS
    contacts = [_contact(index, raw, custom_names, number_names) for index, raw in enumerate(raw_contacts)]
    _drop_unknown_groups(account, contacts)
    catalog = FieldCatalog(account, fields)
    results = contacts_batch_run(
        account=account, items=contacts, policy=policy, source=SOURCE, actor=actor, catalog=catalog
    )
    return LegacyResult([_outcome(contacts[r.index], r.status, r.contact_id, r.reason) for r in results])


def _drop_unknown_groups(account: Account, contacts: list[LegacyContact]) -> None:
    """Group numbers that are not groups of this account are reported and never touched."""
    asked = {g for item in contacts for key in ("group_ids_add", "group_ids_remove") for g in item.row.get(key, ())}
    if not asked:
        return
    known = set(selectors.group_list(account=account).filter(pk__in=asked).values_list("pk", flat=True))
    for item in contacts:
        for key in ("group_ids_add", "group_ids_remove"):
            numbers = item.row.get(key)
            if not numbers:
                continue
            for number in sorted(set(numbers) - known):
                item.warnings.append(_("There is no group number %(number)s; ignored.") % {"number": number})
            item.row[key] = [n for n in numbers if n in known]


def _outcome(item: LegacyContact, status_key: str, contact_id: int | None, reason: str) -> dict:
    return {
        "Index": item.index,
        "Status": STATUS_NAMES[status_key],
        "ContactId": contact_id,
        "Reason": rendered(reason),  # the engine's reasons are stored texts: in the request's language
        "Warnings": item.warnings,
    }


# --- the view and its documentation -------------------------------------------------------------------


class LegacyUserSerializer(serializers.Serializer):
    Username = serializers.CharField(
        required=False, help_text="A user of the account; needed when the token comes in this document."
    )
    Token = serializers.CharField(help_text="An API token of the account.")


# The documented shapes of what the endpoint reads. Old integrations send numbers for text and "true" or 1 for
# flags, and null for "not sent"; the schema says so, so that it describes what is accepted.
def _legacy_text_schema(max_length: int) -> dict:
    return {"oneOf": [{"type": "string", "maxLength": max_length}, {"type": "number"}], "nullable": True}


LEGACY_FLAG_SCHEMA = {
    "oneOf": [
        {"type": "boolean"},
        {"type": "string", "enum": sorted(TRUE_WORDS | FALSE_WORDS | {""})},
        {"type": "integer", "enum": [0, 1]},
    ],
    "nullable": True,
}
LEGACY_GROUP_NUMBERS_SCHEMA = {
    "oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "array", "items": {}}],
    "nullable": True,
}


def _legacy_text(max_length: int = MAX_TEXT, **kwargs):
    field_class = extend_schema_field(_legacy_text_schema(max_length))(type("LegacyText", (serializers.Field,), {}))
    return field_class(required=False, **kwargs)


def _legacy(schema: dict, **kwargs):
    return extend_schema_field(schema)(type("LegacyValue", (serializers.Field,), {}))(required=False, **kwargs)


def _legacy_field(field: schema.Field):
    """The documented shape of one schema field under its legacy name."""
    help_text = field.legacy_help or None
    if field.legacy_codes:
        codes = sorted(field.legacy_codes)
        numbers = {"type": "integer", "enum": [int(code) for code in codes]}
        return _legacy(
            {"oneOf": [numbers, {"type": "string", "enum": ["", *codes]}], "nullable": True}, help_text=help_text
        )
    return _legacy_text(field.accepts or MAX_TEXT, help_text=help_text)


# The schema's fields under their legacy names, between the id and the group instructions.
_LegacyContactFields = type(
    "_LegacyContactFields",
    (serializers.Serializer,),
    {
        "ContactId": _legacy(
            {"oneOf": [{"type": "integer", "minimum": 0, "maximum": MAX_ID}, {"type": "string"}], "nullable": True},
            help_text="Update this contact (ids of other accounts are rejected); 0 or empty: none.",
        ),
        **{field.legacy_name: _legacy_field(field) for field in schema.legacy()},
        "AddToGroupNumbers": _legacy(LEGACY_GROUP_NUMBERS_SCHEMA, help_text='Group ids, "1,2,3" or [1, 2, 3].'),
        "RemoveFromGroupNumbers": _legacy(LEGACY_GROUP_NUMBERS_SCHEMA, help_text='Group ids, "4,5" or [4, 5].'),
        "AddToGroupName": _legacy(
            {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "array", "items": {}}], "nullable": True},
            help_text="A group to join (or a list of them), created when missing.",
        ),
        "HandleEvents": _legacy(LEGACY_FLAG_SCHEMA, help_text="false: no automation triggers fire for this contact."),
    },
)


LegacyContactSerializer = type(
    "LegacyContactSerializer",
    (_LegacyContactFields,),
    {slot: _legacy_text() for slot in LEGACY_SLOTS},
)


class LegacyDataSerializer(serializers.Serializer):
    AddNewContacts = _legacy(LEGACY_FLAG_SCHEMA, help_text='true (default) or false; also "true"/"false", 1/0.')
    UpdateExistingContacts = _legacy(LEGACY_FLAG_SCHEMA, help_text="true (default) or false.")
    AvoidLoosingData = _legacy(LEGACY_FLAG_SCHEMA, help_text="Never overwrite a value with an empty one.")
    Contacts = LegacyContactSerializer(many=True, max_length=MAX_BATCH, min_length=1)


class LegacyDocumentSerializer(serializers.Serializer):
    User = LegacyUserSerializer(required=False, help_text="The credentials, unless sent as a Bearer header.")
    Data = LegacyDataSerializer()


class LegacyOutcomeSerializer(serializers.Serializer):
    Index = serializers.IntegerField(help_text="Position in Data.Contacts, from 0.")
    Status = serializers.ChoiceField(choices=list(STATUS_NAMES.values()))
    ContactId = serializers.IntegerField(allow_null=True)
    Reason = serializers.CharField(allow_blank=True)
    Warnings = serializers.ListField(child=serializers.CharField(), help_text="Unknown fields, groups not found.")


class LegacyCountsSerializer(serializers.Serializer):
    Read = serializers.IntegerField()
    New = serializers.IntegerField()
    Updated = serializers.IntegerField()
    Unchanged = serializers.IntegerField()
    Rejected = serializers.IntegerField()
    Contacts = LegacyOutcomeSerializer(many=True)


class LegacyResponseSerializer(serializers.Serializer):
    Status = serializers.ChoiceField(choices=[0, 1], help_text="1: every contact was saved; 0 otherwise.")
    Description = serializers.CharField()
    Data = LegacyCountsSerializer(allow_null=True)


ZAPIER_EXAMPLE = {
    "User": {"Username": "XXX", "Token": "XXX"},
    "Data": {
        "AddNewContacts": "true",
        "UpdateExistingContacts": "true",
        "AvoidLoosingData": "false",
        "Contacts": [
            {
                "FirstName": "Dana",
                "LastName": "Levi",
                "Email": "dana@example.com",
                "PhoneNumber": "0501234567",
                "AddToGroupName": "New group name",
                "HandleEvents": True,
            }
        ],
    },
}


def _answer(result: LegacyResult) -> Response:
    outcomes = result.outcomes
    counts = {name: result.count(name) for name in STATUS_NAMES.values()}
    description = _(
        "Read: %(read)s. New: %(new)s, updated: %(updated)s, unchanged: %(unchanged)s, rejected: %(rejected)s."
    ) % {
        "read": len(outcomes),
        "new": counts["New"],
        "updated": counts["Updated"],
        "unchanged": counts["Unchanged"],
        "rejected": counts["Rejected"],
    }
    body = {
        "Status": 0 if counts["Rejected"] else 1,
        "Description": description,
        "Data": {"Read": len(outcomes), **counts, "Contacts": outcomes},
    }
    return Response(body, status=status.HTTP_200_OK if result.saved else status.HTTP_400_BAD_REQUEST)


class ContactUpdateLegacyApi(AccountApiView):
    authentication_classes = [BearerTokenAuthentication, LegacyBodyTokenAuthentication]
    parser_classes = [StrictJSONParser]

    def initial(self, request, *args, **kwargs):
        # The `json=` document is read by the authentication first: refuse a document nested too deeply to read
        # safely, and text no database or hash can take.
        raw = request.query_params.get("json")
        if raw:
            try:
                document = json_loads_bounded(raw)
            except JsonTooDeep as exc:
                raise json_parse_error(exc) from exc
            except ValueError:
                document = None  # legacy_payload answers with the parse error
            if not is_storable_text(document):
                raise ParseError(_("The json parameter holds characters that are not valid Unicode."))
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary="Add or update contacts (legacy Contact/Update)",
        description="The legacy document, as the JSON body or URL-encoded in the `json` query parameter; the "
        'credentials go inside it as {"User": {"Username", "Token"}} (or as a Bearer header). Targets of Zapier '
        "webhooks and WordPress Contact Form 7 keep working. Contacts are saved one by one: rejected ones come "
        "back with a reason, unknown fields are reported per contact. HTTP 400 when the document is refused or "
        "no contact was saved.",
        request=LegacyDocumentSerializer,
        responses={
            200: LegacyResponseSerializer,
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="LegacyRefusal",
                    serializers=[LegacyResponseSerializer, ErrorSerializer],
                    resource_type_field_name=None,
                ),
                description="The document was refused or no contact was saved (legacy shape), or the request "
                "could not be read (error shape).",
            ),
        },
        examples=[OpenApiExample("Zapier webhook", value=ZAPIER_EXAMPLE, request_only=True)],
        tags=["legacy"],
    )
    def post(self, request):
        try:
            payload = legacy_payload(request)
            if not is_storable_text(payload):
                raise LegacyRefused(_("The document holds characters that are not valid Unicode."))
            result = legacy_contacts_update(account=self.account, data=payload.get("Data"), actor=self.actor)
        except LegacyRefused as exc:
            body = {"Status": 0, "Description": str(exc), "Data": None}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return _answer(result)


urlpatterns = [
    path("Contact/Update", ContactUpdateLegacyApi.as_view(), name="legacy-contact-update"),
]
