"""The unsubscribe screen (UNS-2): search, filters, history, one point added by hand, explicit re-subscribe,
import and removes.csv."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketing.core.errors import ApplicationError
from marketing.core.normalize import InvalidContactPoint, phone_display
from marketing.core.paging import paginate
from marketing.core.templatetags.texts import ltr
from marketing.core.tenancy import tenant_get
from marketing.core.texts import rendered_html

from .. import selectors, services
from ..exports import suppressions_export_rows
from ..forms import (
    ResubscribeForm,
    SuppressionAddForm,
    SuppressionFilterForm,
    SuppressionHistoryForm,
    SuppressionImportForm,
)
from ..importers import ImportFileError, read_table
from ..models import Channel, Suppression
from ..sources import Source, source_label
from .common import can_edit, download, edit_required, view_required


def _labelled(rows):
    """Give each suppression or history entry a `source_label` people can read (the Source catalogue's)."""
    for row in rows:
        row.source_label = source_label(row.source)
    return rows


def _page(request, filters: dict):
    page = paginate(request, selectors.suppression_list(account=request.account, **filters))
    page.object_list = _labelled(list(page.object_list))
    return page


def _history_url(point: str) -> str:
    return f"{reverse('contacts:unsubscribe_history')}?{urlencode({'point': point})}"


def _search_point(request, search: str) -> str:
    """The normalized form of a searched phone or email, when it is one (for the history link)."""
    if not search.strip():
        return ""
    try:
        return services.point_normalize(account=request.account, value=search)[1]
    except InvalidContactPoint:
        return ""


def _exports(request, filters: dict) -> list[tuple[str, str]]:
    """(label, url) of each export the screen offers, each named by what it holds: the channel filter or
    every channel, and only the search's results while a search or a date range is set."""
    searching = bool(filters["search"] or filters["date_from"] or filters["date_to"])
    labels = {  # (channel, searching) -> label with the file format
        ("", False): _("Export all unsubscribes (%(format)s)"),
        (Channel.SMS, False): _("Export SMS unsubscribes (%(format)s)"),
        (Channel.EMAIL, False): _("Export email unsubscribes (%(format)s)"),
        ("", True): _("Export the unsubscribes found (%(format)s)"),
        (Channel.SMS, True): _("Export the SMS unsubscribes found (%(format)s)"),
        (Channel.EMAIL, True): _("Export the email unsubscribes found (%(format)s)"),
    }
    channels = [filters["channel"]] if filters["channel"] else ["", Channel.SMS, Channel.EMAIL]
    query = request.GET.copy()
    query.pop("page", None)
    exports = []
    for channel in channels:
        query["channel"] = channel
        if not channel:
            query.pop("channel")
        for fmt, name in (("csv", "CSV"), ("xlsx", _("Excel"))):
            url = reverse("contacts:unsubscribes_export", args=[fmt])
            url += f"?{query.urlencode()}" if query else ""
            exports.append((labels[(channel, searching)] % {"format": name}, url))
    return exports


def _list(request, *, status: int = 200, **forms):
    """The list screen with its filters applied; `forms` are the add or import form sent back with errors."""
    filter_form = SuppressionFilterForm(request.GET or None)
    filters = filter_form.selector_kwargs()
    editable = can_edit(request)
    context = {
        "form": filter_form,
        "page": _page(request, filters),
        "searching": bool(filters["search"] or filters["date_from"] or filters["date_to"]),
        "exports": _exports(request, filters),
        "add_form": forms.get("add_form") or SuppressionAddForm(),
        "import_form": forms.get("import_form") or SuppressionImportForm(),
        "show_import": "import_form" in forms,
        "history_point": _search_point(request, filters["search"]),
        "can_edit": editable,
        "section": "unsubscribes",
    }
    return render(request, "contacts/unsubscribe_list.html", context, status=status)


@view_required
@require_safe
def unsubscribe_list(request):
    return _list(request)


@view_required
@require_safe
def unsubscribe_export(request, fmt: str):
    """removes.csv / removes.xlsx: exactly what the screen shows with the same query string."""
    filters = SuppressionFilterForm(request.GET or None).selector_kwargs()
    rows = suppressions_export_rows(request.account, selectors.suppression_list(account=request.account, **filters))
    return download(fmt, rows, basename="removes", sheet_title=_("Unsubscribes"))


def _sentence(template: str, point: str) -> SafeString:
    """A translated sentence with a phone or email in it, isolated so it reads left to right."""
    return mark_safe(escape(template) % {"point": ltr(point)})


def _added_message(result: services.PointUnsubscribe) -> SafeString:
    """What unsubscribing one point did, point by point, in words."""
    said = {
        (Channel.SMS, True): _("%(point)s will no longer receive SMS."),
        (Channel.EMAIL, True): _("%(point)s will no longer receive email."),
        (Channel.SMS, False): _("%(point)s was already unsubscribed from SMS."),
        (Channel.EMAIL, False): _("%(point)s was already unsubscribed from email."),
    }
    sentences = [
        _sentence(said[(channel, added)], phone_display(point) if channel == Channel.SMS else point)
        for channel, point, added in result.done
    ]
    if result.missing:
        if result.channel == Channel.SMS:
            sentences.append(escape(_("No contact with this phone number has an email address to unsubscribe.")))
        else:
            sentences.append(escape(_("No contact with this email address has a phone number to unsubscribe.")))
    return mark_safe(" ".join(sentences))


@edit_required
@require_POST
def unsubscribe_add(request):
    """Unsubscribe one phone or email typed on the list screen, a contact's or not."""
    form = SuppressionAddForm(request.POST)
    if form.is_valid():
        try:
            result = services.suppression_add_point(
                account=request.account,
                actor=request.user,
                value=form.cleaned_data["point"],
                channels=form.channels(),
                reason=form.cleaned_data["reason"].strip(),
            )
        except InvalidContactPoint as exc:  # the value inside the sentence keeps its own direction
            form.add_error("point", rendered_html(exc.text))
        except ApplicationError as exc:
            form.add_error(exc.details.get("field") if isinstance(exc.details, dict) else None, exc.message)
        else:
            level = messages.SUCCESS if any(added for _c, _p, added in result.done) else messages.INFO
            messages.add_message(request, level, _added_message(result))
            return redirect("contacts:unsubscribes")
    return _list(request, status=400, add_form=form)


def _file_points(upload) -> list[str]:
    """Every value of the first column (the header row, when the file has one, is not a value)."""
    table = read_table(upload, filename=upload.name)
    return [row[0] for row in table.rows if row and row[0].strip()]


@edit_required
@require_POST
def unsubscribe_import(request):
    form = SuppressionImportForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        points = [line for line in data["points"].splitlines() if line.strip()]
        try:
            if data["file"]:
                points += _file_points(data["file"])
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            result = services.suppressions_add(
                account=request.account,
                points=points,
                reason=data["reason"].strip(),
                source=Source.IMPORT if data["file"] else Source.SCREEN,
                actor=request.user,
            )
            return render(request, "contacts/unsubscribe_result.html", {"result": result, "section": "unsubscribes"})
    return _list(request, status=400, import_form=form)


@view_required
@require_safe
def unsubscribe_history(request):
    """Every unsubscribe and re-subscribe of one contact point, newest first."""
    form = SuppressionHistoryForm(request.GET or None)
    point = form.point_value()
    events = _labelled(list(selectors.suppression_history(account=request.account, point=point))) if point else []
    current = selectors.suppression_list(account=request.account).filter(point=point) if point else []
    context = {
        "point": point,
        "point_errors": form.errors.get("point", []) if form.is_bound else [],
        "events": events,
        "current": current,
        "resubscribe_form": ResubscribeForm(),
        "can_edit": can_edit(request),
        "section": "unsubscribes",
    }
    return render(request, "contacts/unsubscribe_history.html", context)


@edit_required
@require_POST
def unsubscribe_resubscribe(request, pk: int):
    """UNS-4: the only way back, by a person, with a reason, recorded."""
    suppression = tenant_get(Suppression, account=request.account, pk=pk, message=_("Unsubscribe not found."))
    form = ResubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this contact point may receive messages again."))
    else:
        try:
            services.suppression_resubscribe(
                account=request.account,
                actor=request.user,
                channel=suppression.channel,
                point=suppression.point,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            said = _("%(point)s may receive %(channel)s messages again.")
            channel = escape(suppression.get_channel_display())
            message = escape(said) % {"point": ltr(suppression.point), "channel": channel}
            messages.success(request, mark_safe(message))
    return redirect(_history_url(suppression.point))
