from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from marketing.accounts.models import Account
from marketing.core.errors import NotFound
from marketing.messaging.models import Message, Recipient

_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "bounced", "unknown", "skipped")
_HANDED_TO_PROVIDER = ("sent", "delivered", "failed", "unknown")


def message_list(*, account: Account) -> QuerySet[Message]:
    return Message.objects.filter(account=account).order_by("-created_at", "-pk")


def message_get(*, account: Account, pk: int) -> Message:
    message = Message.objects.filter(account=account, pk=pk).first()
    if message is None:
        raise NotFound(_("Message not found."))
    return message


def recipient_list(*, account: Account, message: Message, status: str | None = None) -> QuerySet[Recipient]:
    qs = Recipient.objects.filter(account=account, message=message).order_by("pk")
    if status:
        qs = qs.filter(status=status)
    return qs


def message_counts(*, message: Message) -> dict:
    aggregates = {s: Count("pk", filter=Q(status=s)) for s in _STATUSES}
    aggregates.update(
        recipients=Count("pk"),
        segments=Sum("segments", filter=Q(status__in=_HANDED_TO_PROVIDER), default=0),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        **{f"skip_{r}": Count("pk", filter=Q(status="skipped", skip_reason=r)) for r in Recipient.Skip.values},
    )
    row = Recipient.objects.filter(message=message).aggregate(**aggregates)
    skipped_by_reason = {r: row.pop(f"skip_{r}") for r in Recipient.Skip.values}
    return {
        **row,
        "skipped_by_reason": {r: n for r, n in skipped_by_reason.items() if n},
        "credits_used": message.credits_reserved,
    }
