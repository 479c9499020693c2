"""The Salesforce settings form (SPEC SF-2 … SF-6, SF-15): what syncs, the field mapping, the API budget."""

import re
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts import schema
from contacts.models import Group
from integrations.models import Connection
from marketing.accounts.forms import BootstrapMixin

from ..models import SalesforceSettings, lead_company_placeholder
from ..names import validate_api_name
from ..screens import OBJECTS, RemoteField
from .connection import ltr_input

# The built-in fields a Salesforce field can map to, as the schema names them; the email first (it can be the
# unique key).
PLATFORM_FIELDS = tuple(
    (f.key, f.label) for f in sorted(schema.salesforce_mappable(), key=lambda f: f.kind != schema.Kind.EMAIL)
)
CUSTOM_PREFIX = schema.CUSTOM_PREFIX
# Settings the form gives as they are; the mapping, opt-outs and groups are put together in service_kwargs.
SETTINGS_NAMES = (
    "pull_leads",
    "pull_contacts",
    "unique_key",
    "status_field",
    "new_contact_object",
    "lead_company_default",
    "source_label",
    "preferred_system",
    "delete_mode",
    "deleted_here",
    "fill_salesforce_blanks",
    "sync_flag_field",
    "deleted_marker_field",
)
OPTOUT_CHANNELS = (("email", _("Email opt-out field")), ("sms", _("SMS opt-out field")))


def translations_parse(text: str) -> dict[str, str]:
    """`Y=true, 1=true` (commas or new lines between pairs) as {"Y": "true", "1": "true"}."""
    result: dict[str, str] = {}
    for part in re.split(r"[,\n]", text or ""):
        if not part.strip():
            continue
        if "=" not in part:
            raise forms.ValidationError(
                _("Write each translation as value=meaning, e.g. Y=true, 1=true (“%(part)s” has no =)."),
                params={"part": part.strip()},
            )
        key, value = part.split("=", 1)
        if not key.strip():
            raise forms.ValidationError(_("A translation needs the Salesforce value before the =."))
        result[key.strip()] = value.strip()
    return result


def translations_format(mapping: dict | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (mapping or {}).items())


