"""Reads of messages and their send history, live or archived (SPEC MSG-6, CON-6).

A message's recipient rows live in `Recipient` until the archive task moves them into `ArchivedRecipient`
(same columns, same ids) and sets `message.archived_at`; every reader goes through these selectors, so a
screen or the API shows an archived message like any other.
"""

from django.db.models import BooleanField, Count, F, Q, QuerySet, Sum, Value
from django.utils.translation import gettext as _

from contacts.models import Contact
from marketing.accounts.models import Account
from marketing.core.errors import NotFound
from marketing.core.tenancy import ensure_owned
from marketing.messaging.models import ArchivedRecipient, Message, Recipient

_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "bounced", "unknown", "skipped")
_HANDED_TO_PROVIDER = ("sent", "delivered", "failed", "unknown")


def message_list(*, account: Account) -> QuerySet[Message]:
    return Message.objects.filter(account=account).order_by("-created_at", "-pk")


def message_get(*, account: Account, pk: int) -> Message:
    message = Message.objects.filter(account=account, pk=pk).first()
    if message is None:
        raise NotFound(_("Message not found."))
    return message


_FINISHED = ("sent", "cancelled", "failed")
_HISTORY_FIELDS = (
    "id",
    "message_id",
    "point",
    "status",
    "skip_reason",
    "error_code",
    "created_at",
    "sent_at",
    "delivered_at",
    "failed_at",
    "opened_at",
    "clicked_at",
    "unsubscribed_at",
)


def _recipient_models(message: Message) -> tuple[type[Recipient] | type[ArchivedRecipient], ...]:
    """Where the message's rows are: the archive once it is archived; both while the archive task is moving
    them (a finished message not marked yet); else the live table."""
    if message.archived_at is not None:
        return (ArchivedRecipient,)
    if message.status in _FINISHED:
        return (Recipient, ArchivedRecipient)
    return (Recipient,)


def recipient_list(*, account: Account, message: Message, status: str | None = None) -> QuerySet[Recipient]:
    """The message's recipient rows, by id; `ArchivedRecipient` rows (the same fields) once it is archived."""
    model = ArchivedRecipient if message.archived_at is not None else Recipient
    qs = model.objects.filter(account=account, message=message).order_by("pk")
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
    parts = [model.objects.filter(message=message).aggregate(**aggregates) for model in _recipient_models(message)]
    row = {key: sum(part[key] for part in parts) for key in aggregates}
    skipped_by_reason = {r: row.pop(f"skip_{r}") for r in Recipient.Skip.values}
    return {
        **row,
        "skipped_by_reason": {r: n for r, n in skipped_by_reason.items() if n},
        "credits_used": message.credits_reserved,
    }


def contact_history(*, account: Account, contact: Contact) -> QuerySet:
    """Every recipient row of the contact, live and archived, newest first, as dicts: the row's fields
    (`_HISTORY_FIELDS`), `message_name`, `channel` and `archived`. Lazy: slice it or page it."""
    ensure_owned(account, contact, message=_("Contact not found."))

    def rows(model, archived: bool) -> QuerySet:
        return (
            model.objects.filter(account=account, contact=contact)
            .order_by()
            .values(
                *_HISTORY_FIELDS,
                message_name=F("message__name"),
                channel=F("message__channel"),
                archived=Value(archived, output_field=BooleanField()),
            )
        )

    return rows(Recipient, False).union(rows(ArchivedRecipient, True), all=True).order_by("-created_at", "-id")


# --- the message report and its recipients list (SPEC MSG-1, MSG-6, MSG-8) ---------------------------------

CHART_UNITS = ("minute", "hour", "day")


def recipient_search(
    *, account: Account, message: Message, status: str = "", reason: str = "", points: tuple[str, ...] = ()
) -> QuerySet[Recipient]:
    """The message's recipients (archived ones too, through `recipient_list`) with a status, a skip reason,
    and any of `points` (each matched as part of the phone or email)."""
    qs = recipient_list(account=account, message=message, status=status or None)
    if reason:
        qs = qs.filter(skip_reason=reason)
    points = [p for p in points if p]
    if points:
        match = Q()
        for point in points:
            match |= Q(point__icontains=point)
        qs = qs.filter(match)
    return qs


def message_timeline(*, account: Account, message: Message, unit: str, time_zone: str) -> list[tuple]:
    """(local bucket start, sent, delivered, failed) per `unit` ("minute", "hour", "day") on the account's clock,
    oldest first, only the buckets with something in them: one query over the message's recipients, each
    moment truncated in the database (date_trunc in the account's zone on PostgreSQL) and grouped."""
    import zoneinfo

    from django.db.models import CharField, Value
    from django.db.models.functions import Trunc
    from django.utils import timezone

    if unit not in CHART_UNITS:
        raise ValueError(unit)
    tz = zoneinfo.ZoneInfo(time_zone)
    rows = recipient_list(account=account, message=message).order_by()
    parts = [
        rows.filter(**{f"{column}__isnull": False})
        .annotate(bucket=Trunc(column, unit, tzinfo=tz), kind=Value(kind, output_field=CharField()))
        .values("bucket", "kind")
        .annotate(n=Count("pk"))
        .order_by()
        for kind, column in (("sent", "sent_at"), ("delivered", "delivered_at"), ("failed", "failed_at"))
    ]
    buckets: dict = {}
    for row in parts[0].union(*parts[1:], all=True):
        at = timezone.localtime(row["bucket"], tz).replace(tzinfo=None)
        counts = buckets.setdefault(at, {"sent": 0, "delivered": 0, "failed": 0})
        counts[row["kind"]] += row["n"]
    return [(at, c["sent"], c["delivered"], c["failed"]) for at, c in sorted(buckets.items())]
