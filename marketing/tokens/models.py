from functools import cache

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, SideChannelDevice, ThrottlingMixin, TimestampMixin

from marketing.core.models import TenantModel

TOKEN_PREFIX = "mk"  # noqa: S105 — a public prefix, not a secret
DEFAULT_TOKEN_NAME = gettext_noop("Default token")  # stored as it is; shown in the reader's language


@cache
def _default_names() -> frozenset[str]:
    """The default token's name in every language: a token created on a screen in one of them is still the
    default token's name, shown in each reader's language."""
    names = {DEFAULT_TOKEN_NAME}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            names.add(gettext(DEFAULT_TOKEN_NAME))
    return frozenset(names)


class ApiToken(TenantModel):
    """An API credential of one account (SPEC TOK-1…5). Only a keyed digest of the token is stored."""

    public_id = models.CharField(_("public id"), max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    fragment = models.CharField(max_length=8, editable=False, help_text=_("The last characters, for recognition."))
    name = models.CharField(_("name"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    allowed_ips = models.JSONField(_("allowed IPs"), default=list, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default token"), default=False)
    is_custom = models.BooleanField(_("custom value"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.label} ({self.masked})"

    @property
    def label(self) -> str:
        """The name people read: the default token's own name in the reader's language, any other as given."""
        if self.is_default and self.name in _default_names():
            return gettext(DEFAULT_TOKEN_NAME)
        return self.name

    @property
    def masked(self) -> str:
        if self.is_custom:
            return f"••••{self.fragment}"
        return f"{TOKEN_PREFIX}_{self.public_id}_••••{self.fragment}"


class SmsDevice(TimestampMixin, CooldownMixin, ThrottlingMixin, SideChannelDevice):
    """A django-otp device that texts a one-time code to a mobile number (SPEC TOK-4).

    Devices belong to a person, not to an account, like the rest of django-otp.
    """

    number = models.CharField(_("mobile phone"), max_length=20)

    class Meta(SideChannelDevice.Meta):
        verbose_name = _("SMS device")

    def generate_challenge(self, extra_context=None) -> str:
        from django.utils.translation import gettext

        from marketing.messaging.backends import SmsMessage, sms_backend

        allowed, _data = self.generate_is_allowed()
        if not allowed:
            return gettext("Wait a little before asking for another code.")
        self.cooldown_set(commit=False)
        self.generate_token(valid_secs=settings.OTP_SMS_TOKEN_VALIDITY, commit=True)
        body = gettext("Your verification code is %(code)s") % {"code": self.token}
        sms_backend().send(SmsMessage(to=self.number, body=body, sender=settings.OTP_SMS_SENDER))
        return gettext("sent by SMS")

    def verify_token(self, token) -> bool:
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        verified = super().verify_token(token)
        if verified:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return verified

    def get_cooldown_duration(self) -> int:
        return settings.OTP_SMS_COOLDOWN_DURATION

    def get_throttle_factor(self) -> int:
        return settings.OTP_SMS_THROTTLE_FACTOR
