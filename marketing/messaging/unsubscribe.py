"""Unsubscribe links: signed per-recipient tokens and the one-click service (SPEC UNS-3, RFC 8058)."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.services import suppressions_add
from contacts.sources import Source
from marketing.core.errors import NotFound
from marketing.core.texts import Text

from .models import Recipient

_SALT = "messaging.unsubscribe"


def unsubscribe_token(recipient: Recipient) -> str:
    return signing.Signer(salt=_SALT).sign(signing.b62_encode(recipient.pk))


def unsubscribe_url(recipient: Recipient) -> str:
    return f"{settings.PUBLIC_URL.rstrip('/')}/u/{unsubscribe_token(recipient)}/"


def unsubscribe_mailto(recipient: Recipient) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"mailto:unsubscribe@{domain}?subject=unsubscribe-{unsubscribe_token(recipient)}"


def unsubscribe_recipient(*, token: str) -> Recipient:
    """The recipient a token names; NotFound for a bad or tampered token."""
    try:
        pk = signing.b62_decode(signing.Signer(salt=_SALT).unsign(token))
        return Recipient.objects.select_related("message", "message__account").get(pk=pk)
    except (signing.BadSignature, ValueError, TypeError, Recipient.DoesNotExist) as exc:
        raise NotFound(_("This unsubscribe link is not valid. Use the link in the latest email you received.")) from exc


def recipient_unsubscribe(*, token: str) -> Recipient:
    """Suppress the recipient's point on the message's channel and mark the recipient unsubscribed; idempotent."""
    recipient = unsubscribe_recipient(token=token)
    message = recipient.message
    with transaction.atomic():
        suppressions_add(
            account=message.account,
            points=[recipient.point],
            reason=Text(gettext_noop("Unsubscribed through the link in a message")),
            source=Source.UNSUBSCRIBE_LINK,
            channel=message.channel,
        )
        if recipient.unsubscribed_at is None:
            recipient.unsubscribed_at = timezone.now()
            Recipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
                unsubscribed_at=recipient.unsubscribed_at
            )
    return recipient
