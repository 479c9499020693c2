"""Salesforce's own rows: how a connection signs in (SPEC SF-1), what it syncs and the API calls it spent
(SPEC SF-2 … SF-10, SF-15).

`SalesforceSettings` and `ApiUsage` moved here from `integrations` without touching the database: the tables
keep their names. `SalesforceConnection` adds no table: it is the generic `Connection` read through typed
attributes.
"""

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from integrations.models import Connection
from marketing.core.models import TenantModel

PROVIDER = "salesforce"


def lead_company_placeholder(account) -> str:
    """The Company of a new Lead (Salesforce requires one) when neither the contact nor the settings give one:
    "Unknown" in the account's language, the language its people write to Salesforce in."""
    with translation.override(account.language):
        return pgettext("the company of a new Salesforce Lead", "Unknown")


def _setting(key: str, label: str, default: str = "") -> property:
    """An attribute kept under `key` in the connection's `config` (not secret); `label` names it on screens."""

    def get(connection: Connection) -> str:
        return connection.config.get(key, default)

    def put(connection: Connection, value: Any) -> None:
        connection.config = _with(connection.config, key, value)

    get.short_description = label
    return property(get, put)


def _secret(key: str) -> property:
    """An attribute kept under `key` in the connection's encrypted `credentials`."""

    def get(connection: Connection) -> str:
        return connection.credentials.get(key, "")

    def put(connection: Connection, value: Any) -> None:
        connection.credentials = _with(connection.credentials, key, value)

    return property(get, put)


def _with(values: dict, key: str, value: Any) -> dict:
    """A copy of `values` with `key` set; an empty value removes the key (reading it gives the default)."""
    values = dict(values or {})
    if value is None or value == "":
        values.pop(key, None)
    else:
        values[key] = value
    return values


class SalesforceConnectionManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(provider=PROVIDER)


class SalesforceConnection(Connection):
    """A connection to Salesforce: where and how it signs in, and who it is there (SPEC SF-1).

    The same row as the generic `Connection`; these attributes map onto its `config` (not secret) and its
    encrypted `credentials`. Salesforce code gets one with `SalesforceConnection.of(connection)`.
    """

    class AuthFlow(models.TextChoices):
        WEB_SERVER = "web_server", _("Sign in with Salesforce (OAuth)")
        JWT_BEARER = "jwt_bearer", _("Server certificate (JWT bearer)")
        CLIENT_CREDENTIALS = "client_credentials", _("Client credentials")
        PASSWORD = "password", _("Username, password and security token (legacy)")

    # Config: what a person chose, where Salesforce put the org, and who the connection is there.
    CONFIG_KEYS = (
        "login_url",
        "instance_url",
        "identity_url",
        "auth_flow",
        "client_id",
        "username",
        "ca_bundle",
        "external_user_id",
        "external_org_id",
        "external_user_name",
        "external_username",
    )
    # Credentials: secrets, encrypted at rest.
    CREDENTIAL_KEYS = ("client_secret", "password", "access_token", "refresh_token", "jwt_private_key")

    # Where to sign in (login.salesforce.com, test.salesforce.com, a My Domain, an emulator), the org's own
    # URL and the signed-in user's identity URL as the last sign-in returned them.
    login_url = _setting("login_url", _("login URL"))
    instance_url = _setting("instance_url", _("instance URL"))
    identity_url = _setting("identity_url", _("identity URL"))
    auth_flow = _setting("auth_flow", _("sign-in method"), default=AuthFlow.WEB_SERVER)
    client_id = _setting("client_id", _("client id"))
    username = _setting("username", _("username"))  # JWT bearer and the legacy password flow sign in as a user
    ca_bundle = _setting("ca_bundle", _("CA bundle"))  # a PEM file to trust; empty: the system's trust store
    # Who the connection is in Salesforce, as the last successful test said.
    external_user_id = _setting("external_user_id", _("integration user id"))
    external_org_id = _setting("external_org_id", _("organization id"))
    external_user_name = _setting("external_user_name", _("integration user"))  # the name, shown on screens
    external_username = _setting("external_username", _("integration username"))

    client_secret = _secret("client_secret")
    password = _secret("password")  # legacy: the user's password followed by their security token
    access_token = _secret("access_token")
    refresh_token = _secret("refresh_token")
    jwt_private_key = _secret("jwt_private_key")  # the key whose certificate the connected app holds

    objects = SalesforceConnectionManager()

    class Meta:
        proxy = True
        verbose_name = _("Salesforce connection")
        verbose_name_plural = _("Salesforce connections")

    @classmethod
    def of(cls, connection: Connection) -> "SalesforceConnection":
        """`connection` as a Salesforce connection: itself when it is one already, else a copy of it."""
        if isinstance(connection, cls):
            return connection
        proxy = cls.__new__(cls)
        proxy.__dict__.update(connection.__getstate__())
        return proxy

    def get_auth_flow_display(self) -> str:
        return str(dict(self.AuthFlow.choices).get(self.auth_flow, self.auth_flow))


