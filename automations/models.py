from django.db import models
from django.utils.translation import gettext_lazy as _

from marketing.core.models import TenantModel

from .events import EventKind


class Event(TenantModel):
    """The outbox: a side effect other features react to, written in the same transaction as the change.

    Bulk paths write one event per batch and kind, with the contact ids in the payload. What each kind carries:
    `automations.events.EventKind`.
    """

    kind = models.CharField(_("kind"), max_length=64, choices=EventKind.choices)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # Set once every consumer of the kind is done with the event or gave up on it.
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    # While a consumer waits to try again: the earliest of its deliveries' next attempts (empty: due now).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["account", "kind", "id"], name="event_account_kind"),
            models.Index(fields=["id"], condition=models.Q(dispatched_at__isnull=True), name="event_undispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class EventDelivery(TenantModel):
    """One consumer's checkpoint for one event: consumers advance, retry and give up independently."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        DEAD = "dead", _("Gave up")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event"))
    consumer = models.CharField(_("consumer"), max_length=200)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="event_delivery_once")]
        indexes = [models.Index(fields=["account", "state"], name="event_delivery_state")]

    def __str__(self) -> str:
        return f"{self.consumer} ← {self.event_id}"
