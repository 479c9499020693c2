from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.accounts.forms import BootstrapMixin
from marketing.core.errors import ApplicationError

from .ips import allowed_ips_clean
from .services import CUSTOM_WARNING, custom_value_clean, expiry_clean


def _service_check(clean, value):
    """The service's own rule for one field, its refusal as the field's error."""
    try:
        return clean(value)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Where it is used, e.g. “Website form”."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    allowed_ips = forms.CharField(
        label=_("Allowed IPs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_("One address or CIDR range per line (IPv4 or IPv6). Empty: any address."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: never."),
    )

    def clean_allowed_ips(self) -> list[str]:
        text = self.cleaned_data.get("allowed_ips") or ""
        lines = [part for part in text.replace(",", "\n").splitlines() if part.strip()]
        _service_check(allowed_ips_clean, lines)  # refused now, beside the other fields' errors
        return lines

    def clean_expires_at(self):
        return _service_check(expiry_clean, self.cleaned_data.get("expires_at"))


class TokenCreateForm(TokenForm):
    custom_value = forms.CharField(
        label=_("Custom value (advanced)"),
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        help_text=CUSTOM_WARNING,
    )

    def clean_custom_value(self) -> str:
        value = self.cleaned_data.get("custom_value") or ""
        return _service_check(custom_value_clean, value) if value else value


class StepUpSendForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Send the code by"), choices=[("sms", _("SMS")), ("email", _("Email"))])
    address = forms.CharField(label=_("Phone or email to verify"), required=False)


class StepUpCodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )
