"""Messages and their recipients (SPEC MSG-1…6, CON-6).

Send history is immutable in the database itself, whatever path writes to it (DESIGN §6: django-pgtrigger):
a message that has started sending keeps its content and can't be deleted; a recipient row can't be deleted,
keeps what was sent to whom, and its status only moves forward. A deleted contact leaves its rows behind with
`contact` set to null (the point snapshot stays).
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Channel
from marketing.core.models import TenantModel

MESSAGE_STATUS_RANKS = {"draft": 0, "scheduled": 0, "sending": 1, "paused": 1, "sent": 2, "cancelled": 2, "failed": 2}
MESSAGE_CONTENT_FIELDS = ("channel", "sender", "subject", "body", "group_ids", "exclude_group_ids", "allow_duplicates")
RECIPIENT_STATUS_RANKS = {
    "queued": 0,
    "sending": 0,  # a batch handed back unsent after a passing fault is queued again
    "sent": 2,
    "unknown": 2,
    "delivered": 3,
    "failed": 4,
    "bounced": 4,
    "skipped": 5,
}
RECIPIENT_FIXED_FIELDS = ("message_id", "account_id", "point", "values", "segments", "created_at")


def _changed(fields) -> str:
    return " OR ".join(f'OLD."{f}" IS DISTINCT FROM NEW."{f}"' for f in fields)


def _backwards(ranks: dict[str, int]) -> str:
    return f"({_rank_sql('NEW.status', ranks)} < {_rank_sql('OLD.status', ranks)})"


def _rank_sql(column: str, ranks: dict[str, int]) -> str:
    cases = " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in ranks.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


class Message(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    EDITABLE = (Status.DRAFT, Status.SCHEDULED)

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=200)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body = models.TextField(_("body"))
    group_ids = models.JSONField(_("groups"), default=list, blank=True)
    exclude_group_ids = models.JSONField(_("excluded groups"), default=list, blank=True)
    allow_duplicates = models.BooleanField(_("allow duplicates"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    stop_reason = models.CharField(_("stop reason"), max_length=32, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    prepared = models.BooleanField(default=False)  # its recipient rows are written
    credits_reserved = models.PositiveIntegerField(_("credits reserved"), default=0)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)  # its recipients are in the archive

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["status", "scheduled_at"], name="message_due")]
        triggers = [
            pgtrigger.Protect(
                name="message_history_kept",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("(OLD.status NOT IN ('draft', 'scheduled'))"),
            ),
            pgtrigger.Protect(
                name="message_content_kept",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    f"(OLD.status NOT IN ('draft', 'scheduled') AND ({_changed(MESSAGE_CONTENT_FIELDS)}))"
                ),
            ),
            pgtrigger.Protect(
                name="message_status_forward",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(_backwards(MESSAGE_STATUS_RANKS)),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Recipient(TenantModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        UNKNOWN = "unknown", _("Unknown (interrupted while sending)")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        SKIPPED = "skipped", _("Skipped")

    class Skip(models.TextChoices):
        SUPPRESSED = "suppressed", _("Unsubscribed")
        DUPLICATE = "duplicate", _("Duplicate")
        INVALID_POINT = "invalid_point", _("Invalid phone or email")
        OUT_OF_CREDITS = "out_of_credits", _("Out of credits")
        CANCELLED = "cancelled", _("Message cancelled")

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="recipients")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    point = models.CharField(_("phone or email"), max_length=254)
    values = models.JSONField(_("personalized values"), default=list, blank=True)  # in the message's field order
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(_("skipped because"), max_length=16, choices=Skip.choices, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=0)
    provider_id = models.CharField(_("provider id"), max_length=64, blank=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempted_at = models.DateTimeField(_("handed to the provider"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        indexes = [
            models.Index(fields=["message", "status"], name="recipient_message_status"),
            models.Index(fields=["contact"], name="recipient_contact", condition=models.Q(contact__isnull=False)),
            models.Index(fields=["provider_id"], name="recipient_provider_id", condition=~models.Q(provider_id="")),
        ]
        triggers = [
            pgtrigger.Protect(name="recipient_history_kept", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="recipient_content_kept",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    f"(({_changed(RECIPIENT_FIXED_FIELDS)})"
                    + ' OR (NEW."contact_id" IS NOT NULL AND OLD."contact_id" IS DISTINCT FROM NEW."contact_id")'
                    + ' OR (OLD."provider_id" <> \'\' AND OLD."provider_id" IS DISTINCT FROM NEW."provider_id")'
                    + ' OR (OLD."skip_reason" IS DISTINCT FROM NEW."skip_reason" AND OLD."status" = \'skipped\'))'
                ),
            ),
            pgtrigger.Protect(
                name="recipient_status_forward",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(_backwards(RECIPIENT_STATUS_RANKS)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} ({self.status})"


class ArchivedRecipient(TenantModel):
    """A recipient row of a message finished more than three months ago, moved here by the archive task.

    Same columns and ids as `Recipient`; kept as immutable as the live rows, and read through the same
    selectors, so screens and the API show archived history like any other.
    """

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="archived_recipients")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    point = models.CharField(_("phone or email"), max_length=254)
    values = models.JSONField(_("personalized values"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Recipient.Status.choices)
    skip_reason = models.CharField(_("skipped because"), max_length=16, choices=Recipient.Skip.choices, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=0)
    provider_id = models.CharField(_("provider id"), max_length=64, blank=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"))
    attempted_at = models.DateTimeField(_("handed to the provider"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("archived recipient")
        verbose_name_plural = _("archived recipients")
        indexes = [
            models.Index(fields=["message", "status"], name="archived_message_status"),
            models.Index(fields=["contact"], name="archived_contact", condition=models.Q(contact__isnull=False)),
        ]
        triggers = [
            pgtrigger.Protect(name="archived_history_kept", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="archived_content_kept",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    '(NEW."contact_id" IS NOT NULL OR '
                    + _changed([f.attname for f in Recipient._meta.concrete_fields if f.attname != "contact_id"])
                    + ")"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} ({self.status})"


class DeliveryReport(models.Model):
    """A provider's report on a sent message (delivered, failed, bounced, complained), kept as received.

    Reports can arrive before the send that produced them is recorded; such a report waits here unapplied
    and is applied when its recipient gets the provider id. The unique key makes a repeated callback a no-op.
    """

    provider = models.CharField(_("provider"), max_length=32)
    provider_id = models.CharField(_("provider id"), max_length=128)
    event = models.CharField(_("event"), max_length=16)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery report")
        verbose_name_plural = _("delivery reports")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id", "event"], name="delivery_report_once"),
        ]
        indexes = [
            models.Index(fields=["provider_id"], name="delivery_report_pending", condition=models.Q(applied_at=None))
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_id} {self.event}"
