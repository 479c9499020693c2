"""A contact's send history (SPEC CON-6, MSG-6): every message sent to the contact, live or archived, newest
first, as a partial the contact's screen loads through htmx (contacts know nothing of messaging: the contact
template only names this URL)."""

from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from contacts.models import Channel
from contacts.selectors import contact_get
from marketing.accounts.roles import Perm, has_perm
from marketing.accounts.views import account_required
from marketing.core.paging import paginate

from ..models import Recipient
from ..selectors import contact_history as contact_history_rows

PER_PAGE = 20
REPORT_PERMS = (Perm.MESSAGES_COMPOSE, Perm.MESSAGES_SEND, Perm.REPORTS_VIEW)
STATUS_STYLES = {
    "queued": "text-bg-light border",
    "sending": "text-bg-light border",
    "sent": "text-bg-primary",
    "delivered": "text-bg-success",
    "unknown": "text-bg-warning",
    "failed": "text-bg-danger",
    "bounced": "text-bg-danger",
    "skipped": "text-bg-secondary",
}


def _report_url(message_id: int) -> str:
    try:
        return reverse("messaging:message_report", args=[message_id])
    except NoReverseMatch:
        return ""


def _row(row: dict, *, can_open_report: bool) -> dict:
    status = row["status"]
    return {
        **row,
        "channel_label": Channel(row["channel"]).label if row["channel"] in Channel.values else row["channel"],
        "status_label": Recipient.Status(status).label if status in Recipient.Status.values else status,
        "status_style": STATUS_STYLES.get(status, "text-bg-light border"),
        "skip_label": Recipient.Skip(row["skip_reason"]).label if row["skip_reason"] in Recipient.Skip.values else "",
        "when": row["sent_at"] or row["created_at"],
        "report_url": _report_url(row["message_id"]) if can_open_report else "",
    }


@account_required(Perm.CONTACTS_VIEW)
@require_safe
def contact_history(request, contact_id: int):
    contact = contact_get(account=request.account, pk=contact_id)  # another account's contact: 404
    if not request.htmx:  # the partial belongs on the contact's screen
        return redirect(reverse("contacts:edit", args=[contact.pk]) + "#send-history")
    page = paginate(request, contact_history_rows(account=request.account, contact=contact), per_page=PER_PAGE)
    can_open_report = any(has_perm(request.membership, p) for p in REPORT_PERMS)
    rows = [_row(row, can_open_report=can_open_report) for row in page]
    return render(request, "messaging/contact_history.html", {"contact": contact, "page": page, "rows": rows})
