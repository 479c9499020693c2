"""Forms of the contacts screens. They read and check input; writing is the services' job."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.accounts.forms import BootstrapMixin

from . import schema
from .importers import parse_date, parse_gender
from .models import Channel, CustomField, Group
from .schema import Kind
from .upsert import FieldCatalog, RowRejected

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
CUSTOM_PREFIX = "cf_"

# Standard fields the list can be filtered by (selectors.contact_list decides how).
FILTER_FIELDS = tuple((f.key, f.label) for f in schema.on_screen(schema.filterable()))


def _date_widget(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def _date_field(label) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=_date_widget(), input_formats=DATE_INPUT_FORMATS)


def _ltr(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"dir": "ltr", **attrs})


def _checked(form: forms.Form) -> dict:
    """The values of a filter form that passed their checks (all of them when the form is unbound)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


class ContactFilterForm(BootstrapMixin, forms.Form):
    """CON-7: search, group, created date range and one field = value filter, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.SearchInput)
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), required=False, empty_label=_("All groups")
    )
    created_from = _date_field(_("Created from"))
    created_to = _date_field(_("Created to"))
    field = forms.ChoiceField(label=_("Field"), required=False)
    value = forms.CharField(label=_("Value"), required=False, max_length=200)

    def __init__(self, *args, account, custom_fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["group"].queryset = Group.objects.filter(account=account).order_by("name")
        self.custom_fields = {f.api_name: f for f in custom_fields}
        custom = [(f"custom:{f.api_name}", f.label) for f in custom_fields]
        choices = [("", _("Any field")), (_("Contact fields"), list(FILTER_FIELDS))]
        if custom:
            choices.append((_("Custom fields"), custom))
        self.fields["field"].choices = choices
        self.fields["q"].widget.attrs["placeholder"] = _("Name, phone or email")

    def clean(self):
        data = super().clean()
        key, value = data.get("field"), (data.get("value") or "").strip()
        data["field_filters"] = {}
        if not key or not value:
            return data
        try:
            data["field_filters"] = {key: self._typed(key, value)}
        except ValueError as exc:
            self.add_error("value", str(exc))
        return data

    def _typed(self, key: str, value: str):
        if not key.startswith(schema.CUSTOM_PREFIX):
            kind = schema.field(key).kind  # one of FILTER_FIELDS: the choice field let nothing else through
            if kind == Kind.CHOICE:  # the gender
                return parse_gender(value)
            return parse_date(value) if kind == Kind.DATE else value
        field = self.custom_fields.get(key[7:])
        if field is None:
            raise ValueError(_("Choose a field from the list."))
        if field.kind == CustomField.Kind.NUMBER:
            try:  # the rule every way in uses: a value no contact can hold finds no contact
                return FieldCatalog(self.account).clean(field.api_name, value)
            except RowRejected as exc:
                raise ValueError(str(exc)) from None
        if field.kind == CustomField.Kind.DATE:
            return parse_date(value).isoformat()
        return value

    def selector_kwargs(self) -> dict:
        """Keyword arguments for selectors.contact_list; a value that did not pass its check is left out."""
        data = _checked(self)
        group = data.get("group")
        return {
            "search": data.get("q") or "",
            "group_id": group.pk if group else None,
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
            "field_filters": data.get("field_filters") or {},
        }


def _standard_field(field: schema.Field) -> forms.Field:
    """The form field of one built-in field, by its kind: a contact point or a reference reads left to right."""
    if field.kind == Kind.DATE:
        return _date_field(field.label)
    if field.kind == Kind.CHOICE:
        return forms.ChoiceField(label=field.label, required=False, choices=[("", "—"), *field.choices.choices])
    widget = None
    if field.kind == Kind.PHONE:
        widget = _ltr(inputmode="tel", autocomplete="off")
    elif field.kind == Kind.EMAIL:
        widget = _ltr(inputmode="email", autocomplete="off")
    elif field.matches:
        widget = _ltr()
    return forms.CharField(label=field.label, max_length=field.accepts, required=False, widget=widget)


# The schema's stored fields, in the order screens show them.
_StandardFields = type(
    "_StandardFields",
    (forms.Form,),
    {field.key: _standard_field(field) for field in schema.on_screen(schema.fields())},
)


class ContactForm(BootstrapMixin, _StandardFields):
    """CON-5: one contact, its custom fields by type, and its groups. Values are checked by contacts_upsert."""

    groups = forms.TypedMultipleChoiceField(
        label=_("Groups"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    STANDARD = tuple(_StandardFields.base_fields)

    def __init__(self, *args, custom_fields, groups, contact=None, current_group_ids=(), **kwargs):
        initial = kwargs.pop("initial", None) or {}
        self.custom_fields = list(custom_fields)
        self.current_group_ids = set(current_group_ids)
        if contact is not None:
            initial.update({key: getattr(contact, key) for key in self.STANDARD})
            initial.update({CUSTOM_PREFIX + k: v for k, v in (contact.custom or {}).items()})
            initial["groups"] = sorted(self.current_group_ids)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["groups"].choices = [(g.pk, g.name) for g in groups]
        for custom_field in self.custom_fields:
            current = initial.get(CUSTOM_PREFIX + custom_field.api_name)
            self.fields[CUSTOM_PREFIX + custom_field.api_name] = self._custom_field(custom_field, current)
        for name, field in self.fields.items():
            if name != "groups":
                field.widget.attrs.setdefault("class", "form-control")

    @staticmethod
    def _custom_field(custom_field: CustomField, current) -> forms.Field:
        label = custom_field.label
        if custom_field.kind == CustomField.Kind.NUMBER:
            return forms.DecimalField(
                label=label, required=False, widget=forms.NumberInput(attrs={"step": "any", "dir": "ltr"})
            )
        if custom_field.kind == CustomField.Kind.DATE:
            return _date_field(label)
        if custom_field.kind == CustomField.Kind.CHOICE:
            options = list(custom_field.choices)
            if current not in (None, "") and str(current) not in options:
                options.append(str(current))  # a value from before the choices changed stays selectable
            return forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "—"), *((c, c) for c in options)],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        return forms.CharField(label=label, required=False, max_length=1000)

    @property
    def standard_fields(self):
        return [self[name] for name in self.STANDARD]

    @property
    def custom_bound_fields(self):
        return [self[CUSTOM_PREFIX + f.api_name] for f in self.custom_fields]

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or "").strip() and not (data.get("email") or "").strip():
            raise forms.ValidationError(_("A contact needs a mobile phone or an email."))
        return data

    def upsert_row(self, *, contact_id: int | None = None) -> dict:
        """The one row contacts_upsert takes: every field as typed, group changes as ids to add and remove."""
        data = self.cleaned_data
        row: dict = {key: data.get(key) if data.get(key) is not None else "" for key in self.STANDARD}
        if contact_id is not None:
            row["id"] = contact_id
        for custom_field in self.custom_fields:
            value = data.get(CUSTOM_PREFIX + custom_field.api_name)
            if isinstance(value, Decimal):
                value = str(value)  # as typed: contacts_upsert decides whether a number can be stored
            elif isinstance(value, dt.date):
                value = value.isoformat()
            row[f"custom:{custom_field.api_name}"] = "" if value is None else value
        wanted = set(data.get("groups") or ())
        row["group_ids_add"] = sorted(wanted - self.current_group_ids)
        row["group_ids_remove"] = sorted(self.current_group_ids - wanted)
        return row


class GroupForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=200)


class GroupSearchForm(forms.Form):
    """The search over a group's members, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def search(self) -> str:
        return _checked(self).get("q") or ""


