"""The send pipeline's second half: hand queued recipients to the delivery backend, in batches.

Each batch is claimed (rows locked with SKIP LOCKED, so workers never share a row) and marked "sending"
before anything leaves; the provider's answers are written after. A worker killed in between leaves rows in
"sending": the next run marks those "unknown" — reported, never sent again. A passing fault (network, the
provider's 5xx or throttling) hands the unsent rest of the batch back to the queue and retries later.

Sending keeps to the channel's shared rate (`ratelimit.py`); a provider that throttles slows it for every
worker. `MESSAGE_DELIVERY_WORKERS` tasks deliver one message together, each claiming its own batches; the last
one to find nothing left marks the message sent. Delivery reports that arrived before a batch was recorded
are applied as soon as it is (`reports.py`).
"""

import smtplib
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from contacts.models import Channel
from marketing.accounts.models import Account
from marketing.core.errors import TransientError

from .backends.sms import SmsAccountError, SmsMessage, SmsThrottled, SmsTransientError, sms_backend
from .email import EmailComposer
from .models import Message, Recipient
from .pipeline import message_keys, message_templates
from .ratelimit import RateLimiter, rate_limiter
from .reports import reports_apply_pending

Status = Recipient.Status
BATCH = 500
IN_FLIGHT_LIMIT = timedelta(minutes=10)  # a batch still "sending" after this was cut off mid-way
CLAIM_SECONDS = 60  # under a rate limit, a worker claims about this long of sending, well inside IN_FLIGHT_LIMIT
_STATUS_SALT = "messaging.status-callback"


def status_callback_token(message: Message) -> str:
    return signing.Signer(salt=_STATUS_SALT).sign(signing.b62_encode(message.pk))


def status_callback_message_id(token: str) -> int | None:
    """The id of the message a status-callback token names; None for a bad or tampered token."""
    try:
        return signing.b62_decode(signing.Signer(salt=_STATUS_SALT).unsign(token))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def status_callback_url(message: Message) -> str:
    """Where the SMS provider reports delivery of this message's texts (and only of them)."""
    return f"{settings.PUBLIC_URL.rstrip('/')}/hooks/sms/twilio/status/{status_callback_token(message)}/"


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


def _provider_id(outcome) -> str:
    """The provider's id of a sent text or email: the SMS provider's, the ESP's (anymail), or the Message-ID."""
    if isinstance(outcome, EmailMessage):
        status = getattr(outcome, "anymail_status", None)
        found = getattr(status, "message_id", None) if status is not None else None
        if found is None or found == "":
            found = outcome.extra_headers.get("Message-ID", "")
        return str(found).strip().strip("<>")[:64]
    return getattr(outcome, "provider_id", "") or ""


def _record_sent(rows: list[Recipient], now) -> None:
    """One set-based UPDATE for the sent rows (bulk_update's CASE per row grows with the square of the batch)."""
    table = connection.ops.quote_name(Recipient._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET status = %s, sent_at = %s, provider_id = v.provider_id "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, provider_id) WHERE r.id = v.id",
            [Status.SENT, now, [r.pk for r in rows], [r.provider_id for r in rows]],
        )


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
            row.provider_id = _provider_id(outcome)
        done.append(row)
    with transaction.atomic():
        sent = [r for r in done if r.status == Status.SENT]
        if sent and connection.vendor == "postgresql":
            _record_sent(sent, now)
            done_elsewise = [r for r in done if r.status != Status.SENT]
        else:
            done_elsewise = done
        if done_elsewise:
            Recipient.objects.bulk_update(
                done_elsewise, ["status", "sent_at", "failed_at", "error_code", "provider_id"]
            )
        unsent = [r.pk for r in rows[len(outcomes) :]]
        if unsent:
            Recipient.objects.filter(pk__in=unsent).update(status=Status.QUEUED, attempted_at=None)
        _refund(message, refunded)
    reports_apply_pending(message=message, provider_ids=[r.provider_id for r in done if r.provider_id])


class _SmsSender:
    def __init__(self, message: Message):
        self.message = message
        self.body = message_templates(message)["body"]
        self.keys = message_keys({"body": self.body})
        self.backend = sms_backend()
        self.status_callback = status_callback_url(message) if settings.PUBLIC_URL else ""

    def send(self, rows: list[Recipient]) -> list:
        messages = [
            SmsMessage(
                to=r.point,
                body=self.body.render(dict(zip(self.keys, r.values, strict=False))),
                sender=self.message.sender,
                status_callback=self.status_callback,
            )
            for r in rows
        ]
        return self.backend.send_many(messages)

    def close(self) -> None:
        self.backend.close()


