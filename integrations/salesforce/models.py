"""Salesforce's own rows: what a connection syncs and the API calls it spent (SPEC SF-2 … SF-10, SF-15).

They moved here from `integrations` without touching the database: the tables keep their names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models import Connection
from marketing.core.models import TenantModel


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
    lead_company_default = models.CharField(_("company for new Leads"), max_length=255, default="Unknown")
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
