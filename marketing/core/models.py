from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantQuerySet(models.QuerySet):
    def for_account(self, account) -> "TenantQuerySet":
        return self.filter(account=account)


class TenantModel(models.Model):
    """Base of every domain row: it belongs to exactly one account (SPEC ACC-1)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account"), db_index=True
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class BackgroundJob(TenantModel):
    """Work a worker does in the background for an account: who asked for it, when it ran, how it ended.

    While it runs, its worker holds a lease (`lease_until`) and renews it as it goes; a running job whose lease
    has passed lost its worker and is taken over by the next delivery of its task. `marketing.core.jobs`
    claims, renews, gives back and finishes it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)  # a stored text (core.texts): each reader sees it in their language
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # its first claim; a takeover keeps it
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class AuditEntry(TenantModel):
    """Who did what to which row, written by the service in the same transaction."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A write through the API is done by a token, not a person: the token, and its name and masked value as they
    # were then (the entry outlives the token).
    token = models.ForeignKey(
        "tokens.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("API token"),
    )
    token_label = models.CharField(_("API token name"), max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    @property
    def done_by(self) -> str:
        """Who did it: the person, or the API token (by the name it had then)."""
        if self.actor_id:
            return str(self.actor)
        return self.token_label