class _EmailSender:
    """Sends on one connection for the whole run. With Django's SMTP backend each email goes as bytes spliced
    from a skeleton made once per message (`EmailComposer.smtp_bytes`); any other backend (an ESP through
    anymail, locmem in tests) gets Django emails."""

    class Sent:
        __slots__ = ("provider_id",)

        def __init__(self, provider_id: str):
            self.provider_id = provider_id

    def __init__(self, message: Message):
        from django.core.mail.backends.smtp import EmailBackend

        self.message = message
        self.connection = get_connection(fail_silently=False)
        self.composer = EmailComposer(message, connection=self.connection)
        self.smtp = isinstance(self.connection, EmailBackend)
        self.sender = self.composer.envelope_sender if self.smtp else ""
        self.connection.open()

    def _send_one(self, recipient: Recipient):
        message_id = make_msgid(domain=DNS_NAME)  # to match bounces to it
        data = self.composer.smtp_bytes(recipient, message_id=message_id) if self.smtp else None
        if data is None:
            email = self.composer.build(recipient)
            email.extra_headers.setdefault("Message-ID", message_id)
            email.send()
            return email
        if self.connection.connection is None:
            self.connection.open()
        self.connection.connection.sendmail(self.sender, [recipient.point], data)
        return self.Sent(message_id.strip("<>")[:64])

    def send(self, rows: list[Recipient]) -> list:
        outcomes = []
        for r in rows:
            try:
                outcomes.append(self._send_one(r))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:  # refused this address
                outcomes.append(exc)
            except (OSError, smtplib.SMTPException) as exc:  # the server is gone or busy: try again later
                exc.results = outcomes
                raise
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


def _send_limited(sender, rows: list[Recipient], limiter: RateLimiter | None) -> list:
    """Send the rows at the shared rate, each at its own slot (slots are taken a chunk at a time); a failure
    carries the outcomes of everything before it."""
    if limiter is None:
        return sender.send(rows)
    outcomes: list = []
    for start in range(0, len(rows), limiter.chunk):
        chunk = rows[start : start + limiter.chunk]
        for row, moment in zip(chunk, limiter.slots(len(chunk)), strict=True):
            limiter.wait_until(moment)
            try:
                outcomes += sender.send([row])
            except Exception as exc:
                exc.results = outcomes + list(getattr(exc, "results", ()))
                raise
    return outcomes


def _claim_size(batch: int, limiter: RateLimiter | None) -> int:
    if limiter is None:
        return batch
    workers = max(1, settings.MESSAGE_DELIVERY_WORKERS)
    return max(1, min(batch, int(limiter.rate * CLAIM_SECONDS / workers)))


def message_deliver(*, message: Message, batch: int = BATCH, fan_out: bool = True) -> Message:
    """Deliver the message's queued recipients while it is sending; raises TransientError to be retried.

    With `fan_out`, first queues MESSAGE_DELIVERY_WORKERS - 1 more delivery tasks that share the work.
    """
    recipients_interrupted(message=message)
    if fan_out and settings.MESSAGE_DELIVERY_WORKERS > 1:
        from .tasks import message_deliver_run

        for _ in range(settings.MESSAGE_DELIVERY_WORKERS - 1):
            transaction.on_commit(lambda: message_deliver_run.delay(message.pk))
    limiter = rate_limiter(message.channel)
    size = _claim_size(batch, limiter)
    sender = (_SmsSender if message.channel == Channel.SMS else _EmailSender)(message)
    try:
        while Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).exists():
            rows = _claim(message, size)
            if not rows:
                break
            try:
                outcomes = _send_limited(sender, rows, limiter)
            except SmsAccountError as exc:
                _record(message, rows, list(getattr(exc, "results", ())))
                Message.objects.filter(pk=message.pk).update(status=Message.Status.PAUSED, stop_reason="provider")
                break
            except (SmsTransientError, OSError, smtplib.SMTPException) as exc:
                _record(message, rows, list(getattr(exc, "results", ())))
                if isinstance(exc, SmsThrottled) and limiter is not None:
                    limiter.slow_down(exc.retry_after)
                raise TransientError(str(exc)) from exc
            _record(message, rows, outcomes)
    finally:
        sender.close()
    return _finish(message)
