"""A message's report and its recipients (SPEC MSG-1, MSG-6, MSG-8): what was sent, to whom, what became of it.

The report shows the message, its counts and a chart of sent / delivered / failed over time; while the message
is sending, the counts and the chart ask for themselves again through htmx and stop once it is done. The
recipients list filters by status, skip reason and phone or email, and exports exactly what it shows. Every read
goes through the selectors, so archived history shows like any other.
"""

import zoneinfo
from datetime import datetime, timedelta
from functools import wraps

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from contacts.models import Channel
from contacts.selectors import group_list
from contacts.services import point_normalize
from marketing.accounts.forms import BootstrapMixin
from marketing.accounts.roles import Perm, has_perm
from marketing.accounts.views import account_required
from marketing.core.normalize import InvalidContactPoint
from marketing.core.paging import paginate

from ..email import html_clean
from ..exports import recipients_export_response, recipients_export_rows
from ..models import Message, Recipient
from ..pipeline import sms_opt_out_line
from ..selectors import message_counts, message_get, message_timeline, recipient_search

VIEW_PERMS = (Perm.MESSAGES_COMPOSE, Perm.MESSAGES_SEND, Perm.REPORTS_VIEW)  # as the messages list


def view_required(view):
    """A member whose role may see the messages list may open a message's report and its recipients."""

    @account_required()
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not any(has_perm(request.membership, p) for p in VIEW_PERMS):
            raise PermissionDenied(_("Your role does not allow this."))
        return view(request, *args, **kwargs)

    return wrapper


LIVE = (Message.Status.SCHEDULED, Message.Status.SENDING)
POLL_SECONDS = 3
MAX_BUCKETS = 400  # a chart's gaps are filled up to this many points; beyond, only the busy ones show
ACTIONS = (  # (action, URL name, statuses it applies to)
    ("pause", "messaging:message_pause", (Message.Status.SENDING,)),
    ("resume", "messaging:message_resume", (Message.Status.PAUSED,)),
    ("cancel", "messaging:message_cancel", (Message.Status.SCHEDULED, Message.Status.SENDING, Message.Status.PAUSED)),
)


# --- the report ---------------------------------------------------------------------------------------------


def _chart_unit(message: Message) -> str:
    start = message.started_at or message.created_at
    span = (message.finished_at or timezone.now()) - start
    if span <= timedelta(hours=3):
        return "minute"
    if span <= timedelta(days=7):
        return "hour"
    return "day"


def _filled(rows: list[tuple], unit: str) -> list[tuple]:
    """The buckets between the first and the last with nothing in them added as zeros (when not too many)."""
    if not rows:
        return rows
    step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}[unit]
    first, last = rows[0][0], rows[-1][0]
    if (last - first) / step >= MAX_BUCKETS:
        return rows
    known = {row[0]: row for row in rows}
    filled, at = [], first
    while at <= last:
        filled.append(known.get(at, (at, 0, 0, 0)))
        at += step
    return filled


def _label(at: datetime, unit: str, one_day: bool) -> str:
    if unit == "day":
        return at.strftime("%d/%m")
    return at.strftime("%H:%M") if one_day else at.strftime("%d/%m %H:%M")


def message_chart(*, account, message: Message) -> dict:
    """The chart's data: sent, delivered and failed per minute, hour or day on the account's clock."""
    unit = _chart_unit(message)
    rows = _filled(message_timeline(account=account, message=message, unit=unit, time_zone=account.time_zone), unit)
    one_day = len({row[0].date() for row in rows}) <= 1
    units = {"minute": _("Per minute"), "hour": _("Per hour"), "day": _("Per day")}
    return {
        "unit": unit,
        "title": units[unit],
        "labels": [_label(row[0], unit, one_day) for row in rows],
        "series": {
            "sent": {"label": _("Sent"), "data": [row[1] for row in rows]},
            "delivered": {"label": _("Delivered"), "data": [row[2] for row in rows]},
            "failed": {"label": _("Failed"), "data": [row[3] for row in rows]},
        },
        "axis": _("Recipients"),
    }


def _actions(request, message: Message) -> list[tuple[str, str]]:
    """(action, URL) of the pause / resume / cancel buttons that apply now and that the role may use."""
    if not has_perm(request.membership, Perm.MESSAGES_SEND):
        return []
    found = []
    for action, name, statuses in ACTIONS:
        if message.status not in statuses:
            continue
        try:
            found.append((action, reverse(name, args=[message.pk])))
        except NoReverseMatch:
            continue
    return found


STOP_REASONS = {
    "out_of_credits": gettext_lazy("The account ran out of SMS credits: the rest were not sent."),
    "provider": gettext_lazy("The SMS provider refused the account: sending is paused."),
}


def _tiles(counts: dict, is_email: bool) -> list[tuple[str, str, int]]:
    """(key, label, count) of the figures the report shows, in reading order."""
    get = counts.get
    tiles = [
        ("recipients", _("Recipients"), get("recipients", 0)),
        ("queued", _("Waiting to be sent"), get("queued", 0) + get("sending", 0)),
        # handed to the provider, whatever it reported since
        ("sent", _("Sent"), sum(get(s, 0) for s in ("sent", "delivered", "failed", "bounced", "unknown"))),
        ("delivered", _("Delivered"), get("delivered", 0)),
        ("failed", _("Failed"), get("failed", 0)),
        ("bounced", _("Bounced"), get("bounced", 0)),
        ("unknown", _("Unknown"), get("unknown", 0)),
        ("skipped", _("Skipped"), get("skipped", 0)),
    ]
    if is_email:
        tiles += [("opened", _("Opened"), get("opened", 0)), ("clicked", _("Clicked"), get("clicked", 0))]
    tiles.append(("unsubscribed", _("Unsubscribed through this message"), get("unsubscribed", 0)))
    if not is_email:
        tiles += [
            ("segments", _("Segments"), get("segments", 0)),
            ("credits", _("Credits used"), get("credits_used", 0)),
        ]
    return tiles


