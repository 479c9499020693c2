"""Delivery reports and bounces (SPEC MSG-8, UNS-1): what providers tell after a send, kept and applied.

    report_record(provider="twilio", provider_id=sid, event="delivered", message=message)
    reports_apply_pending(message=message, provider_ids=[...])   # right after the send is recorded

A report is stored once (provider, provider id, event) and applied to the recipient that has its provider id:
delivered, failed (with the error code) or bounced; a hard bounce or a complaint also suppresses the email
point in the message's account. A report that arrives before its send is recorded waits unapplied and is
applied when the recipient gets its provider id. The recipient's status only moves forward: a report that
would move it back changes nothing.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from contacts.models import Channel
from contacts.services import suppressions_add
from contacts.sources import Source
from marketing.core.texts import Text

from .models import DeliveryReport, Message, Recipient

Status = Recipient.Status
PROVIDER_ID_LENGTH = Recipient._meta.get_field("provider_id").max_length


class Event:
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


EVENTS = (Event.DELIVERED, Event.FAILED, Event.BOUNCED, Event.COMPLAINED)
# The statuses each report may move a recipient from (the database refuses any move back anyway).
_FROM = {
    Event.DELIVERED: (Status.SENT, Status.UNKNOWN),
    Event.FAILED: (Status.SENT, Status.UNKNOWN, Status.DELIVERED),
    Event.BOUNCED: (Status.SENT, Status.UNKNOWN, Status.DELIVERED),
}
_REASONS = {
    Event.BOUNCED: (Source.BOUNCE, Text(gettext_noop("The email bounced"))),
    Event.COMPLAINED: (Source.COMPLAINT, Text(gettext_noop("Reported the email as spam"))),
}


def provider_key(value: str) -> str:
    """A provider's message id as recipients keep it: without angle brackets, cut to the column's length."""
    return (value or "").strip().strip("<>")[:PROVIDER_ID_LENGTH]


def report_record(
    *,
    provider: str,
    provider_id: str,
    event: str,
    error_code: str = "",
    occurred_at: datetime | None = None,
    message: Message | None = None,
) -> DeliveryReport | None:
    """Keep a provider's report once and apply it when its recipient is known.

    `message`, when the report's URL names one, limits it to that message's recipients: a report naming a
    provider id of another message changes nothing (and is not kept). Returns the report, or None when it was
    refused or a repeat.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown delivery report event {event!r}")
    key = provider_key(provider_id)
    if not key:
        return None
    if message is not None:
        owner = Recipient.objects.filter(provider_id=key).exclude(message_id=message.pk).exists()
        if owner:
            return None
    report, created = DeliveryReport.objects.get_or_create(
        provider=provider[:32],
        provider_id=key,
        event=event,
        defaults={"error_code": (error_code or "")[:32], "occurred_at": occurred_at or timezone.now()},
    )
    if not created:
        return None
    # The report is committed before its recipient is looked up, and `_record` writes provider ids before it
    # looks up pending reports: whichever comes second sees the other, so no report is left behind.
    reports_apply(reports=[report], message=message)
    return report


def reports_apply_pending(*, message: Message, provider_ids: Iterable[str]) -> int:
    """Apply the reports that arrived before these just-recorded sends of `message`."""
    keys = [k for k in (provider_key(p) for p in provider_ids) if k]
    if not keys:
        return 0
    pending = list(DeliveryReport.objects.filter(applied_at=None, provider_id__in=keys))
    return reports_apply(reports=pending, message=message) if pending else 0


def reports_apply(*, reports: list[DeliveryReport], message: Message | None = None) -> int:
    """Apply unapplied reports whose recipient is known (of `message` only, when given); how many were applied."""
    applied = 0
    with transaction.atomic():
        # Waits for a concurrent apply of the same reports (never skips them: that one may not have found
        # the recipient yet), then sees only what it left unapplied.
        locked = list(
            DeliveryReport.objects.select_for_update()
            .filter(pk__in=[r.pk for r in reports], applied_at=None)
            .order_by("pk")
        )
        locked.sort(key=lambda r: (r.occurred_at, r.pk))
        if not locked:
            return 0
        recipients = Recipient.objects.filter(provider_id__in={r.provider_id for r in locked})
        if message is not None:
            recipients = recipients.filter(message_id=message.pk)
        by_key = {r.provider_id: r for r in recipients.select_related("message", "message__account")}
        done = []
        for report in locked:
            recipient = by_key.get(report.provider_id)
            if recipient is None:
                continue  # not recorded yet: applied when `_record` writes the provider id
            _apply(report, recipient)
            done.append(report.pk)
        if done:
            applied = DeliveryReport.objects.filter(pk__in=done).update(applied_at=timezone.now())
    return applied


def _apply(report: DeliveryReport, recipient: Recipient) -> None:
    event = report.event
    when = report.occurred_at
    rows = Recipient.objects.filter(pk=recipient.pk)
    if event == Event.DELIVERED:
        rows.filter(status__in=_FROM[event]).update(status=Status.DELIVERED, delivered_at=when)
    elif event in (Event.FAILED, Event.BOUNCED):
        status = Status.FAILED if event == Event.FAILED else Status.BOUNCED
        rows.filter(status__in=_FROM[event]).update(status=status, failed_at=when, error_code=report.error_code)
    if event in _REASONS and recipient.message.channel == Channel.EMAIL:
        source, reason = _REASONS[event]
        suppressions_add(
            account=recipient.message.account,
            points=[recipient.point],
            reason=reason,
            source=source,
            channel=Channel.EMAIL,
        )
        if event == Event.COMPLAINED:
            rows.filter(unsubscribed_at__isnull=True).update(unsubscribed_at=when)
