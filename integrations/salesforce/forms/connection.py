"""The connect form (SPEC SF-1) and the pause form of the Salesforce connection screen."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.accounts.forms import BootstrapMixin

from ..models import SalesforceConnection

AuthFlow = SalesforceConnection.AuthFlow

ENVIRONMENTS = {
    "production": "https://login.salesforce.com",
    "sandbox": "https://test.salesforce.com",
}
ENVIRONMENT_CHOICES = (
    ("production", _("Production (login.salesforce.com)")),
    ("sandbox", _("Sandbox (test.salesforce.com)")),
    ("custom", _("Another login URL (My Domain, or a local Salesforce emulator)")),
)


def ltr_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", **attrs})


def _secret(**attrs) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password", **attrs})


class ConnectForm(BootstrapMixin, forms.Form):
    """SF-1: where to sign in and how. A secret left empty keeps the saved one."""

    environment = forms.ChoiceField(
        label=_("Salesforce environment"), choices=ENVIRONMENT_CHOICES, initial="production", widget=forms.RadioSelect
    )
    login_url = forms.CharField(
        label=_("Login URL"),
        required=False,
        max_length=255,
        widget=ltr_input(placeholder="https://mycompany.my.salesforce.com"),
    )
    auth_flow = forms.ChoiceField(
        label=_("Sign-in method"),
        choices=AuthFlow.choices,
        initial=AuthFlow.WEB_SERVER,
        widget=forms.RadioSelect,
    )
    client_id = forms.CharField(
        label=_("Consumer key (client id)"),
        required=False,
        max_length=255,
        widget=ltr_input(),
        help_text=_("From the connected app (or external client app) in Salesforce Setup."),
    )
    client_secret = forms.CharField(label=_("Consumer secret (client secret)"), required=False, widget=_secret())
    username = forms.CharField(label=_("Salesforce username"), required=False, max_length=255, widget=ltr_input())
    password = forms.CharField(label=_("Password"), required=False, widget=_secret())
    security_token = forms.CharField(label=_("Security token"), required=False, widget=_secret())
    jwt_private_key = forms.CharField(
        label=_("Private key (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"dir": "ltr", "rows": 4, "class": "form-control font-monospace small"}),
        help_text=_("The key whose certificate is uploaded to the connected app."),
    )
    ca_bundle = forms.CharField(
        label=_("CA bundle (optional)"),
        required=False,
        max_length=500,
        widget=ltr_input(),
        help_text=_("Path of a PEM file with the certificates to trust, e.g. a local emulator's. Empty: the system's."),
    )

    # Which inputs each sign-in method uses (the screen shows only those).
    FLOW_FIELDS = {
        AuthFlow.WEB_SERVER: ("client_id", "client_secret"),
        AuthFlow.JWT_BEARER: ("client_id", "username", "jwt_private_key"),
        AuthFlow.CLIENT_CREDENTIALS: ("client_id", "client_secret"),
        AuthFlow.PASSWORD: ("client_id", "client_secret", "username", "password", "security_token"),
    }

    def __init__(self, *args, connection: SalesforceConnection | None = None, **kwargs):
        if connection is not None and connection.login_url:
            environment = next((k for k, url in ENVIRONMENTS.items() if url == connection.login_url), "custom")
            kwargs.setdefault(
                "initial",
                {
                    "environment": environment,
                    "login_url": connection.login_url if environment == "custom" else "",
                    "auth_flow": connection.auth_flow,
                    "client_id": connection.client_id,
                    "username": connection.username,
                    "ca_bundle": connection.ca_bundle,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["environment"].widget.attrs["class"] = "form-check-input"
        self.fields["auth_flow"].widget.attrs["class"] = "form-check-input"
        saved = _("Leave empty to keep the saved one.")
        for name in ("client_secret", "password", "jwt_private_key"):
            if connection is not None and getattr(connection, name):
                self.fields[name].help_text = saved

    def clean(self):
        data = super().clean()
        environment = data.get("environment")
        if environment in ENVIRONMENTS:
            data["login_url"] = ENVIRONMENTS[environment]
        elif environment == "custom" and not data.get("login_url"):
            self.add_error("login_url", _("Give the login URL, e.g. https://mycompany.my.salesforce.com."))
        if data.get("auth_flow") == AuthFlow.PASSWORD and data.get("security_token") and not data.get("password"):
            self.add_error("password", _("Type the password too: the security token goes after it."))
        return data

    def service_kwargs(self) -> dict:
        """Arguments for `salesforce_connection_save`: None keeps a saved value, so an empty secret is None."""
        data = self.cleaned_data
        flow = data["auth_flow"]
        used = self.FLOW_FIELDS[flow]
        password = data.get("password", "")
        if password:
            password += data.get("security_token", "")
        return {
            "login_url": data["login_url"],
            "auth_flow": flow,
            "client_id": data.get("client_id", ""),
            "client_secret": data.get("client_secret") or None,
            "username": data.get("username", "") if "username" in used else None,
            "password": (password or None) if "password" in used else None,
            "jwt_private_key": (data.get("jwt_private_key") or None) if "jwt_private_key" in used else None,
            "ca_bundle": data.get("ca_bundle", ""),
        }


class PauseForm(forms.Form):
    hours = forms.TypedChoiceField(
        label=_("Pause for"),
        coerce=int,
        choices=((1, _("1 hour")), (24, _("24 hours")), (0, _("Until resumed"))),
        initial=0,
    )
