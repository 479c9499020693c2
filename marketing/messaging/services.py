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
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Channel, Group
from marketing.accounts.models import Account, Membership
from marketing.accounts.roles import Perm, has_perm
from marketing.core.errors import ApplicationError, FieldErrors, NotFound
from marketing.core.normalize import email_normalize

from .delivery import message_deliver
from .models import Message
from .personalize import placeholder_names, template_compile
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
    if channel not in Channel.values:
        raise ApplicationError(_("Choose SMS or email."), details={"field": "channel"})
    errors = FieldErrors()
    name = errors.check("name", _required, name, _("Give the message a name."))
    errors.check("body", _required, body, _("Write the message."))
    if channel == Channel.EMAIL:
        errors.check("subject", _required, subject, _("Write the subject."))
    sender = errors.check("sender", _clean_sender, channel, sender, membership)
    names = placeholder_names(account)
    errors.check("body", template_compile, body or "", names=names)
    if channel == Channel.EMAIL:
        errors.check("subject", template_compile, subject or "", names=names)
    include = errors.check("group_ids", _clean_groups, account, group_ids, "group_ids")
    exclude = errors.check("exclude_group_ids", _clean_groups, account, exclude_group_ids, "exclude_group_ids")
    errors.raise_any()
    if not include:
        raise ApplicationError(_("Choose at least one group to send to."), details={"field": "group_ids"})
    return Message.objects.create(
        account=account,
        channel=channel,
        name=name,
        sender=sender,
        subject=(subject or "").strip() if channel == Channel.EMAIL else "",
        body=body,
        group_ids=include,
        exclude_group_ids=exclude,
        allow_duplicates=allow_duplicates,
        created_by=membership.user if membership else None,
    )


@transaction.atomic
def message_send(*, account: Account, message: Message, at: datetime | None = None) -> Message:
    """Send now, or schedule for `at`. A message is sent once: sending a sent one is refused."""
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
