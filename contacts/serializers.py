"""Serializers of the contacts REST API (SPEC API-1): what goes in, what comes out, documented exactly."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketing.core.texts import rendered

from . import schema
from .fields import API_NAME_PATTERN
from .models import Contact, CustomField, Gender, Group, ImportJob, Suppression
from .schema import MAX_CUSTOM_TEXT, Kind

MAX_ID = 2**63 - 1  # the largest database id: anything above is refused before it reaches a query
MAX_BATCH = 1000  # contacts, ids or points in one call

# The row keys of `contacts_upsert` a REST contact may carry as they are (its API names are the keys).
STANDARD_KEYS = tuple(f.key for f in schema.api_input())


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StoredTextField(serializers.CharField):
    """A text the platform stored for later (`marketing.core.texts`: a reason, an error), answered in the
    request's language: English unless `Accept-Language` asks for another."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return rendered(value)


class IdListField(serializers.ListField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_BATCH)
        kwargs.setdefault("error_messages", {"max_length": _("Send at most {max_length} ids per call.")})
        super().__init__(child=id_field(), **kwargs)


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "maxLength": MAX_CUSTOM_TEXT}, {"type": "number"}],
        "nullable": True,
        "description": "Text, a number, or a date as YYYY-MM-DD, as the field's type asks; null or "
        '"" clears the value.',
    }
)
class CustomValueField(serializers.Field):
    """A custom field value: text, a number or null. The upsert engine checks it against the field's type."""

    default_error_messages = {
        "invalid": _("Send text, a number or null."),
        "null_characters_not_allowed": _("Null characters are not allowed."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters_not_allowed")
        return data  # a text over MAX_CUSTOM_TEXT is refused by the upsert engine's cleaning, as in a file

    def to_representation(self, value):
        return value


# --- contacts -----------------------------------------------------------------------------------------


def _input_field(field: schema.Field) -> serializers.Field:
    """The REST input of one schema field. Contact points are capped at what anyone types; a longer name or
    reference reaches the upsert engine, whose cleaning refuses it with the same reason as in an imported file
    ("First name: at most 100 characters.")."""
    help_text = field.api_description or None
    if field.kind == Kind.DATE:
        return serializers.DateField(allow_null=True, required=False, help_text=help_text)
    if field.kind == Kind.CHOICE:
        return serializers.ChoiceField(choices=field.choices.choices, allow_blank=True, required=False)
    if field.kind in (Kind.EMAIL, Kind.PHONE):
        return serializers.CharField(max_length=field.accepts, allow_blank=True, required=False, help_text=help_text)
    return serializers.CharField(allow_blank=True, required=False, help_text=help_text)


# The schema's fields, in its order, then what only the API has.
_ContactFields = type(
    "_ContactFields",
    (serializers.Serializer,),
    {field.api_name: _input_field(field) for field in schema.api_input()},
)


class ContactInput(_ContactFields):
    """The fields of one contact. Keys left out are left alone; an empty value clears the field."""

    custom = serializers.DictField(
        child=CustomValueField(),
        required=False,
        help_text="Custom field values by API name (see /custom-fields/). The legacy slots Text1–Text20, "
        "Number1–Number4 and Date1–Date2 are created on first use.",
    )
    add_to_groups = IdListField(required=False, help_text="Ids of groups the contact joins.")
    remove_from_groups = IdListField(required=False, help_text="Ids of groups the contact leaves.")


class ContactBatchItem(ContactInput):
    id = id_field(
        required=False,
        help_text="Update this contact; without it, contacts are matched by external_ref, then email, then phone.",
    )


class ContactOutput(serializers.ModelSerializer):
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True, read_only=True)
    custom = serializers.DictField(child=serializers.JSONField(), read_only=True)
    groups = serializers.SerializerMethodField(help_text="Ids of the groups the contact belongs to.")

    class Meta:
        model = Contact
        fields = [
            "id",
            *(f.api_name for f in schema.api_output()),
            "custom",
            "groups",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_groups(self, contact: Contact) -> list[int]:
        return sorted(membership.group_id for membership in contact.memberships.all())


@extend_schema_field(ContactBatchItem(many=True))
class BatchContactsField(serializers.ListField):
    """The items stay raw here: each is validated on its own so that one bad item rejects only itself."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.JSONField(),
            min_length=1,
            max_length=MAX_BATCH,
            error_messages={
                "max_length": _(
                    "Send at most {max_length} contacts per call: split the batch, or upload a file to "
                    "/api/v1/imports/."
                ),
                "min_length": _("Send at least one contact."),
            },
            **kwargs,
        )


class ContactBatchInput(serializers.Serializer):
    contacts = BatchContactsField(help_text=f"Up to {MAX_BATCH:,} contacts.")
    add_new = serializers.BooleanField(default=True, help_text="Create contacts that do not exist yet.")
    update_existing = serializers.BooleanField(default=True, help_text="Update contacts that already exist.")
    avoid_losing_data = serializers.BooleanField(default=False, help_text="Never overwrite a value with an empty one.")
    groups = IdListField(required=False, help_text="Ids of groups every accepted contact joins.")
    handle_events = serializers.BooleanField(
        default=True, help_text="Fire automation triggers (contact created, joined a group…)."
    )


class OutcomeOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in `contacts`, from 0.")
    status = serializers.ChoiceField(choices=["new", "updated", "unchanged", "rejected"])
    contact_id = serializers.IntegerField(allow_null=True)
    reason = StoredTextField(help_text="Why the item was rejected; empty otherwise.")


class ContactBatchOutput(serializers.Serializer):
    read = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    outcomes = OutcomeOutput(many=True)


# --- groups -------------------------------------------------------------------------------------------


class GroupOutput(serializers.ModelSerializer):
    # A plain string, not an enum: a second "kind" enum would collide with CustomField's in the schema.
    kind = serializers.CharField(
        read_only=True, help_text="regular, external (an external audience source) or clickers (saved clickers)."
    )
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "name", "kind", "member_count", "created_at"]
        read_only_fields = fields

    def get_member_count(self, group: Group) -> int:
        count = getattr(group, "member_count", None)
        return group.memberships.count() if count is None else count


class GroupNameInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class ContactIdsInput(serializers.Serializer):
    contact_ids = IdListField(min_length=1)


class MembersAddOutput(serializers.Serializer):
    added = serializers.IntegerField(help_text="Contacts that joined the group.")
    already = serializers.IntegerField(help_text="Contacts that were members already.")
    not_found = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids that are not contacts of this account."
    )


class MembersRemoveOutput(serializers.Serializer):
    removed = serializers.IntegerField()
    not_members = serializers.IntegerField(help_text="Ids that were not members of the group.")


class GroupMergeInput(serializers.Serializer):
    into = id_field(help_text="The group that receives the members; the group in the URL is deleted.")


# --- custom fields ------------------------------------------------------------------------------------


class CustomFieldOutput(serializers.ModelSerializer):
    choices = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = CustomField
        fields = ["id", "api_name", "label", "kind", "choices", "is_legacy_slot", "created_at"]
        read_only_fields = fields


class CustomFieldInput(serializers.Serializer):
    label = serializers.CharField(max_length=200)
    api_name = serializers.RegexField(
        API_NAME_PATTERN, help_text="Latin letters, digits and “_”, starting with a letter, up to 64. It never changes."
    )
    kind = serializers.ChoiceField(choices=CustomField.Kind.choices)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200, help_text="For kind=choice."
    )


# --- suppressions -------------------------------------------------------------------------------------


class SuppressionOutput(serializers.ModelSerializer):
    reason = StoredTextField(help_text="Why it was unsubscribed: the words given, or the platform's own reason.")

    class Meta:
        model = Suppression
        fields = ["id", "point", "channel", "reason", "source", "created_at"]
        read_only_fields = fields


class SuppressionsAddInput(serializers.Serializer):
    points = serializers.ListField(
        child=serializers.CharField(max_length=254, trim_whitespace=False),  # a blank point is rejected by name
        min_length=1,
        max_length=MAX_BATCH,
        help_text=f"Phone numbers (the SMS channel) and email addresses (the email channel), up to {MAX_BATCH:,}.",
    )
    reason = serializers.CharField(max_length=200, allow_blank=True, default="")


class RejectedPointOutput(serializers.Serializer):
    point = serializers.CharField()
    reason = serializers.CharField()


class SuppressionsAddOutput(serializers.Serializer):
    added = serializers.IntegerField()
    already = serializers.IntegerField(help_text="Points that were unsubscribed already.")
    rejected = RejectedPointOutput(many=True)


# --- imports ------------------------------------------------------------------------------------------


class FormBooleanField(serializers.BooleanField):
    """A boolean of a multipart form whose absence means its default, not false."""

    default_empty_html = serializers.empty


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConsentField(FormBooleanField):
    """Only true is accepted: the schema says so, so that a caller's generator never sends false."""


class ImportCreateInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (any delimiter; UTF-8, Windows-1255 or UTF-16) or XLSX.")
    consent = ConsentField(
        help_text="Must be true: everyone in this file agreed to receive messages, as the anti-spam law requires."
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='A JSON object {"column header": "field"} overriding the automatic mapping. Fields: '
        + ", ".join(f"{f.key} (up to three columns)" if f.key == "group" else f.key for f in schema.importable())
        + ', custom:<api name>; null or "ignore" skips the column.',
    )
    ignore_unmapped = FormBooleanField(
        default=False, help_text="Skip the columns nothing maps to, instead of refusing the file."
    )
    group = id_field(required=False, help_text="An existing group every imported contact joins.")
    group_name = serializers.CharField(
        max_length=200, required=False, help_text="A group every imported contact joins, created when missing."
    )
    add_new = FormBooleanField(default=True)
    update_existing = FormBooleanField(default=True)
    avoid_losing_data = FormBooleanField(default=False)

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Confirm that everyone in this file agreed to receive messages, as the anti-spam law requires.")
            )
        return value

    def validate(self, attrs: dict) -> dict:
        if attrs.get("group") and attrs.get("group_name"):
            raise serializers.ValidationError({"group_name": [_("Send either group or group_name, not both.")]})
        return attrs


class ImportCountsOutput(serializers.Serializer):
    read = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True, help_text="Data rows in the file.")


