from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketing.core.fields import EncryptedJSONField
from marketing.core.models import TenantModel


class Connection(TenantModel):
    """An account's link to one outside system (SPEC INT-1), the same for every connector.

    The columns are what every connector shares: which provider, its state, when it syncs and the API
    budget it may spend there (every outside system meters its API). What one connector alone needs lives
    in two JSON objects, read and written through that connector's typed accessor (e.g. Salesforce's
    `SalesforceConnection`):

    - `config`: settings that are not secret — where to sign in, how, as whom, who it is there;
    - `credentials`: secrets — passwords, keys and tokens — encrypted at rest as one value (SPEC INT-2)
      and never shown in the back office, logs or API output.
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ERROR = "error", _("Needs attention")
        DISCONNECTED = "disconnected", _("Disconnected")

    provider = models.CharField(_("provider"), max_length=32)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    status_message = models.TextField(_("status message"), blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)

    config = models.JSONField(_("settings"), default=dict, blank=True)
    credentials = EncryptedJSONField(_("credentials"), editable=False)

    schedule_minutes = models.PositiveIntegerField(_("sync every (minutes)"), default=5)
    daily_share_percent = models.PositiveSmallIntegerField(
        _("share of the daily API limit (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Syncing stops before the organization's daily API use passes this share of its limit."),
    )
    hourly_call_cap = models.PositiveIntegerField(_("API calls per hour"), default=3600)

    connected_at = models.DateTimeField(_("connected"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["provider", "id"]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [models.UniqueConstraint(fields=["account", "provider"], name="connection_unique_provider")]

    def __str__(self) -> str:
        return f"{self.provider} ({self.get_state_display()})"


def keep_tombstone(collector, field, sub_objs, using):
    """A contact deleted here leaves its records' links behind, unlinked and dated, so that the next sync
    does not bring the contact back unless the setting and a later change there say so."""
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(ExternalRef._meta.get_field("contact_deleted_at"), timezone.now(), sub_objs)


class ExternalRef(TenantModel):
    """A platform contact's record in the outside system, with what was last synced.

    `synced_values` holds the record's own values as last synced, plus `held:<field>` entries: the
    contact's value where it differs from the record's (another record of the same contact, or the
    platform, set it); the push treats a held value as the baseline, so it is never written there.
    A ref whose contact was deleted here keeps `contact` empty and `contact_deleted_at` (a tombstone).
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="external_refs")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=keep_tombstone, related_name="external_refs"
    )
    contact_deleted_at = models.DateTimeField(_("contact deleted here"), null=True, blank=True)
    object_type = models.CharField(_("object"), max_length=40)
    external_id = models.CharField(_("external id"), max_length=255)
    last_modstamp = models.DateTimeField(_("last modified there"), null=True, blank=True)
    synced_values = models.JSONField(_("last synced values"), default=dict, blank=True)
    converted_to = models.CharField(_("converted to"), max_length=255, blank=True)
    deleted_at = models.DateTimeField(_("deleted there"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("external record")
        verbose_name_plural = _("external records")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "object_type", "external_id"], name="externalref_unique_record"
            )
        ]
        indexes = [models.Index(fields=["connection", "contact"], name="externalref_contact")]

    def __str__(self) -> str:
        return f"{self.object_type} {self.external_id}"


class SyncCursor(TenantModel):
    """Where one stream of a connection stopped reading, so the next run continues from there."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(_("stream"), max_length=64)
    watermark = models.DateTimeField(_("read up to"), null=True, blank=True)
    position = models.JSONField(_("position"), default=dict, blank=True)
    full_sync_done_at = models.DateTimeField(_("full sync done"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sync cursor")
        verbose_name_plural = _("sync cursors")
        constraints = [models.UniqueConstraint(fields=["connection", "stream"], name="synccursor_unique_stream")]

    def __str__(self) -> str:
        return self.stream


class SyncRun(TenantModel):
    """One sync of a connection: when, what moved, what failed, what it cost (SPEC INT-1, SF-16)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial")
        INCREMENTAL = "incremental", _("Incremental")
        FULL = "full", _("Full")
        PUSH = "push", _("Push")
        RETRY = "retry", _("Retry")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Finished with errors")
        STOPPED = "stopped", _("Stopped early")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    records_in = models.PositiveIntegerField(_("records in"), default=0)
    records_out = models.PositiveIntegerField(_("records out"), default=0)
    records_failed = models.PositiveIntegerField(_("records failed"), default=0)
    api_calls = models.PositiveIntegerField(_("API calls"), default=0)
    watermark = models.JSONField(_("watermark"), default=dict, blank=True)
    stop_reason = models.TextField(_("stop reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        indexes = [models.Index(fields=["connection", "-started_at"], name="syncrun_connection_started")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class SyncError(TenantModel):
    """A record that failed to sync, retried with backoff until it succeeds or gives up (SPEC INT-1)."""

    class Direction(models.TextChoices):
        IN = "in", _("Into the platform")
        OUT = "out", _("Out to the other system")

    class State(models.TextChoices):
        PENDING = "pending", _("Will retry")
        RESOLVED = "resolved", _("Resolved")
        DEAD = "dead", _("Gave up")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="errors")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="errors")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    object_type = models.CharField(_("object"), max_length=40)
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(_("code"), max_length=64)
    message = models.TextField(_("message"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("sync error")
        verbose_name_plural = _("sync errors")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "direction", "object_type", "external_id"],
                condition=Q(state="pending") & ~Q(external_id=""),
                name="syncerror_one_pending_per_record",
            ),
            # A platform contact not yet in the other system has no external id: key it by the contact.
            models.UniqueConstraint(
                fields=["connection", "direction", "object_type", "contact"],
                condition=Q(state="pending", external_id=""),
                name="syncerror_one_pending_per_contact",
            ),
        ]
        indexes = [models.Index(fields=["connection", "state", "next_attempt_at"], name="syncerror_due")]

    def __str__(self) -> str:
        return f"{self.object_type} {self.external_id or self.contact_id}: {self.code}"