class GroupMergeForm(BootstrapMixin, forms.Form):
    source = forms.ModelChoiceField(
        label=_("Move the members of"),
        queryset=Group.objects.none(),
        help_text=_("This group is deleted after its members move."),
    )
    target = forms.ModelChoiceField(label=_("Into"), queryset=Group.objects.none())

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("source", "target"):
            self.fields[name].queryset = Group.objects.filter(account=account).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            raise forms.ValidationError(_("Choose two different groups."))
        return data


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CustomFieldForm(BootstrapMixin, forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200, help_text=_("The name people see, in any language."))
    api_name = forms.CharField(
        label=_("API name"),
        max_length=64,
        required=False,
        widget=_ltr(autocomplete="off", spellcheck="false"),
        help_text=_(
            "The name integrations and the API use. Latin letters, digits and “_”, starting with a letter. "
            "It cannot be changed later. Empty: made from the label."
        ),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=CustomField.Kind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a choice field: one choice per line."),
    )

    def clean_choices(self) -> list[str]:
        return _lines(self.cleaned_data.get("choices"))


class CustomFieldEditForm(BootstrapMixin, forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200, help_text=_("The name people see, in any language."))
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One choice per line. Contacts keep values you remove from the list."),
    )

    def __init__(self, *args, field: CustomField, **kwargs):
        kwargs.setdefault("initial", {"label": field.label, "choices": "\n".join(field.choices)})
        super().__init__(*args, **kwargs)
        if field.kind != CustomField.Kind.CHOICE:
            del self.fields["choices"]

    def clean_choices(self) -> list[str]:
        return _lines(self.cleaned_data.get("choices"))


class SuppressionFilterForm(BootstrapMixin, forms.Form):
    """UNS-2: search a contact point, filter by channel and date range."""

    q = forms.CharField(label=_("Search"), required=False, max_length=254)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices])
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update({"placeholder": _("Phone or email"), "dir": "ltr"})

    def selector_kwargs(self) -> dict:
        data = _checked(self)
        return {
            "search": data.get("q") or "",
            "channel": data.get("channel") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class SuppressionAddForm(BootstrapMixin, forms.Form):
    """UNS-2: unsubscribe one phone or email from the list screen. The service checks the value."""

    BOTH = "both"

    point = forms.CharField(
        label=_("Phone or email"),
        max_length=254,
        widget=_ltr(autocomplete="off", spellcheck="false"),
        error_messages={"required": _("Type a phone number or an email address.")},
    )
    channel = forms.ChoiceField(
        label=_("Unsubscribe from"),
        choices=[(Channel.SMS, _("SMS")), (Channel.EMAIL, _("Email")), (BOTH, _("SMS and email"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose SMS, email or both.")},
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "add_%s")  # the filter and import forms on the same page have these names too
        super().__init__(*args, **kwargs)

    def channels(self) -> list[str]:
        chosen = self.cleaned_data["channel"]
        return [Channel.SMS, Channel.EMAIL] if chosen == self.BOTH else [chosen]


class SuppressionImportForm(BootstrapMixin, forms.Form):
    """UNS-2: unsubscribe many contact points at once, pasted one per line or from a file's first column."""

    points = forms.CharField(
        label=_("Paste phones or emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr"}),
        help_text=_("One per line."),
    )
    file = forms.FileField(
        label=_("Or upload a file"),
        required=False,
        help_text=_("CSV or Excel (.xlsx): every value of the first column."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean(self):
        data = super().clean()
        if not _lines(data.get("points")) and not data.get("file"):
            raise forms.ValidationError(_("Paste at least one phone or email, or choose a file."))
        return data


class SuppressionHistoryForm(forms.Form):
    """The contact point whose unsubscribe history is shown, read from the query string."""

    point = forms.CharField(label=_("Contact point"), required=False, max_length=254)

    def point_value(self) -> str:
        return _checked(self).get("point") or ""


class ResubscribeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
