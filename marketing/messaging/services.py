"""Messages: write, send, pause, resume, cancel (SPEC MSG-1…5, ACC-3).

message = message_create(account=a, membership=m, channel="sms", name="Sale", body="Hi [#First name#]",
                         group_ids=[g.pk])
message_send(account=a, message=message)          # now, or at=… to schedule
message_run(message=message)                      # the task: prepare the rows, then deliver them
"""

import re
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Channel, Group
from marketing.accounts.models import Account, Membership
from marketing.accounts.roles import Perm, has_perm
from marketing.core.errors import ApplicationError, FieldErrors, NotFound
from marketing.core.normalize import email_normalize, phone_normalize

from .delivery import message_deliver
from .models import Message
from .personalize import UnknownPlaceholder, placeholder_names, template_compile
from .pipeline import message_prepare

Status = Message.Status
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-]{1,11}$")
NUMERIC_SENDER = re.compile(r"^\+?[0-9]{3,15}$")


class MessageStateError(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="message_state", status=409)


def _clean_sender(channel: str, sender: str, membership: Membership | None) -> str:
    sender = (sender or "").strip()
    if membership is not None and not has_perm(membership, Perm.MESSAGES_CHOOSE_SENDER):
        fixed = membership.fixed_sender_name
        if sender and sender != fixed:
            raise ApplicationError(
                _("You may send only as “%(sender)s”.") % {"sender": fixed}, details={"field": "sender"}
            )
        sender = fixed
    if channel == Channel.SMS:
        if sender and not (ALPHANUMERIC_SENDER.match(sender) or NUMERIC_SENDER.match(sender)):
            raise ApplicationError(
                _("An SMS sender is up to 11 English letters and digits, or a phone number."),
                details={"field": "sender"},
            )
        return sender
    if not sender:
        raise ApplicationError(_("Enter the email address the message is sent from."), details={"field": "sender"})
    return email_normalize(sender)


def _clean_groups(account: Account, ids: Iterable[int], field: str) -> list[int]:
    wanted = sorted({int(i) for i in ids})
    found = set(Group.objects.filter(account=account, pk__in=wanted).values_list("pk", flat=True))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(
            _("Group not found: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
            details={"field": field, "ids": missing},
        )
    return wanted


def _required(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message)
    return value


@transaction.atomic
def message_create(
    *,
    account: Account,
    membership: Membership | None,
    channel: str,
    name: str,
    body: str,
    sender: str = "",
    subject: str = "",
    group_ids: Iterable[int] = (),
    exclude_group_ids: Iterable[int] = (),
    allow_duplicates: bool = False,
) -> Message:
    """A draft message. Refuses an unknown placeholder (naming it), a sender the role may not use, and groups
    of another account."""
    content = _clean_content(
        account=account,
        membership=membership,
        channel=channel,
        name=name,
        body=body,
        sender=sender,
        subject=subject,
        group_ids=group_ids,
        exclude_group_ids=exclude_group_ids,
    )
    return Message.objects.create(
        account=account,
        channel=channel,
        **content,
        allow_duplicates=allow_duplicates,
        created_by=membership.user if membership else None,
    )


def newlines_normalize(text: str) -> str:
    """Browsers post textarea lines ending in CR LF; a message keeps LF only (SMS segments count each one)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _compiled(field: str, text: str, names: dict[str, str]):
    """The text's template; an unknown placeholder is refused on `field`, naming it."""
    try:
        return template_compile(text, names=names)
    except UnknownPlaceholder as exc:
        exc.details = {**exc.details, "field": field}
        raise


def _clean_content(
    *,
    account: Account,
    membership: Membership | None,
    channel: str,
    name: str,
    body: str,
    sender: str,
    subject: str,
    group_ids: Iterable[int],
    exclude_group_ids: Iterable[int],
) -> dict:
    """A message's content checked all at once (every refusal on its field), ready to store."""
    if channel not in Channel.values:
        raise ApplicationError(_("Choose SMS or email."), details={"field": "channel"})
    body = newlines_normalize(body)
    errors = FieldErrors()
    name = errors.check("name", _required, name, _("Give the message a name."))
    errors.check("body", _required, body, _("Write the message."))
    if channel == Channel.EMAIL:
        errors.check("subject", _required, subject, _("Write the subject."))
    sender = errors.check("sender", _clean_sender, channel, sender, membership)
    names = placeholder_names(account)
    errors.check("body", _compiled, "body", body, names)
    if channel == Channel.EMAIL:
        errors.check("subject", _compiled, "subject", subject or "", names)
    include = errors.check("group_ids", _clean_groups, account, group_ids, "group_ids")
    exclude = errors.check("exclude_group_ids", _clean_groups, account, exclude_group_ids, "exclude_group_ids")
    errors.raise_any()
    if not include:
        raise ApplicationError(_("Choose at least one group to send to."), details={"field": "group_ids"})
    return {
        "name": name,
        "sender": sender,
        "subject": (subject or "").strip() if channel == Channel.EMAIL else "",
        "body": body,
        "group_ids": include,
        "exclude_group_ids": exclude,
    }


@transaction.atomic
def message_update(
    *,
    account: Account,
    membership: Membership | None,
    message: Message,
    name: str,
    body: str,
    sender: str = "",
    subject: str = "",
    group_ids: Iterable[int] = (),
    exclude_group_ids: Iterable[int] = (),
    allow_duplicates: bool = False,
) -> Message:
    """Change a draft or a scheduled message (its channel stays); the same checks as `message_create`."""
    locked = Message.objects.select_for_update().filter(pk=message.pk, account=account).first()
    if locked is None:
        raise NotFound(_("Message not found."))
    if locked.status not in Message.EDITABLE:
        raise MessageStateError(_("This message has already been sent; it can no longer be changed."))
    content = _clean_content(
        account=account,
        membership=membership,
        channel=locked.channel,
        name=name,
        body=body,
        sender=sender,
        subject=subject,
        group_ids=group_ids,
        exclude_group_ids=exclude_group_ids,
    )
    for field, value in {**content, "allow_duplicates": allow_duplicates}.items():
        setattr(locked, field, value)
    locked.save(update_fields=[*content, "allow_duplicates"])
    return locked


def message_test_send(
    *, account: Account, membership: Membership | None, message: Message, to: str, contact_id: int | None = None
) -> str:
    """Send the message once to `to` (the user's own email, or a phone they typed), through the same composer
    and backends as a real send, with the values of one contact of the account when given. No recipient row is
    written: a test leaves the message's history and counts as they were. Without a contact, the audience's
    first one fills the placeholders. A test SMS costs its segments in credits, as any SMS does. Returns the
    address it went to."""
    from .preview import audience_sample, contact_values

    if message.account_id != account.id:
        raise NotFound(_("Message not found."))
    if message.status not in Message.EDITABLE:
        raise MessageStateError(_("This message has already been sent."))
    if contact_id is None:  # the first contact of the audience, as the preview picker shows first
        first = audience_sample(
            account=account,
            channel=message.channel,
            group_ids=message.group_ids,
            exclude_group_ids=message.exclude_group_ids,
            limit=1,
        )
        contact_id = first[0]["pk"] if first else None
    values = contact_values(account=account, message=message, contact_id=contact_id)
    if message.channel == Channel.SMS:
        return _test_sms(account=account, message=message, to=to, values=values)
    return _test_email(account=account, message=message, to=to, values=values)


def _test_sms(*, account: Account, message: Message, to: str, values: list[str]) -> str:
    from .backends.sms import SmsError, SmsMessage, SmsTransientError, sms_backend
    from .pipeline import message_templates
    from .segments import sms_segments

    if not (to or "").strip():
        raise ApplicationError(_("Enter a mobile phone number to send the test to."), details={"field": "test_to"})
    try:
        phone = phone_normalize(to, region=account.default_region)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, details={"field": "test_to"}) from exc
    body = message_templates(message)["body"]
    text = body.render(dict(zip(body.keys, values, strict=False)))
    segments = sms_segments(text).segments
    with transaction.atomic():
        taken = Account.objects.filter(pk=account.pk, sms_credits__gte=segments).update(
            sms_credits=F("sms_credits") - segments
        )
        if not taken:
            raise ApplicationError(_("Not enough SMS credits for the test message."), details={"field": "test_to"})
    try:
        with sms_backend() as backend:
            backend.send(SmsMessage(to=phone, body=text, sender=message.sender))
    except (SmsError, SmsTransientError) as exc:
        Account.objects.filter(pk=account.pk).update(sms_credits=F("sms_credits") + segments)
        raise ApplicationError(
            _("The test message was not sent: %(reason)s") % {"reason": str(exc) or type(exc).__name__},
            details={"field": "test_to"},
        ) from exc
    return phone