class ImportColumnOutput(serializers.Serializer):
    column = serializers.CharField()
    field = serializers.CharField(allow_null=True, help_text="null: the column is ignored.")


class ImportOptionsOutput(serializers.Serializer):
    add_new = serializers.BooleanField()
    update_existing = serializers.BooleanField()
    avoid_losing_data = serializers.BooleanField()


class ImportOutput(serializers.ModelSerializer):
    error = StoredTextField(help_text="Why the import failed; empty otherwise.")
    counts = serializers.SerializerMethodField()
    mapping = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()
    group = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    rejected_url = serializers.SerializerMethodField(help_text="The rejected rows as CSV, when there are any.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "status",
            "error",
            "counts",
            "mapping",
            "options",
            "group",
            "rejected_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ImportCountsOutput)
    def get_counts(self, job: ImportJob) -> dict:
        return {
            "read": job.rows_read,
            "new": job.rows_new,
            "updated": job.rows_updated,
            "unchanged": job.rows_unchanged,
            "rejected": job.rows_rejected,
            "total": job.rows_total,
        }

    @extend_schema_field(ImportColumnOutput(many=True))
    def get_mapping(self, job: ImportJob) -> list[dict]:
        headers = (job.options or {}).get("headers") or [f"Column {i + 1}" for i in range(len(job.mapping or []))]
        return [{"column": header, "field": field} for header, field in zip(headers, job.mapping or [], strict=False)]

    @extend_schema_field(ImportOptionsOutput)
    def get_options(self, job: ImportJob) -> dict:
        options = job.options or {}
        return {
            "add_new": options.get("add_new", True),
            "update_existing": options.get("update_existing", True),
            "avoid_losing_data": options.get("avoid_losing_data", False),
        }

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_rejected_url(self, job: ImportJob) -> str | None:
        if not job.rejected_file:
            return None
        url = reverse("api:import-rejected", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url
