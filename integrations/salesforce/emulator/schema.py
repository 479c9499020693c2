"""Object definitions: the standard objects the emulated org holds, and their describe output."""

from dataclasses import dataclass

from .ids import KEY_PREFIXES

_LENGTHS = {
    "id": 18,
    "reference": 18,
    "string": 255,
    "email": 80,
    "phone": 40,
    "picklist": 255,
    "textarea": 32000,
    "url": 255,
}
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "double": "xsd:double",
    "int": "xsd:int",
    "currency": "xsd:double",
    "percent": "xsd:double",
}


@dataclass
class Field:
    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    required: bool = False
    default: object = None
    unique: bool = False
    external_id: bool = False
    custom: bool = False
    reference_to: tuple[str, ...] = ()
    picklist: tuple[str, ...] = ()

    def __post_init__(self):
        self.label = self.label or _label(self.name)
        self.length = self.length or _LENGTHS.get(self.type, 0)
        if self.type == "boolean":
            self.nillable = False
            self.default = bool(self.default)
        if self.required:
            self.nillable = False

    def describe(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "length": self.length,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "unique": self.unique,
            "externalId": self.external_id,
            "idLookup": self.name == "Id" or self.external_id,
            "custom": self.custom,
            "calculated": False,
            "filterable": True,
            "sortable": self.type != "textarea",
            "defaultedOnCreate": self.default is not None or self.type == "boolean" or self.name == "OwnerId",
            "defaultValue": self.default if self.type != "reference" else None,
            "referenceTo": list(self.reference_to),
            "relationshipName": _relationship(self),
            "picklistValues": [
                {
                    "active": True,
                    "defaultValue": value == self.default,
                    "label": value,
                    "validFor": None,
                    "value": value,
                }
                for value in self.picklist
            ],
        }


def _label(name: str) -> str:
    name = name.removesuffix("__c").removesuffix("Id") or name
    words, current = [], ""
    for char in name.replace("_", " "):
        if char.isupper() and current and not current[-1].isupper() and current[-1] != " ":
            words.append(current)
            current = char
        else:
            current += char
    words.append(current)
    return " ".join(word.strip() for word in words if word.strip())


def _relationship(field: Field) -> str | None:
    if field.type != "reference" or not field.name.endswith("Id"):
        return None
    return field.name[:-2]


class SObjectType:
    def __init__(
        self,
        name: str,
        fields: list[Field],
        *,
        label: str = "",
        plural: str = "",
        owned: bool = True,
        createable: bool = True,
    ):
        self.name = name
        self.label = label or name
        self.plural = plural or f"{self.label}s"
        self.key_prefix = KEY_PREFIXES[name]
        self.owned = owned
        self.createable = createable
        system = [
            Field("Id", "id", createable=False, updateable=False, nillable=False),
            Field("IsDeleted", "boolean", label="Deleted", createable=False, updateable=False),
            Field("CreatedDate", "datetime", createable=False, updateable=False, nillable=False),
            Field("CreatedById", "reference", createable=False, updateable=False, reference_to=("User",)),
            Field("LastModifiedDate", "datetime", createable=False, updateable=False, nillable=False),
            Field("LastModifiedById", "reference", createable=False, updateable=False, reference_to=("User",)),
            Field("SystemModstamp", "datetime", label="System Modstamp", createable=False, updateable=False),
        ]
        if owned:
            system.append(Field("OwnerId", "reference", label="Owner ID", reference_to=("User",), nillable=False))
        self.fields: dict[str, Field] = {}
        self._lookup: dict[str, str] = {}
        for item in system[:2] + fields + system[2:]:
            self.add(item)

    def add(self, item: Field) -> None:
        self.fields[item.name] = item
        self._lookup[item.name.lower()] = item.name

    def field(self, name: str) -> Field | None:
        canonical = self._lookup.get(name.lower())
        return self.fields[canonical] if canonical else None

    def template(self) -> dict:
        """A record with every field at its default, to copy for each new record."""
        return {name: item.default if item.type != "reference" else None for name, item in self.fields.items()}

    def urls(self, version: str) -> dict:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def summary(self, version: str) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.plural,
            "keyPrefix": self.key_prefix,
            "custom": False,
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "createable": self.createable,
            "updateable": self.createable,
            "deletable": self.createable,
            "undeletable": self.createable,
            "replicateable": True,
            "layoutable": True,
            "urls": self.urls(version),
        }

    def describe(self, version: str) -> dict:
        return {
            **self.summary(version),
            "fields": [item.describe() for item in self.fields.values()],
            "childRelationships": [],
            "recordTypeInfos": [],
        }


LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted")
_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")


def _person_fields() -> list[Field]:
    return [
        Field("FirstName", "string", length=40),
        Field("LastName", "string", length=80, required=True),
        Field("Name", "string", label="Full Name", length=121, createable=False, updateable=False),
        Field("Title", "string", length=128),
        Field("Email", "email"),
        Field("Phone", "phone"),
        Field("MobilePhone", "phone", label="Mobile Phone"),
        Field("HasOptedOutOfEmail", "boolean", label="Email Opt Out"),
        Field("LeadSource", "picklist", label="Lead Source", picklist=_SOURCES),
    ]


def standard_types() -> dict[str, SObjectType]:
    """Fresh definitions (custom fields are added per org, so each org gets its own copies)."""
    lead = SObjectType(
        "Lead",
        [
            *_person_fields(),
            Field("Company", "string", required=True),
            Field("Status", "picklist", required=True, default=LEAD_STATUSES[0], picklist=LEAD_STATUSES),
            Field("IsConverted", "boolean", label="Converted", createable=False, updateable=False),
            Field("ConvertedContactId", "reference", createable=False, updateable=False, reference_to=("Contact",)),
            Field("ConvertedAccountId", "reference", createable=False, updateable=False, reference_to=("Account",)),
            Field("ConvertedDate", "date", createable=False, updateable=False),
        ],
    )
    contact = SObjectType(
        "Contact",
        [
            *_person_fields(),
            Field("AccountId", "reference", reference_to=("Account",)),
            Field("Birthdate", "date"),
        ],
    )
    account = SObjectType("Account", [Field("Name", "string", required=True)])
    campaign = SObjectType(
        "Campaign",
        [
            Field("Name", "string", length=80, required=True),
            Field("IsActive", "boolean", label="Active"),
            Field("Status", "picklist", picklist=("Planned", "In Progress", "Completed", "Aborted")),
        ],
    )
    member = SObjectType(
        "CampaignMember",
        [
            Field("CampaignId", "reference", required=True, updateable=False, reference_to=("Campaign",)),
            Field("LeadId", "reference", updateable=False, reference_to=("Lead",)),
            Field("ContactId", "reference", updateable=False, reference_to=("Contact",)),
            Field("Status", "picklist", default="Sent", picklist=("Sent", "Responded")),
        ],
        label="Campaign Member",
        owned=False,
    )
    task = SObjectType(
        "Task",
        [
            Field("Subject", "string"),
            Field("WhoId", "reference", label="Name ID", reference_to=("Lead", "Contact")),
            Field("ActivityDate", "date", label="Due Date Only"),
            Field(
                "Status",
                "picklist",
                required=True,
                default="Not Started",
                picklist=("Not Started", "In Progress", "Completed"),
            ),
            Field("Description", "textarea"),
        ],
    )
    user = SObjectType(
        "User",
        [
            Field("Username", "string", length=80, required=True),
            Field("FirstName", "string", length=40),
            Field("LastName", "string", length=80, required=True),
            Field("Name", "string", label="Full Name", length=121, createable=False, updateable=False),
            Field("Email", "email", required=True),
            Field("IsActive", "boolean", label="Active", default=True),
        ],
        owned=False,
        createable=False,
    )
    organization = SObjectType("Organization", [Field("Name", "string", length=80)], owned=False, createable=False)
    return {item.name: item for item in (lead, contact, account, campaign, member, task, user, organization)}