def default_field_map() -> dict:
    standard = [
        {"remote": "Email", "local": "email", "translate": {}},
        {"remote": "FirstName", "local": "first_name", "translate": {}},
        {"remote": "LastName", "local": "last_name", "translate": {}},
        {"remote": "MobilePhone", "local": "phone", "translate": {}, "fallback": "Phone"},
    ]
    return {"Lead": [dict(m) for m in standard], "Contact": [dict(m) for m in standard]}


def default_optout_fields() -> dict:
    return {"email": "HasOptedOutOfEmail", "sms": ""}


class SalesforceSettings(TenantModel):
    """What a Salesforce connection syncs and how (SPEC SF-2 … SF-9)."""

    class UniqueKey(models.TextChoices):
        ID = "id", _("Salesforce Id")
        EMAIL = "email", _("Email")

    class NewContactObject(models.TextChoices):
        LEAD = "Lead", _("Lead")
        CONTACT = "Contact", _("Contact")

    class PreferredSystem(models.TextChoices):
        SALESFORCE = "salesforce", _("Salesforce")
        PLATFORM = "platform", _("This platform")

    class DeleteMode(models.TextChoices):
        LEAVE_GROUPS = "leave_groups", _("Remove the contact from the synced groups")
        DELETE_CONTACT = "delete_contact", _("Delete the contact")

    class DeletedHere(models.TextChoices):
        WHEN_CHANGED = "when_changed", _("Bring it back when the record changes in Salesforce")
        NEVER = "never", _("Never bring it back")

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="salesforce_settings")
    pull_leads = models.BooleanField(_("bring in Leads"), default=True)
    pull_contacts = models.BooleanField(_("bring in Contacts"), default=True)
    unique_key = models.CharField(_("unique key"), max_length=8, choices=UniqueKey.choices, default=UniqueKey.ID)
    field_map = models.JSONField(_("field mapping"), default=default_field_map, blank=True)
    status_field = models.CharField(
        _("status field"),
        max_length=64,
        blank=True,
        help_text=_("A contact field that receives “Prospect” for Leads and “Customer” for Contacts."),
    )
    sync_flag_field = models.CharField(
        _("sync flag field"),
        max_length=80,
        blank=True,
        help_text=_("A Salesforce checkbox: only flagged records are brought in, and the flag is cleared after."),
    )
    synced_groups = models.ManyToManyField(
        "contacts.Group",
        blank=True,
        related_name="+",
        verbose_name=_("synced groups"),
        db_table="integrations_salesforcesettings_synced_groups",
    )
    inbound_group = models.ForeignKey(
        "contacts.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("group for contacts from Salesforce"),
    )
    new_contact_object = models.CharField(
        _("new platform contacts become"),
        max_length=8,
        choices=NewContactObject.choices,
        default=NewContactObject.LEAD,
    )
    # Empty: the Company of a new Lead whose contact has none is `lead_company_placeholder` (DECISIONS, Salesforce).
    lead_company_default = models.CharField(_("company for new Leads"), max_length=255, blank=True, default="")
    preferred_system = models.CharField(
        _("when both sides changed, keep"),
        max_length=16,
        choices=PreferredSystem.choices,
        default=PreferredSystem.SALESFORCE,
    )
    optout_fields = models.JSONField(_("opt-out fields"), default=default_optout_fields, blank=True)
    delete_mode = models.CharField(
        _("when a record is deleted in Salesforce"),
        max_length=16,
        choices=DeleteMode.choices,
        default=DeleteMode.LEAVE_GROUPS,
    )
    deleted_here = models.CharField(
        _("when a synced contact is deleted here"),
        max_length=16,
        choices=DeletedHere.choices,
        default=DeletedHere.WHEN_CHANGED,
    )
    fill_salesforce_blanks = models.BooleanField(
        _("fill empty Salesforce fields"),
        default=False,
        help_text=_(
            "When a record is first linked, values the platform has and the record lacks are written to "
            "Salesforce. Off: nothing is written until someone changes a value here."
        ),
    )
    deleted_marker_field = models.CharField(
        _("removed-from-group marker field"),
        max_length=80,
        blank=True,
        help_text=_("A Salesforce checkbox set when a contact leaves a synced group, e.g. GRdeleted__c."),
    )
    source_label = models.CharField(_("source label"), max_length=64, default="Salesforce")
    optouts_pushed_at = models.DateTimeField(
        _("past unsubscribes last sent"),
        null=True,
        blank=True,
        help_text=_("The next one-time sync of past unsubscribes starts here; empty means one year back."),
    )

    class Meta:
        db_table = "integrations_salesforcesettings"
        verbose_name = _("Salesforce settings")
        verbose_name_plural = _("Salesforce settings")

    def __str__(self) -> str:
        return f"Salesforce settings #{self.connection_id}"


class ApiUsage(TenantModel):
    """API calls a connection made in one clock hour, and the organization's daily use last reported."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="api_usage")
    hour = models.DateTimeField(_("hour"))
    calls = models.PositiveIntegerField(_("calls"), default=0)
    org_used = models.PositiveIntegerField(_("organization calls used today"), null=True, blank=True)
    org_max = models.PositiveIntegerField(_("organization daily limit"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "integrations_apiusage"
        ordering = ["-hour"]
        verbose_name = _("API usage")
        verbose_name_plural = _("API usage")
        constraints = [models.UniqueConstraint(fields=["connection", "hour"], name="apiusage_unique_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.calls}"
