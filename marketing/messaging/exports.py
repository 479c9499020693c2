"""A message's recipients as CSV or XLSX (SPEC MSG-1, MSG-6): what the recipients screen shows with the same
filters, every row of them, read a chunk at a time and written as it is read (the contacts exports' responders)."""

import zoneinfo
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.exports import CHUNK_SIZE, export_response
from marketing.accounts.models import Account

from .models import Message, Recipient

_COLUMNS = (
    "point",
    "status",
    "skip_reason",
    "error_code",
    "segments",
    "sent_at",
    "delivered_at",
    "failed_at",
    "opened_at",
    "clicked_at",
    "unsubscribed_at",
    "contact_id",
)
_TIMES = {"sent_at", "delivered_at", "failed_at", "opened_at", "clicked_at", "unsubscribed_at"}


def _local(value, tz):
    return timezone.localtime(value, tz).replace(tzinfo=None, microsecond=0) if value else None


def recipients_export_rows(account: Account, message: Message, queryset: QuerySet[Recipient]) -> Iterator[list]:
    """The header, then one row per recipient of `queryset` (already scoped by its selector), times on the
    account's clock, statuses and reasons in the language active now."""
    tz = zoneinfo.ZoneInfo(account.time_zone)
    language = translation.get_language() or settings.LANGUAGE_CODE  # a streamed download is read after the view
    header = [
        _("Phone") if message.channel == "sms" else _("Email"),
        _("Status"),
        _("Skipped because"),
        _("Error code"),
        _("Segments"),
        _("Sent"),
        _("Delivered"),
        _("Failed"),
        _("Opened"),
        _("Clicked"),
        _("Unsubscribed"),
        _("Contact ID"),
    ]
    statuses = dict(Recipient.Status.choices)
    reasons = dict(Recipient.Skip.choices)
    rows = queryset.order_by("pk").values_list(*_COLUMNS)

    def produce() -> Iterator[list]:
        yield header
        with translation.override(language):
            status_text = {k: str(v) for k, v in statuses.items()}
            reason_text = {k: str(v) for k, v in reasons.items()}
            for row in rows.iterator(chunk_size=CHUNK_SIZE):
                values = dict(zip(_COLUMNS, row, strict=True))
                yield [
                    values["point"],
                    status_text.get(values["status"], values["status"]),
                    reason_text.get(values["skip_reason"], values["skip_reason"]),
                    values["error_code"],
                    values["segments"],
                    *(_local(values[c], tz) for c in _COLUMNS if c in _TIMES),
                    values["contact_id"] if values["contact_id"] is not None else _("Deleted contact"),
                ]

    return produce()


def recipients_export_response(fmt: str, rows, *, message: Message, rtl: bool):
    return export_response(fmt, rows, basename=f"message-{message.pk}-recipients", sheet_title=_("Recipients"), rtl=rtl)
