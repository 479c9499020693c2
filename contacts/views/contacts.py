"""The contacts list with search, filters and export (CON-7, IMP-6), and one contact's form (CON-5)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from marketing.core.paging import paginate

from .. import selectors, services
from ..exports import contacts_export_rows, group_names_by_contact
from ..forms import ContactFilterForm, ContactForm
from ..models import Channel, Group
from ..notices import contact_delete_notices
from ..sources import Source, source_label
from .common import can_edit, download, edit_required, ensure_can_edit, view_required


def _filter_form(request) -> ContactFilterForm:
    return ContactFilterForm(
        request.GET or None,
        account=request.account,
        custom_fields=list(selectors.custom_field_list(account=request.account)),
    )


@view_required
@require_safe
def contact_list(request):
    form = _filter_form(request)
    contacts = selectors.contact_list(account=request.account, **form.selector_kwargs())
    page = paginate(request, contacts)
    groups = group_names_by_contact(account=request.account, contact_ids=[c.pk for c in page])
    rows = [(contact, groups.get(contact.pk, [])) for contact in page]
    context = {"form": form, "page": page, "rows": rows, "can_edit": can_edit(request), "section": "contacts"}
    return render(request, "contacts/contact_list.html", context)


@view_required
@require_safe
def contact_export(request, fmt: str):
    """Exactly the contacts the list shows with the same query string, every page of them."""
    contacts = selectors.contact_list(account=request.account, **_filter_form(request).selector_kwargs())
    rows = contacts_export_rows(request.account, contacts)
    return download(fmt, rows, basename="contacts", sheet_title=_("Contacts"))


def _contact_form(request, *, contact=None) -> ContactForm:
    current = {g.pk for g in selectors.contact_groups(account=request.account, contact=contact)} if contact else ()
    return ContactForm(
        request.POST or None,
        custom_fields=list(selectors.custom_field_list(account=request.account)),
        groups=list(Group.objects.filter(account=request.account).order_by("name")),
        contact=contact,
        current_group_ids=current,
    )


def _save(request, form: ContactForm, *, contact_id: int | None):
    """Run the form's row through contacts_upsert; a rejected row puts its reason on the form."""
    policy = services.Policy(avoid_losing_data=contact_id is None)  # adding onto a match never empties it
    result = services.contacts_upsert(
        account=request.account,
        rows=[form.upsert_row(contact_id=contact_id)],
        policy=policy,
        source=Source.SCREEN,
        keep_outcomes=True,
    )
    outcome = result.outcomes[0]
    if outcome.status == services.Status.REJECTED:
        form.add_error(None, outcome.reason)
    return outcome


@edit_required
@require_http_methods(["GET", "POST"])
def contact_add(request):
    form = _contact_form(request)
    if request.method == "POST" and form.is_valid():
        outcome = _save(request, form, contact_id=None)
        if outcome.status == services.Status.NEW:
            messages.success(request, _("Contact added."))
            return redirect("contacts:edit", pk=outcome.contact_id)
        if outcome.status != services.Status.REJECTED:
            messages.info(
                request, _("A contact with this phone, email or reference already existed; it now has these details.")
            )
            return redirect("contacts:edit", pk=outcome.contact_id)
    return render(request, "contacts/contact_form.html", {"form": form, "contact": None, "section": "contacts"})


def _suppression_status(request, contact) -> list[dict]:
    status = []
    for channel, point in ((Channel.SMS, contact.phone), (Channel.EMAIL, contact.email)):
        suppressed = bool(point) and bool(
            selectors.suppressed_points(account=request.account, channel=channel, points=[point])
        )
        status.append({"channel": channel, "label": Channel(channel).label, "point": point, "suppressed": suppressed})
    return status


@view_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    """Anyone who may see contacts sees this page; saving it needs CONTACTS_EDIT."""
    contact = selectors.contact_get(account=request.account, pk=pk)
    if request.method == "POST":
        ensure_can_edit(request)
    form = _contact_form(request, contact=contact)
    editable = can_edit(request)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        outcome = _save(request, form, contact_id=contact.pk)
        if outcome.status != services.Status.REJECTED:
            if outcome.status == services.Status.UPDATED:
                messages.success(request, _("Changes saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("contacts:edit", pk=contact.pk)
    context = {
        "form": form,
        "contact": contact,
        "can_edit": editable,
        "suppressions": _suppression_status(request, contact),
        "source_label": source_label(contact.source),
        "delete_notices": contact_delete_notices(account=request.account, contact_ids=[contact.pk]),
        "section": "contacts",
    }
    return render(request, "contacts/contact_form.html", context)


@edit_required
@require_POST
def contact_delete(request, pk: int):
    contact = selectors.contact_get(account=request.account, pk=pk)
    name = str(contact)
    services.contact_delete(account=request.account, actor=request.user, contact=contact)
    messages.success(request, _("Contact %(name)s deleted. Its send history is kept.") % {"name": name})
    return redirect("contacts:list")
