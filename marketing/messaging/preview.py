"""What the compose screen shows before a message is sent (SPEC MSG-1…3): how many people it reaches after
suppression and the duplicate filter, and the message one contact of the audience would get.

    audience_count(account=a, channel="sms", group_ids=[1, 2], exclude_group_ids=[3])
    # {"contacts": 120, "suppressed": 4, "recipients": 110}  -- one SQL query
    message_preview(account=a, message=unsaved_or_saved_message, contact_id=7)

The audience, the suppression rule, the templates and the email composer are the send pipeline's own
(`pipeline.audience`, `pipeline.message_templates`, `email.EmailComposer`), so the preview can't drift from
what is sent.
"""

from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from contacts.models import Channel, Contact, Group
from marketing.accounts.models import Account
from marketing.core.errors import NotFound

from .email import EmailComposer
from .models import Message, Recipient
from .personalize import value_formatter
from .pipeline import audience, message_keys, message_templates
from .segments import sms_segments

_VALID_POINT = {Channel.SMS: Q(phone__regex=r"^\+[0-9]+$"), Channel.EMAIL: Q(email__contains="@")}


def _own_group_ids(account: Account, ids: Iterable[int]) -> list[int]:
    wanted = {int(i) for i in ids}
    return list(Group.objects.filter(account=account, pk__in=wanted).values_list("pk", flat=True)) if wanted else []


def _audience_message(
    *, account: Account, channel: str, group_ids: Iterable[int], exclude_group_ids: Iterable[int]
) -> Message:
    """An unsaved message standing for the chosen audience (only the account's own groups count)."""
    return Message(
        account=account,
        channel=channel,
        group_ids=_own_group_ids(account, group_ids),
        exclude_group_ids=_own_group_ids(account, exclude_group_ids),
    )


def audience_count(
    *,
    account: Account,
    channel: str,
    group_ids: Iterable[int],
    exclude_group_ids: Iterable[int] = (),
    allow_duplicates: bool = False,
) -> dict[str, int]:
    """Contacts in the audience with a point on the channel, how many of them are unsubscribed, and how many
    messages go out: one per valid, not suppressed point (one per contact when duplicates are allowed — an
    upper bound, since identical personalized copies to one point are still sent once)."""
    message = _audience_message(
        account=account, channel=channel, group_ids=group_ids, exclude_group_ids=exclude_group_ids
    )
    if not message.group_ids:
        return {"contacts": 0, "suppressed": 0, "recipients": 0}
    contacts, point = audience(message)
    sendable = Q(suppressed=False) & _VALID_POINT[channel]
    recipients = Count("pk", filter=sendable) if allow_duplicates else Count(point, filter=sendable, distinct=True)
    row = contacts.order_by().aggregate(
        n_contacts=Count("pk"), n_suppressed=Count("pk", filter=Q(suppressed=True)), n_recipients=recipients
    )  # named apart from the `suppressed` annotation they count
    return {"contacts": row["n_contacts"], "suppressed": row["n_suppressed"], "recipients": row["n_recipients"]}


def audience_sample(
    *, account: Account, channel: str, group_ids: Iterable[int], exclude_group_ids: Iterable[int] = (), limit: int = 50
) -> list[dict]:
    """The first contacts of the audience (by point), to pick one for the preview."""
    message = _audience_message(
        account=account, channel=channel, group_ids=group_ids, exclude_group_ids=exclude_group_ids
    )
    if not message.group_ids:
        return []
    contacts, point = audience(message)
    return [
        {"pk": row["pk"], "point": row[point], "name": f"{row['first_name']} {row['last_name']}".strip()}
        for row in contacts.values("pk", point, "first_name", "last_name")[:limit]
    ]


def contact_values(*, account: Account, message: Message, contact_id: int | None) -> list[str]:
    """The values a recipient row of `message` would keep for this contact, in the message's field order
    (empty values without a contact). Another account's contact is not found."""
    keys = message_keys(message_templates(message))
    if contact_id is None or not keys:
        return [""] * len(keys)
    columns = [k for k in keys if not k.startswith("custom:")]
    fields = ["pk", *columns] + (["custom"] if len(columns) < len(keys) else [])
    row = Contact.objects.filter(account=account, pk=contact_id).values(*fields).first()
    if row is None:
        raise NotFound(_("Contact not found."))
    shown = value_formatter(account, keys)(row)
    return [shown[k] for k in keys]


def message_preview(*, account: Account, message: Message, contact_id: int | None = None) -> dict:
    """What one contact gets: for SMS the text with the opt-out line and its segment count; for email the
    subject and the whole HTML document (footer included). Raises UnknownPlaceholder like a save would."""
    values = contact_values(account=account, message=message, contact_id=contact_id)
    if message.channel == Channel.SMS:
        body = message_templates(message)["body"]
        text = body.render(dict(zip(body.keys, values, strict=False)))
        return {"channel": Channel.SMS, "text": text, "count": sms_segments(text)}
    email = EmailComposer(message).build(Recipient(pk=0, message=message, point="preview@example.com", values=values))
    html = next((content for content, mimetype in email.alternatives if mimetype == "text/html"), "")
    return {"channel": Channel.EMAIL, "subject": email.subject, "html": html, "text": email.body}
