"""One contact's form (CON-5): add, edit, and the live check of a phone or email another contact has.

A phone, email or reference that another contact of the account already has is said before anything is saved:
live under the field while typing (htmx), and again when the form is sent. The person opens that contact, or
saves anyway: adding then makes a second contact with the same phone or email and leaves the other one as it
is; editing keeps both contacts, each with its own details. Nothing is merged or renamed silently
(docs/DECISIONS.md). A reference is the account's unique key: it cannot be saved twice.
"""

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from marketing.core.texts import rendered

from .. import selectors, services
from ..checks import Holders, confirmed, contact_point_holders, contact_values_refused
from ..forms import CUSTOM_PREFIX, ContactForm
from ..models import Channel, Contact, Group
from ..notices import contact_delete_notices
from ..sources import Source, source_label
from .common import can_edit, edit_required, ensure_can_edit, view_required

LIVE_CHECKED = ("phone", "email")


def _contact_form(request, *, contact: Contact | None = None, live: bool = True) -> ContactForm:
    current = {g.pk for g in selectors.contact_groups(account=request.account, contact=contact)} if contact else ()
    form = ContactForm(
        request.POST or None,
        custom_fields=list(selectors.custom_field_list(account=request.account)),
        groups=list(Group.objects.filter(account=request.account).order_by("name")),
        contact=contact,
        current_group_ids=current,
    )
    if live:  # a phone or email another contact has is said while typing
        for name in LIVE_CHECKED:
            vals = json.dumps({"field": name, **({"contact": contact.pk} if contact else {})})
            form.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("contacts:point_check"),
                    "hx-trigger": "input changed delay:500ms, change",
                    "hx-target": f"#{name}-holders",
                    "hx-vals": vals,
                    "hx-sync": "this:replace",
                }
            )
    return form


def _field_name(key: str) -> str:
    """The form field of a row key ("custom:shoe" is the field "cf_shoe")."""
    return CUSTOM_PREFIX + key[7:] if key.startswith("custom:") else key


def _checked(request, form: ContactForm, *, contact: Contact | None) -> tuple[dict, list[Holders]]:
    """The form's row, with every refused value put on its field (all at once, beside the form's own errors)
    and a reference another contact has as its field's error; and the phones and emails other contacts have."""
    form.is_valid()
    row = form.upsert_row(contact_id=contact.pk if contact else None)
    for key, reason in contact_values_refused(account=request.account, row=row).items():
        name = _field_name(key)
        form.add_error(name if name in form.fields else None, reason)
    holders = []
    for holder in contact_point_holders(account=request.account, values=row, contact=contact):
        if holder.field == "external_ref":
            message = _("The reference “%(ref)s” belongs to %(name)s: a reference names one contact.")
            form.add_error("external_ref", message % {"ref": holder.point, "name": str(holder.first)})
        else:
            holders.append(holder)
    return row, holders


def _save(request, form: ContactForm, row: dict, *, contact: Contact | None):
    """The row through contacts_upsert. Adding never matches an existing contact by its phone or email (the
    person saw who has them and chose to add); an edit writes to its own contact, by id."""
    if contact is None:
        policy = services.Policy(update_existing=False, match_by_points=False)
    else:
        policy = services.Policy()
    result = services.contacts_upsert(
        account=request.account, rows=[row], policy=policy, source=Source.SCREEN, keep_outcomes=True
    )
    outcome = result.outcomes[0]
    if outcome.status == services.Status.REJECTED:
        form.add_error(None, rendered(outcome.reason))
    return outcome


def _context(request, form, *, contact=None, holders=(), **extra) -> dict:
    by_field = {h.field: h for h in holders}
    return {
        "form": form,
        "contact": contact,
        "holders": list(holders),
        "holders_by_field": by_field,
        "confirmations": " ".join(h.confirmation for h in holders),
        "section": "contacts",
        **extra,
    }


@edit_required
@require_http_methods(["GET", "POST"])
def contact_add(request):
    form = _contact_form(request)
    holders: list[Holders] = []
    if request.method == "POST":
        row, holders = _checked(request, form, contact=None)
        if not form.errors and confirmed(holders, request.POST.getlist("confirm")):
            outcome = _save(request, form, row, contact=None)
            if outcome.status == services.Status.NEW:
                messages.success(request, _("Contact added."))
                return redirect("contacts:edit", pk=outcome.contact_id)
            if outcome.status != services.Status.REJECTED:  # its reference was saved meanwhile on another contact
                messages.warning(request, _("Not added: a contact with this reference exists. Here it is."))
                return redirect("contacts:edit", pk=outcome.contact_id)
    return render(request, "contacts/contact_form.html", _context(request, form, holders=holders))


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
    editable = can_edit(request)
    form = _contact_form(request, contact=contact, live=editable)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    holders: list[Holders] = []
    if request.method == "POST":
        row, holders = _checked(request, form, contact=contact)
        if not form.errors and confirmed(holders, request.POST.getlist("confirm")):
            outcome = _save(request, form, row, contact=contact)
            if outcome.status == services.Status.UPDATED:
                messages.success(request, _("Contact updated."))
                return redirect("contacts:edit", pk=contact.pk)
            if outcome.status == services.Status.UNCHANGED:
                messages.info(request, _("Nothing changed."))
                return redirect("contacts:edit", pk=contact.pk)
    context = _context(
        request,
        form,
        contact=contact,
        holders=holders,
        can_edit=editable,
        suppressions=_suppression_status(request, contact),
        source_label=source_label(contact.source),
        delete_notices=contact_delete_notices(account=request.account, contact_ids=[contact.pk]),
    )
    return render(request, "contacts/contact_form.html", context)


@edit_required
@require_safe
def contact_point_check(request):
    """The live check under the phone or email field: who else has the typed value (an htmx fragment)."""
    field = request.GET.get("field")
    if field not in LIVE_CHECKED:
        return render(request, "contacts/_point_holders.html", {"holder": None})
    contact = None
    contact_id = request.GET.get("contact", "")
    if contact_id:
        if not (contact_id.isascii() and contact_id.isdigit() and len(contact_id) < 19):
            return render(request, "contacts/_point_holders.html", {"holder": None}, status=400)
        contact = selectors.contact_get(account=request.account, pk=int(contact_id))
    value = request.GET.get(field, "")[:254]
    holders = contact_point_holders(account=request.account, values={field: value}, contact=contact)
    context = {"holder": holders[0] if holders else None, "contact": contact}
    return render(request, "contacts/_point_holders.html", context)