def _test_email(*, account: Account, message: Message, to: str, values: list[str]) -> str:
    import smtplib

    from .email import EmailComposer
    from .models import Recipient

    if not (to or "").strip():
        raise ApplicationError(_("Your user has no email address to send the test to."), details={"field": "test_to"})
    try:
        address = email_normalize(to)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, details={"field": "test_to"}) from exc
    # pk 0 names no recipient: the test's unsubscribe link opens the "link not valid" page and changes nothing.
    email = EmailComposer(message).build(Recipient(pk=0, message=message, point=address, values=values))
    email.subject = _("[Test] %(subject)s") % {"subject": email.subject}
    try:
        email.send()
    except (OSError, smtplib.SMTPException) as exc:
        raise ApplicationError(
            _("The test email was not sent: %(reason)s") % {"reason": str(exc) or type(exc).__name__},
            details={"field": "test_to"},
        ) from exc
    return address


@transaction.atomic
def message_send(*, account: Account, message: Message, at: datetime | None = None, enqueue: bool = True) -> Message:
    """Send now, or schedule for `at`. A message is sent once: sending a sent one is refused.

    `enqueue=False` queues no task: the caller runs `message_run` itself (`send_message --wait`)."""
    message = Message.objects.select_for_update().filter(pk=message.pk, account=account).first()
    if message is None:
        raise NotFound(_("Message not found."))
    if message.status not in Message.EDITABLE:
        raise MessageStateError(_("This message has already been sent."))
    if at is not None and at > timezone.now():
        message.status, message.scheduled_at = Status.SCHEDULED, at
        message.save(update_fields=["status", "scheduled_at"])
        return message
    message.status, message.started_at = Status.SENDING, timezone.now()
    message.save(update_fields=["status", "started_at"])
    if not enqueue:
        return message
    from .tasks import message_run as task

    transaction.on_commit(lambda: task.delay(message.pk))
    return message


def messages_due(*, now: datetime | None = None) -> list[int]:
    """Start the scheduled messages whose time has come; the ids started."""
    now = now or timezone.now()
    started = []
    for message in Message.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=now).select_related("account"):
        try:
            message_send(account=message.account, message=message)
        except MessageStateError:
            continue
        started.append(message.pk)
    return started


def message_run(*, message: Message) -> Message:
    """Prepare the recipient rows (once), then deliver what is queued, unless paused or cancelled."""
    message = message_prepare(message=message)
    return message_deliver(message=message)


@transaction.atomic
def message_pause(*, account: Account, message: Message) -> Message:
    updated = Message.objects.filter(pk=message.pk, account=account, status=Status.SENDING).update(status=Status.PAUSED)
    if not updated:
        raise MessageStateError(_("Only a message that is sending can be paused."))
    message.refresh_from_db()
    return message


@transaction.atomic
def message_resume(*, account: Account, message: Message) -> Message:
    updated = Message.objects.filter(pk=message.pk, account=account, status=Status.PAUSED).update(status=Status.SENDING)
    if not updated:
        raise MessageStateError(_("Only a paused message can be resumed."))
    from .tasks import message_run as task

    transaction.on_commit(lambda: task.delay(message.pk))
    message.refresh_from_db()
    return message


@transaction.atomic
def message_cancel(*, account: Account, message: Message) -> Message:
    """Stop a scheduled, sending or paused message: what is still queued is never sent."""
    cancellable = [Status.SCHEDULED, Status.SENDING, Status.PAUSED]
    updated = Message.objects.filter(pk=message.pk, account=account, status__in=cancellable).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    if not updated:
        raise MessageStateError(_("This message can no longer be cancelled."))
    message.refresh_from_db()
    if message.prepared:
        from .delivery import recipients_cancel

        recipients_cancel(message=message)
    return message
