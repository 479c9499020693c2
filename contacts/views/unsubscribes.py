"""The unsubscribe screen (UNS-2): search, filters, history, explicit re-subscribe, import and removes.csv."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketing.core.errors import ApplicationError
from marketing.core.normalize import InvalidContactPoint
from marketing.core.paging import paginate
from marketing.core.tenancy import tenant_get

from .. import selectors, services
from ..exports import suppressions_export_rows
from ..forms import ResubscribeForm, SuppressionFilterForm, SuppressionHistoryForm, SuppressionImportForm
from ..importers import ImportFileError, read_table
from ..models import Suppression
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


@view_required
@require_safe
def unsubscribe_list(request):
    form = SuppressionFilterForm(request.GET or None)
    filters = form.selector_kwargs()
    context = {
        "form": form,
        "page": _page(request, filters),
        "import_form": SuppressionImportForm(),
        "history_point": _search_point(request, filters["search"]),
        "can_edit": can_edit(request),
        "section": "unsubscribes",
    }
    return render(request, "contacts/unsubscribe_list.html", context)


@view_required
@require_safe
def unsubscribe_export(request, fmt: str):
    """removes.csv / removes.xlsx: exactly what the screen shows with the same query string."""
    filters = SuppressionFilterForm(request.GET or None).selector_kwargs()
    rows = suppressions_export_rows(request.account, selectors.suppression_list(account=request.account, **filters))
    return download(fmt, rows, basename="removes", sheet_title=_("Unsubscribes"))


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
    context = {
        "form": SuppressionFilterForm(),
        "page": _page(request, {}),
        "import_form": form,
        "show_import": True,
        "can_edit": True,
        "section": "unsubscribes",
    }
    return render(request, "contacts/unsubscribe_list.html", context, status=400)


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
            messages.success(
                request,
                _("%(point)s may receive %(channel)s messages again.")
                % {"point": suppression.point, "channel": suppression.get_channel_display()},
            )
    return redirect(_history_url(suppression.point))
