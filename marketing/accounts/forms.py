from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.core.places import country_choices, time_zone_canonical, time_zone_choices

from .models import Department
from .roles import Role, assignable_roles


class BootstrapMixin:
    """Gives widgets the Bootstrap classes the screens expect."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):  # RadioSelect: each option's input
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class AccountSettingsForm(BootstrapMixin, forms.Form):
    """Countries and time zones by name in the reader's language; the values stay ISO codes and IANA ids."""

    name = forms.CharField(label=_("Business name"), max_length=200)
    default_region = forms.ChoiceField(label=_("Default phone region"))
    time_zone = forms.ChoiceField(label=_("Time zone"))
    language = forms.ChoiceField(label=_("Language"), choices=[("he", _("Hebrew")), ("en", _("English"))])

    def __init__(self, *args, initial=None, **kwargs):
        initial = dict(initial or {})
        if initial.get("time_zone"):
            initial["time_zone"] = time_zone_canonical(initial["time_zone"])  # a legacy alias shows as its zone
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["default_region"].choices = country_choices()
        zones = time_zone_choices()
        current = initial.get("time_zone")
        if current and current not in dict(zones):  # a zone no list offers (a fixed offset) stays as it is
            zones.append((current, current))
        self.fields["time_zone"].choices = zones


class DepartmentForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Department name"), max_length=200)


class DepartmentRenameForm(DepartmentForm):
    """A department's name in its row of the departments table; a refused name is told next to it."""

    def __init__(self, *args, department, **kwargs):
        kwargs.setdefault("initial", {"name": department.name})
        super().__init__(*args, auto_id=f"department-{department.pk}-%s", **kwargs)
        self.department = department
        label = self.fields["name"].label
        self.fields["name"].widget.attrs.update({"class": "form-control form-control-sm", "aria-label": label})


class _MembershipFields(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    fixed_sender_name = forms.CharField(
        label=_("Fixed sender name"),
        max_length=64,
        required=False,
        help_text=_("Only for the fixed-sender role: the one sender name this user sends with."),
    )

    def __init__(self, *args, account, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in assignable_roles(actor)]
        departments = Department.objects.filter(account=account)
        if actor.role == Role.DEPARTMENT_MANAGER:
            departments = departments.filter(pk=actor.department_id)
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
        self.fields["department"].queryset = departments


class UserAddForm(_MembershipFields):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.CharField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))

    field_order = ["username", "first_name", "last_name", "email", "phone", "password", "role", "department"]


class MembershipEditForm(_MembershipFields):
    pass
