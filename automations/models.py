from django.db import models
from django.utils.translation import gettext_lazy as _

from marketing.core.models import TenantModel


class Event(TenantModel):
    """The outbox: a side effect other features react to, written in the same transaction as the change.

    Bulk paths write one event per batch and kind, with the contact ids in the payload.
    """

    kind = models.CharField(_("kind"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

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