class RemoteFieldChoice(forms.ChoiceField):
    """A field of one Salesforce object; anything describe did not list is refused by name."""

    def __init__(self, *args, sobject: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.sobject = sobject

    def validate(self, value):
        if value and not self.valid_value(value):
            raise forms.ValidationError(
                _("Salesforce's %(object)s has no field “%(value)s”."),
                code="invalid_choice",
                params={"object": self.sobject, "value": value},
            )
        super().validate(value)


@dataclass
class MappingRow:
    sobject: str
    local: str
    label: str
    remote: forms.BoundField
    translate: forms.BoundField


class SalesforceSettingsForm(BootstrapMixin, forms.Form):
    """SF-2 … SF-6, SF-15. With `remote` (the org's fields from describe) the Salesforce fields are chosen from
    lists and checked against them; without it (Salesforce unreachable) they are typed."""

    pull_leads = forms.BooleanField(label=_("Salesforce Leads create platform contacts"), required=False)
    pull_contacts = forms.BooleanField(label=_("Salesforce Contacts create platform contacts"), required=False)
    synced_groups = forms.ModelMultipleChoiceField(
        label=_("Groups that sync to Salesforce"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    inbound_group = forms.ModelChoiceField(
        label=_("Group for contacts from Salesforce"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("No group"),
    )
    unique_key = forms.ChoiceField(
        label=_("Unique key"),
        choices=SalesforceSettings.UniqueKey.choices,
        widget=forms.RadioSelect,
        help_text=_("With email, a Lead that converts to a Contact keeps updating the same platform contact."),
    )
    status_field = forms.ChoiceField(
        label=_("Status field"),
        required=False,
        help_text=_("A custom field of the contacts that receives “Prospect” for Leads and “Customer” for Contacts."),
    )
    new_contact_object = forms.ChoiceField(
        label=_("New platform contacts become"), choices=SalesforceSettings.NewContactObject.choices
    )
    lead_company_default = forms.CharField(label=_("Company for new Leads"), max_length=255, required=False)
    source_label = forms.CharField(label=_("Source label"), max_length=64)
    preferred_system = forms.ChoiceField(
        label=_("When a field changed on both sides, keep"), choices=SalesforceSettings.PreferredSystem.choices
    )
    delete_mode = forms.ChoiceField(
        label=_("When a record is deleted in Salesforce"), choices=SalesforceSettings.DeleteMode.choices
    )
    deleted_here = forms.ChoiceField(
        label=_("When a synced contact is deleted here"),
        choices=SalesforceSettings.DeletedHere.choices,
        help_text=_("Its record stays in Salesforce either way."),
    )
    fill_salesforce_blanks = forms.BooleanField(
        label=_("Fill empty Salesforce fields when a record is first linked"),
        required=False,
        help_text=SalesforceSettings._meta.get_field("fill_salesforce_blanks").help_text,
    )
    schedule_minutes = forms.IntegerField(label=_("Sync every (minutes)"), min_value=1, max_value=1440)
    daily_share_percent = forms.IntegerField(
        label=_("Share of the organization's daily API limit (%)"), min_value=1, max_value=100
    )
    hourly_call_cap = forms.IntegerField(label=_("API calls per hour, at most"), min_value=1)

    BOOLEAN_FIELDS = ("sync_flag_field", "optout_email", "optout_sms", "deleted_marker_field")

    def __init__(self, *args, account, connection, settings, remote, custom_fields, **kwargs):
        self.remote: dict[str, list[RemoteField]] | None = remote
        self.settings = settings
        saved_map = settings.field_map or {}
        kwargs.setdefault("initial", self._initial(connection, settings))
        super().__init__(*args, **kwargs)
        groups = Group.objects.filter(account=account).order_by("name")
        self.fields["synced_groups"].queryset = groups
        self.fields["inbound_group"].queryset = groups
        self.fields["unique_key"].widget.attrs["class"] = "form-check-input"
        placeholder = lead_company_placeholder(account)
        self.fields["lead_company_default"].widget.attrs["placeholder"] = placeholder
        self.fields["lead_company_default"].help_text = _(
            "Written on a new Lead whose contact has no company mapped (Salesforce requires one). "
            "Left empty: “%(company)s”."
        ) % {"company": placeholder}
        self.fields["status_field"].choices = [("", _("None")), *((f.api_name, f.label) for f in custom_fields)]
        self._add_boolean_fields()
        platform = [*PLATFORM_FIELDS, *((CUSTOM_PREFIX + f.api_name, f.label) for f in custom_fields)]
        self.rows: dict[str, list[tuple[str, str]]] = {}
        self.missing: list[tuple[str, str]] = []  # saved Salesforce fields describe no longer lists
        names = {sobject: {f.name for f in (remote or {}).get(sobject, [])} for sobject in OBJECTS}
        for sobject in OBJECTS:
            saved = {row.get("local"): row for row in saved_map.get(sobject, []) if isinstance(row, dict)}
            known = {local for local, _label in platform}
            rows = [*platform, *((local, local) for local in saved if local and local not in known)]
            self.rows[sobject] = rows
            for index, (local, label) in enumerate(rows):
                row = saved.get(local) or {}
                remote_name = row.get("remote", "")
                if remote_name and remote is not None and remote_name not in names[sobject]:
                    self.missing.append((sobject, remote_name))
                if local == "email" and not remote_name and not self.is_bound:
                    remote_name = self._email_field(sobject)
                self.fields[f"map-{sobject}-{index}"] = self._remote_field(sobject, label, remote_name)
                self.fields[f"tr-{sobject}-{index}"] = forms.CharField(
                    label=_("Value translations"),
                    required=False,
                    max_length=500,
                    initial=translations_format(row.get("translate")),
                    widget=forms.TextInput(
                        attrs={"dir": "ltr", "class": "form-control form-control-sm", "placeholder": "Y=true, 1=true"}
                    ),
                )

    @staticmethod
    def _initial(connection: Connection, settings: SalesforceSettings) -> dict:
        optouts = settings.optout_fields or {}
        initial = {name: getattr(settings, name) for name in SETTINGS_NAMES}
        initial.update(
            optout_email=optouts.get("email", ""),
            optout_sms=optouts.get("sms", ""),
            inbound_group=settings.inbound_group_id,
            synced_groups=list(settings.synced_groups.values_list("pk", flat=True)) if settings.pk else [],
            schedule_minutes=connection.schedule_minutes,
            daily_share_percent=connection.daily_share_percent,
            hourly_call_cap=connection.hourly_call_cap,
        )
        return initial

    def _email_field(self, sobject: str) -> str:
        fields = (self.remote or {}).get(sobject, [])
        names = [f.name for f in fields]
        if "Email" in names:
            return "Email"
        return next((f.name for f in fields if f.type == "email"), "")

    def _remote_field(self, sobject: str, label: str, initial: str) -> forms.Field:
        if self.remote is None:
            return forms.CharField(
                label=label,
                required=False,
                initial=initial,
                validators=[validate_api_name],
                widget=ltr_input(**{"class": "form-control form-control-sm"}),
            )
        choices = [("", "—"), *((f.name, f"{f.label} ({f.name})") for f in self.remote.get(sobject, []))]
        return RemoteFieldChoice(
            sobject=sobject,
            label=label,
            required=False,
            initial=initial,
            choices=choices,
            widget=forms.Select(attrs={"class": "form-select form-select-sm", "dir": "ltr"}),
        )

    def _add_boolean_fields(self) -> None:
        described = {
            "sync_flag_field": (
                _("Sync flag field"),
                _("Only records with this checkbox set are brought in; it is cleared afterwards. None: every record."),
            ),
            "optout_email": (OPTOUT_CHANNELS[0][1], _("Checked in Salesforce: the contact's email is unsubscribed.")),
            "optout_sms": (OPTOUT_CHANNELS[1][1], _("Checked in Salesforce: the contact's phone is unsubscribed.")),
            "deleted_marker_field": (
                _("Removed-from-group marker field"),
                _("A checkbox set in Salesforce when a contact leaves a synced group."),
            ),
        }
        for name in self.BOOLEAN_FIELDS:
            label, help_text = described[name]
            if self.remote is None:
                field = forms.CharField(
                    label=label,
                    required=False,
                    validators=[validate_api_name],
                    widget=ltr_input(**{"class": "form-control"}),
                )
            else:
                field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=self._boolean_choices(),
                    widget=forms.Select(attrs={"class": "form-select"}),
                )
            field.help_text = help_text
            self.fields[name] = field

    def _boolean_choices(self) -> list[tuple[str, str]]:
        found: dict[str, tuple[str, list[str]]] = {}
        for sobject in OBJECTS:
            for f in (self.remote or {}).get(sobject, []):
                if f.is_boolean and f.updateable:
                    found.setdefault(f.name, (f.label, []))[1].append(sobject)
        choices = [("", _("None"))]
        for name, (label, objects) in sorted(found.items(), key=lambda item: item[1][0].casefold()):
            text = f"{label} ({name})"
            if len(objects) < len(OBJECTS):
                text += " — " + _("%(object)s only") % {"object": objects[0]}
            choices.append((name, text))
        return choices

    def mapping_rows(self) -> list[tuple[str, str, list[MappingRow]]]:
        """(object, its name in the reader's language, its rows)."""
        return [
            (
                sobject,
                SalesforceSettings.NewContactObject(sobject).label,
                [
                    MappingRow(sobject, local, label, self[f"map-{sobject}-{i}"], self[f"tr-{sobject}-{i}"])
                    for i, (local, label) in enumerate(rows)
                ],
            )
            for sobject, rows in self.rows.items()
        ]

    def clean(self):
        data = super().clean()
        pulled = [name for name, key in (("Lead", "pull_leads"), ("Contact", "pull_contacts")) if data.get(key)]
        if not pulled:
            self.add_error("pull_leads", _("Choose Leads, Contacts or both."))
        self._field_map = self._clean_field_map(pulled)
        if self.remote is not None:
            for name in self.BOOLEAN_FIELDS:
                value = data.get(name)
                for sobject in pulled if value else ():
                    if value not in {f.name for f in self.remote.get(sobject, []) if f.is_boolean}:
                        self.add_error(
                            name,
                            _("Salesforce's %(object)s has no checkbox field %(field)s.")
                            % {"object": sobject, "field": value},
                        )
        return data

    def _clean_field_map(self, pulled: list[str]) -> dict:
        saved_map = self.settings.field_map or {}
        field_map = {}
        for sobject, rows in self.rows.items():
            saved = {row.get("local"): row for row in saved_map.get(sobject, []) if isinstance(row, dict)}
            readonly = {f.name for f in (self.remote or {}).get(sobject, []) if not f.updateable}
            mapped = []
            for index, (local, _label) in enumerate(rows):
                remote = self.cleaned_data.get(f"map-{sobject}-{index}")
                if not remote:
                    continue
                try:
                    translate = translations_parse(self.cleaned_data.get(f"tr-{sobject}-{index}", ""))
                except forms.ValidationError as exc:
                    self.add_error(f"tr-{sobject}-{index}", exc)
                    translate = {}
                row = {"remote": remote, "local": local, "translate": translate}
                if remote in readonly:
                    row["readonly"] = True  # read, never written back (SPEC SF-7)
                before = saved.get(local) or {}
                if before.get("remote") == remote and before.get("fallback"):
                    row["fallback"] = before["fallback"]
                mapped.append(row)
            locals_ = {row["local"] for row in mapped}
            if sobject in pulled and not locals_ & {"email", "phone"}:
                self.add_error(
                    None,
                    _("Map the email or the mobile phone of %(object)s: every contact needs one of them.")
                    % {"object": sobject},
                )
            field_map[sobject] = mapped
        return field_map

    def service_kwargs(self) -> dict:
        """Arguments for `salesforce_setup_save`."""
        data = self.cleaned_data
        values = {name: data[name] for name in SETTINGS_NAMES}
        values["field_map"] = self._field_map
        values["optout_fields"] = {"email": data["optout_email"], "sms": data["optout_sms"]}
        return {
            "values": values,
            "synced_groups": list(data["synced_groups"]),
            "inbound_group": data["inbound_group"],
            "schedule_minutes": data["schedule_minutes"],
            "daily_share_percent": data["daily_share_percent"],
            "hourly_call_cap": data["hourly_call_cap"],
        }
