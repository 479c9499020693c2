"""The contacts list with search, filters and export (CON-7, IMP-6), and deleting a contact (CON-6).

One contact's form (CON-5) lives in contact_form.py.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketing.core.paging import paginate

from .. import selectors, services
from ..exports import contacts_export_rows, group_names_by_contact
from ..forms import ContactFilterForm
from .common import can_edit, download, edit_required, view_required


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
    context["bulk_query"] = _without_page(request)  # "select all matching" stands for this search
    return render(request, "contacts/contact_list.html", context)


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@view_required
@require_safe
def contact_export(request, fmt: str):
    """Exactly the contacts the list shows with the same query string, every page of them."""
    contacts = selectors.contact_list(account=request.account, **_filter_form(request).selector_kwargs())
    rows = contacts_export_rows(request.account, contacts)
    return download(fmt, rows, basename="contacts", sheet_title=_("Contacts"))


@edit_required
@require_POST
def contact_delete(request, pk: int):
    contact = selectors.contact_get(account=request.account, pk=pk)
    name = str(contact)
    services.contact_delete(account=request.account, actor=request.user, contact=contact)
    messages.success(request, _("Contact %(name)s deleted. Its send history is kept.") % {"name": name})
    return redirect("contacts:list")
