import zoneinfo

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

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


def _time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def _region_choices():
    return [(r, r) for r in sorted(phonenumbers.SUPPORTED_REGIONS)]


class AccountSettingsForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=200)
    default_region = forms.ChoiceField(label=_("Default phone region"), choices=_region_choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)
    language = forms.ChoiceField(label=_("Language"), choices=[("he", _("Hebrew")), ("en", _("English"))])


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