def _skipped(counts: dict) -> list[tuple[str, str, int]]:
    """(reason, label, count) for every skip reason, in the catalogue's order."""
    by_reason = counts.get("skipped_by_reason") or {}
    return [(value, label, by_reason.get(value, 0)) for value, label in Recipient.Skip.choices]


def _groups(account, ids) -> list[str]:
    names = dict(group_list(account=account).filter(pk__in=list(ids or ())).values_list("pk", "name"))
    return [names.get(pk, _("Deleted group")) for pk in ids or ()]


def _figures(request, message: Message) -> dict:
    counts = message_counts(message=message)
    is_email = message.channel == Channel.EMAIL
    return {
        "message": message,
        "counts": counts,
        "tiles": _tiles(counts, is_email),
        "stop_reason": STOP_REASONS.get(message.stop_reason, ""),
        "skipped": _skipped(counts),
        "chart": message_chart(account=request.account, message=message),
        "polling": message.status in LIVE,
        "poll_seconds": POLL_SECONDS,
        "actions": _actions(request, message),
        "is_email": is_email,
    }


@view_required
@require_safe
def message_report(request, pk: int):
    message = message_get(account=request.account, pk=pk)
    context = _figures(request, message)
    if request.htmx:
        return render(request, "messaging/_report_figures.html", context)
    tz = zoneinfo.ZoneInfo(request.account.time_zone)
    context.update(
        groups=_groups(request.account, message.group_ids),
        excluded_groups=_groups(request.account, message.exclude_group_ids),
        time_zone=tz,
        opt_out_line=sms_opt_out_line(request.account) if message.channel == Channel.SMS else "",
    )
    return render(request, "messaging/message_report.html", context)


PREVIEW_CSP = {  # the email's own inline styles and pictures; never a script, a form or a frame of another site
    "default-src": [NONE],
    "script-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": [SELF, "data:", "https:"],
    "frame-ancestors": [SELF],
    "form-action": [NONE],
}


@view_required
@require_safe
@xframe_options_sameorigin
@csp_replace(PREVIEW_CSP)
def message_preview(request, pk: int):
    """An email's body as its recipients see it (sanitized), for the report's sandboxed frame: no script runs
    and nothing of the platform is reachable from it."""
    message = message_get(account=request.account, pk=pk)
    if message.channel != Channel.EMAIL:
        raise Http404(_("Only an email has a preview."))
    response = HttpResponse(html_clean(message.body), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


# --- the recipients -----------------------------------------------------------------------------------------


class RecipientFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=gettext_lazy("Phone or email"), required=False, max_length=254)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *Recipient.Status.choices],
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Skipped because"),
        required=False,
        choices=[("", gettext_lazy("Any reason")), *Recipient.Skip.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update({"dir": "ltr", "autocomplete": "off"})

    def filters(self, account) -> dict:
        """The selector's arguments; a field that failed validation filters nothing."""
        data = self.cleaned_data if self.is_bound else {}
        search = (data.get("q") or "").strip()
        points = (search,)
        if search:
            try:
                points = (search, point_normalize(account=account, value=search)[1])
            except InvalidContactPoint:
                pass
        return {"status": data.get("status") or "", "reason": data.get("reason") or "", "points": points}


def _filter_form(request) -> RecipientFilterForm:
    form = RecipientFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form


def _recipients(request, message: Message, form: RecipientFilterForm):
    return recipient_search(account=request.account, message=message, **form.filters(request.account))


@view_required
@require_safe
def recipient_list(request, pk: int):
    message = message_get(account=request.account, pk=pk)
    form = _filter_form(request)
    page = paginate(request, _recipients(request, message, form))
    query = request.GET.copy()
    query.pop("page", None)
    exports = []
    for fmt, name in (("csv", "CSV"), ("xlsx", _("Excel"))):
        url = reverse("messaging:recipient_export", args=[message.pk, fmt])
        exports.append((name, f"{url}?{query.urlencode()}" if query else url))
    context = {
        "message": message,
        "form": form,
        "page": page,
        "filtered": bool(form.is_bound and any(request.GET.get(k) for k in ("q", "status", "reason"))),
        "exports": exports,
        "is_email": message.channel == Channel.EMAIL,
        "can_open_contacts": has_perm(request.membership, Perm.CONTACTS_VIEW),
    }
    return render(request, "messaging/recipient_list.html", context, status=400 if form.errors else 200)


@view_required
@require_safe
def recipient_export(request, pk: int, fmt: str):
    """The recipients the screen shows with the same query string, every page of them."""
    message = message_get(account=request.account, pk=pk)
    form = _filter_form(request)
    if form.errors:
        return render(
            request,
            "messaging/recipient_list.html",
            {"message": message, "form": form, "page": None, "exports": []},
            status=400,
        )
    rows = recipients_export_rows(request.account, message, _recipients(request, message, form))
    return recipients_export_response(fmt, rows, message=message, rtl=get_language_bidi())
