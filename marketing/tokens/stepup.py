"""The OTP step-up in front of the tokens screens (SPEC TOK-4), on django-otp devices.

Codes go to the account owner's verified phone (SMS) or email. An owner with no
verified point verifies one first: the code sent to it proves it and opens the
screen at once.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_email.models import EmailDevice

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, PermissionDenied
from marketing.core.normalize import email_normalize, phone_normalize
from marketing.core.services import audit_record

from .models import SmsDevice

SESSION_KEY = "tokens_step_up"
DEVICE_NAME = "step-up"


class Channel(models.TextChoices):
    SMS = "sms", gettext_lazy("SMS")
    EMAIL = "email", gettext_lazy("Email")


@dataclass(frozen=True)
class Destination:
    channel: str
    address: str
    verified: bool

    @property
    def masked(self) -> str:
        if self.channel == Channel.EMAIL:
            local, _at, domain = self.address.partition("@")
            return f"{local[:2]}•••@{domain}"
        return f"•••{self.address[-4:]}"


def stepup_destinations(*, account: Account) -> list[Destination]:
    owner = account.owner
    found = []
    if owner.phone:
        found.append(Destination(Channel.SMS, owner.phone, owner.phone_verified_at is not None))
    if owner.email:
        found.append(Destination(Channel.EMAIL, owner.email, owner.email_verified_at is not None))
    return found


def stepup_needs_first_verification(*, account: Account) -> bool:
    return not any(d.verified for d in stepup_destinations(account=account))


def _destination(account: Account, requester: User, channel: str) -> Destination:
    destination = next((d for d in stepup_destinations(account=account) if d.channel == channel), None)
    if destination is None:
        raise ApplicationError(_("The account owner has no address for this channel yet."), code="no_destination")
    if not destination.verified and requester.pk != account.owner_id:
        raise PermissionDenied(_("Only the account owner can verify their phone or email."))
    if not destination.verified and not stepup_needs_first_verification(account=account):
        raise ApplicationError(_("Use one of the owner's verified contact points."), code="unverified_destination")
    return destination


def _device(owner: User, destination: Destination):
    if destination.channel == Channel.EMAIL:
        device, _ = EmailDevice.objects.get_or_create(
            user=owner, name=DEVICE_NAME, defaults={"email": destination.address}
        )
        if device.email != destination.address:
            device.email = destination.address
            device.save(update_fields=["email"])
        return device
    device, _ = SmsDevice.objects.get_or_create(user=owner, name=DEVICE_NAME, defaults={"number": destination.address})
    if device.number != destination.address:
        device.number = destination.address
        device.save(update_fields=["number"])
    return device


@transaction.atomic
def stepup_set_address(*, account: Account, requester: User, channel: str, address: str) -> Destination:
    """The owner gives the phone or email to verify (only before any point is verified)."""
    if requester.pk != account.owner_id:
        raise PermissionDenied(_("Only the account owner can verify their phone or email."))
    if not stepup_needs_first_verification(account=account):
        raise ApplicationError(_("The owner already has a verified contact point."))
    owner = account.owner
    if channel == Channel.EMAIL:
        owner.email, owner.email_verified_at = email_normalize(address), None
    else:
        owner.phone, owner.phone_verified_at = phone_normalize(address, region=account.default_region), None
    owner.save(update_fields=["email", "email_verified_at", "phone", "phone_verified_at"])
    return _destination(account, requester, channel)


def stepup_send(*, account: Account, requester: User, channel: str) -> Destination:
    destination = _destination(account, requester, channel)
    device = _device(account.owner, destination)
    allowed, data = device.generate_is_allowed()
    if not allowed:
        wait = max(1, int((data["next_generation_at"] - timezone.now()).total_seconds()))
        raise ApplicationError(
            _("A code was just sent. You can ask for another in %(seconds)d seconds.") % {"seconds": wait},
            code="cooldown",
        )
    device.generate_challenge()
    return destination


def stepup_verify(*, account: Account, requester: User, channel: str, code: str) -> Destination:
    """Check the code; on success the point counts as verified. Raises with a reason otherwise.

    Not atomic on purpose: a failed attempt must stay counted when the error is raised.
    """
    destination = _destination(account, requester, channel)
    device = _device(account.owner, destination)
    if device.token is None:
        raise ApplicationError(
            _("No code is waiting (it may have been used already). Ask for a new code."), code="no_code"
        )
    if device.valid_until <= timezone.now():
        raise ApplicationError(_("The code has expired. Ask for a new code."), code="code_expired")
    allowed, data = device.verify_is_allowed()
    if not allowed:
        wait = max(1, int((data["locked_until"] - timezone.now()).total_seconds()))
        raise ApplicationError(
            _("Too many wrong codes. Try again in %(seconds)d seconds.") % {"seconds": wait}, code="throttled"
        )
    if not device.verify_token((code or "").strip()):
        if device.throttling_failure_count >= settings.OTP_MAX_FAILED_ATTEMPTS:
            device.token = None
            device.save(update_fields=["token"])
            raise ApplicationError(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")
        raise ApplicationError(_("The code is wrong. Check it and try again."), code="wrong_code")
    with transaction.atomic():
        _record_success(account=account, requester=requester, destination=destination)
    return destination


def _record_success(*, account: Account, requester: User, destination: Destination) -> None:
    channel = destination.channel
    if not destination.verified:
        owner = account.owner
        field = "email_verified_at" if channel == Channel.EMAIL else "phone_verified_at"
        setattr(owner, field, timezone.now())
        owner.save(update_fields=[field])
        audit_record(account=account, actor=requester, action=f"owner.{channel}_verified", target=owner)
    audit_record(account=account, actor=requester, action="tokens.step_up", data={"channel": channel})


def stepup_mark(session, *, account: Account) -> None:
    session[SESSION_KEY] = {"account": account.pk, "at": timezone.now().timestamp()}


def stepup_is_fresh(session, *, account: Account) -> bool:
    mark = session.get(SESSION_KEY) or {}
    if mark.get("account") != account.pk:
        return False
    return timezone.now().timestamp() - float(mark.get("at", 0)) < settings.STEP_UP_MAX_AGE_SECONDS
