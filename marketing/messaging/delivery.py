"""The send pipeline's second half: hand queued recipients to the delivery backend, in batches.

Each batch is claimed (rows locked with SKIP LOCKED, so workers never share a row) and marked "sending"
before anything leaves; the provider's answers are written after. A worker killed in between leaves rows in
"sending": the next run marks those "unknown" — reported, never sent again. A passing fault (network, the
provider's 5xx or throttling) hands the unsent rest of the batch back to the queue and retries later.
"""

import smtplib
from datetime import timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from contacts.models import Channel
from marketing.accounts.models import Account
from marketing.core.errors import TransientError

from .backends.sms import SmsAccountError, SmsMessage, SmsTransientError, sms_backend
from .email import EmailComposer
from .models import Message, Recipient
from .pipeline import message_keys, message_templates

Status = Recipient.Status
BATCH = 500
IN_FLIGHT_LIMIT = timedelta(minutes=10)  # a batch still "sending" after this was cut off mid-way


def _refund(message: Message, segments: int) -> None:
    if segments and message.channel == Channel.SMS:
        Account.objects.filter(pk=message.account_id).update(sms_credits=F("sms_credits") + segments)
        Message.objects.filter(pk=message.pk).update(credits_reserved=F("credits_reserved") - segments)


def recipients_interrupted(*, message: Message, older_than: timedelta = IN_FLIGHT_LIMIT) -> int:
    """Rows a killed worker left "sending": marked "unknown", since they may have gone out."""
    cutoff = timezone.now() - older_than
    return Recipient.objects.filter(message=message, status=Status.SENDING, attempted_at__lt=cutoff).update(
        status=Status.UNKNOWN
    )


@transaction.atomic
def recipients_cancel(*, message: Message) -> int:
    """What is still queued is skipped (message cancelled), and its credits go back to the account."""
    queued = Recipient.objects.filter(message=message, status=Status.QUEUED)
    segments = queued.aggregate(total=Sum("segments"))["total"] or 0
    count = queued.update(status=Status.SKIPPED, skip_reason=Recipient.Skip.CANCELLED)
    _refund(message, segments)
    return count


def _claim(message: Message, size: int) -> list[Recipient]:
    with transaction.atomic():
        rows = list(
            Recipient.objects.select_for_update(skip_locked=True)
            .filter(message=message, status=Status.QUEUED)
            .order_by("pk")[:size]
        )
        if rows:
            Recipient.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=Status.SENDING, attempted_at=timezone.now()
            )
    return rows


def _record(message: Message, rows: list[Recipient], outcomes: list) -> None:
    """Write what the provider answered for the first len(outcomes) rows; the rest go back to the queue."""
    now = timezone.now()
    done, refunded = [], 0
    for row, outcome in zip(rows, outcomes, strict=False):
        if isinstance(outcome, Exception):
            row.status, row.failed_at = Status.FAILED, now
            row.error_code = str(getattr(outcome, "code", "") or type(outcome).__name__)[:32]
            refunded += row.segments
        else:
            row.status, row.sent_at = Status.SENT, now
            row.provider_id = getattr(outcome, "provider_id", "") or ""
        done.append(row)
    with transaction.atomic():
        Recipient.objects.bulk_update(done, ["status", "sent_at", "failed_at", "error_code", "provider_id"])
        unsent = [r.pk for r in rows[len(outcomes) :]]
        if unsent:
            Recipient.objects.filter(pk__in=unsent).update(status=Status.QUEUED, attempted_at=None)
        _refund(message, refunded)


class _SmsSender:
    def __init__(self, message: Message):
        self.message = message
        self.body = message_templates(message)["body"]
        self.keys = message_keys({"body": self.body})
        self.backend = sms_backend()

    def send(self, rows: list[Recipient]) -> list:
        messages = [
            SmsMessage(
                to=r.point,
                body=self.body.render(dict(zip(self.keys, r.values, strict=False))),
                sender=self.message.sender,
            )
            for r in rows
        ]
        return self.backend.send_many(messages)

    def close(self) -> None:
        self.backend.close()


class _EmailSender:
    def __init__(self, message: Message):
        self.message = message
        self.connection = get_connection(fail_silently=False)
        self.composer = EmailComposer(message, connection=self.connection)
        self.connection.open()

    def send(self, rows: list[Recipient]) -> list:
        outcomes = []
        for r in rows:
            email = self.composer.build(r)
            try:
                email.send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:  # refused this address
                outcomes.append(exc)
                continue
            except (OSError, smtplib.SMTPException) as exc:  # the server is gone or busy: try again later
                exc.results = outcomes
                raise

            outcomes.append(None)
        return outcomes

    def close(self) -> None:
        self.connection.close()


def _finish(message: Message) -> Message:
    busy = Recipient.objects.filter(message=message, status__in=[Status.QUEUED, Status.SENDING]).exists()
    if not busy:
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.SENT, finished_at=timezone.now()
        )
    message.refresh_from_db()
    return message


def message_deliver(*, message: Message, batch: int = BATCH) -> Message:
    """Deliver the message's queued recipients while it is sending; raises TransientError to be retried."""
    recipients_interrupted(message=message)
    sender = (_SmsSender if message.channel == Channel.SMS else _EmailSender)(message)
    try:
        while Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).exists():
            rows = _claim(message, batch)
            if not rows:
                break
            try:
                outcomes = sender.send(rows)
            except SmsAccountError as exc:
                _record(message, rows, list(getattr(exc, "results", ())))
                Message.objects.filter(pk=message.pk).update(status=Message.Status.PAUSED, stop_reason="provider")
                break
            except (SmsTransientError, OSError, smtplib.SMTPException) as exc:
                _record(message, rows, list(getattr(exc, "results", ())))
                raise TransientError(str(exc)) from exc
            _record(message, rows, outcomes)
    finally:
        sender.close()
    return _finish(message)
