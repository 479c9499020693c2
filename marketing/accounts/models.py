from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketing.core.models import TenantModel

from .roles import Role


class User(AbstractUser):
    """A person who logs in. What they may do depends on their Membership in each account."""

    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +972501234567"))
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)


class Account(models.Model):
    """A business: the tenant every domain row belongs to (SPEC ACC-1, ACC-5)."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_accounts", verbose_name=_("owner")
    )
    default_region = models.CharField(
        _("default phone region"), max_length=2, default="IL", help_text=_("Two-letter country code, e.g. IL")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jerusalem")
    language = models.CharField(_("language"), max_length=8, default="he", choices=settings.LANGUAGES)
    sms_credits = models.IntegerField(_("SMS credits"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name


class Department(TenantModel):
    """A sub-account with its own users (SPEC ACC-2)."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    """A user's place in an account: role, department, and a fixed sender name when the role needs one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.USER)
    fixed_sender_name = models.CharField(_("fixed sender name"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.account_id} ({self.role})"
