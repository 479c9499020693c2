"""The send pipeline's first half (DESIGN §2.3): audience → suppression → duplicate filter → personalization →
credits, ending in one recipient row per contact point, set-based.

    message_prepare(message=message)   # writes the rows once; running it again does nothing

One query walks the audience (groups in, groups out) ordered by contact point, with each point's suppression
as a column; Python renders each row's personalized content once (to count SMS segments and to tell apart
duplicates that differ); the rows go to the database by COPY; the credits the queued rows need are reserved
under a lock of the account row, so two sends never spend the same credit.
"""

import json
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from contacts.models import Channel, Contact, GroupMembership, Suppression
from marketing.accounts.models import Account

from .models import Message, Recipient
from .personalize import Template, placeholder_names, template_compile, value_formatter
from .segments import sms_segments

Skip = Recipient.Skip
BATCH = 5000


def sms_opt_out_line(account: Account) -> str:
    """The refusal line every marketing SMS ends with (Israeli law §30A), in the account's language."""
    with translation.override(account.language):
        return gettext("Reply STOP to opt out")


def message_templates(message: Message) -> dict[str, Template]:
    """The message's texts compiled against the account's fields: "body", and "subject" for email."""
    names = placeholder_names(message.account)
    if message.channel == Channel.SMS:
        body = f"{message.body}\n{sms_opt_out_line(message.account)}"
        return {"body": template_compile(body, names=names)}
    return {
        "subject": template_compile(message.subject, names=names),
        "body": template_compile(message.body, names=names, html=True),
    }


def message_keys(templates: dict[str, Template]) -> tuple[str, ...]:
    """The fields a message reads, in the order a recipient row keeps their values."""
    return tuple(dict.fromkeys(k for t in templates.values() for k in t.keys))


def audience(message: Message):
    """The contacts in the message's groups and not in its excluded groups that have a point on its channel,
    by point then id, with `suppressed` for points unsubscribed on this channel."""
    point = "phone" if message.channel == Channel.SMS else "email"
    members = GroupMembership.objects.filter(account_id=message.account_id, contact=OuterRef("pk"))
    contacts = (
        Contact.objects.filter(account_id=message.account_id)
        .exclude(**{point: ""})
        .filter(Exists(members.filter(group_id__in=message.group_ids)))
    )
    if message.exclude_group_ids:
        contacts = contacts.exclude(Exists(members.filter(group_id__in=message.exclude_group_ids)))
    suppressed = Suppression.objects.filter(
        account_id=message.account_id, channel=message.channel, point=OuterRef(point)
    )
    return contacts.annotate(suppressed=Exists(suppressed)).order_by(point, "pk"), point


def _point_valid(channel: str, point: str) -> bool:
    if channel == Channel.SMS:
        return point.startswith("+") and point[1:].isdigit()
    return "@" in point


def _pages(contacts, point_column: str, fields: list[str]) -> Iterator[list[dict]]:
    """The audience a page at a time, by (point, id) after the last one seen."""
    last = None
    while True:
        page = contacts
        if last is not None:
            page = page.filter(Q(**{f"{point_column}__gt": last[0]}) | Q(**{point_column: last[0], "pk__gt": last[1]}))
        rows = list(page.values(*fields)[:BATCH])
        if not rows:
            return
        yield rows
        last = (rows[-1][point_column], rows[-1]["pk"])


def _rows(message: Message, templates: dict[str, Template]) -> Iterator[list[tuple]]:
    """Pages of (contact id, point, values, status, skip reason, segments) for the audience, in point order."""
    keys = message_keys(templates)
    columns = [k for k in keys if not k.startswith("custom:")]
    wants_custom = len(columns) < len(keys)
    contacts, point_column = audience(message)
    fields = ["pk", point_column, "suppressed", *(c for c in columns if c != point_column)]
    if wants_custom:
        fields.append("custom")
    formatted = value_formatter(message.account, keys)
    body = templates["body"]
    is_sms = message.channel == Channel.SMS
    current_point, seen = None, set()
    for page in _pages(contacts, point_column, fields):
        out = []
        for values in page:
            point = values[point_column]
            if point != current_point:
                current_point, seen = point, set()
            shown = formatted(values) if keys else {}
            ordered = [shown[k] for k in keys]
            content = body.render(shown) if (is_sms or message.allow_duplicates) else ""
            segments = sms_segments(content).segments if is_sms else 0
            if values["suppressed"]:
                out.append((values["pk"], point, ordered, Recipient.Status.SKIPPED, Skip.SUPPRESSED, segments))
            elif not _point_valid(message.channel, point):
                out.append((values["pk"], point, ordered, Recipient.Status.SKIPPED, Skip.INVALID_POINT, segments))
            elif seen and (not message.allow_duplicates or content in seen):
                out.append((values["pk"], point, ordered, Recipient.Status.SKIPPED, Skip.DUPLICATE, segments))
            else:
                seen.add(content)
                out.append((values["pk"], point, ordered, Recipient.Status.QUEUED, "", segments))
        yield out


_COPY = (
    'COPY messaging_recipient (account_id, message_id, contact_id, point, "values", status, skip_reason,'
    " segments, provider_id, error_code, created_at) FROM STDIN"
)


def _write(message: Message, pages: Iterator[list[tuple]]) -> None:
    """Store each page of rows (by COPY on PostgreSQL) before the next page is read."""
    now = timezone.now()
    for rows in pages:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.copy(_COPY) as copy:
                for contact_id, point, values, status, reason, segments in rows:
                    copy.write_row(
                        (
                            message.account_id,
                            message.pk,
                            contact_id,
                            point,
                            json.dumps(values),
                            status,
                            reason,
                            segments,
                            "",
                            "",
                            now,
                        )
                    )
            continue
        Recipient.objects.bulk_create(
            Recipient(
                account_id=message.account_id,
                message=message,
                contact_id=contact_id,
                point=point,
                values=values,
                status=status,
                skip_reason=reason,
                segments=segments,
                created_at=now,
            )
            for contact_id, point, values, status, reason, segments in rows
        )


def _reserve_credits(message: Message) -> None:
    """Take the credits the queued SMS rows need; rows the account can't pay for are skipped (out of credits)."""
    account = Account.objects.select_for_update().get(pk=message.account_id)
    queued = Recipient.objects.filter(message=message, status=Recipient.Status.QUEUED)
    needed = sum(queued.values_list("segments", flat=True))
    available = max(account.sms_credits, 0)
    if needed > available:
        taken, covered = 0, []
        for pk, segments in queued.order_by("pk").values_list("pk", "segments").iterator(chunk_size=BATCH):
            if taken + segments > available:
                break
            taken += segments
            covered.append(pk)
        last_covered = covered[-1] if covered else 0
        queued.filter(pk__gt=last_covered).update(status=Recipient.Status.SKIPPED, skip_reason=Skip.OUT_OF_CREDITS)
        needed = taken
        message.stop_reason = Skip.OUT_OF_CREDITS
    Account.objects.filter(pk=account.pk).update(sms_credits=account.sms_credits - needed)
    message.credits_reserved = needed


@transaction.atomic
def message_prepare(*, message: Message) -> Message:
    """Write the message's recipient rows and reserve its credits, once."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.prepared:
        return message
    templates = message_templates(message)
    _write(message, _rows(message, templates))
    if message.channel == Channel.SMS:
        _reserve_credits(message)
    message.prepared = True
    message.save(update_fields=["prepared", "credits_reserved", "stop_reason"])
    return message
