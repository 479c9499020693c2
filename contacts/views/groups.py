"""Groups (CON-4): list, create, rename, delete, merge; a group's members: adding them (chosen from a search,
or by pasted phones and emails), removal and export (IMP-6)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from marketing.core.errors import ApplicationError
from marketing.core.forms import form_errors_add
from marketing.core.paging import paginate

from .. import bulk, selectors, services
from ..bulk_forms import GroupMembersAddForm, contact_ids
from ..exports import contacts_export_rows
from ..forms import GroupForm, GroupMergeForm, GroupSearchForm
from ..serializers import MAX_ID
from ..sources import Source
from .bulk import added_texts, refused_texts
from .common import can_edit, download, edit_required, ensure_can_edit, view_required


@view_required
@require_http_methods(["GET", "POST"])
def group_list(request):
    """The groups with their member counts; a POST creates one."""
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        ensure_can_edit(request)
        if form.is_valid():
            try:
                group = services.group_create(
                    account=request.account, actor=request.user, name=form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                form.add_error("name", exc.message)
            else:
                messages.success(request, _("Group %(name)s created.") % {"name": group.name})
                return redirect("contacts:groups")
    return _group_list_page(request, form=form, merge_form=GroupMergeForm(account=request.account))


def _group_list_page(request, *, form: GroupForm, merge_form: GroupMergeForm):
    context = {
        "form": form,
        "merge_form": merge_form,
        "groups": selectors.group_list(account=request.account),
        "can_edit": can_edit(request),
        "section": "groups",
    }
    return render(request, "contacts/group_list.html", context)


@edit_required
@require_POST
def group_merge(request):
    """A refused merge shows the groups page again, each error next to its field."""
    form = GroupMergeForm(request.POST, account=request.account)
    if form.is_valid():
        source, target = form.cleaned_data["source"], form.cleaned_data["target"]
        name = source.name
        try:
            services.group_merge(account=request.account, actor=request.user, source=source, target=target)
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(
                request, _("The members of %(source)s moved into %(target)s.") % {"source": name, "target": target.name}
            )
            return redirect("contacts:groups")
    return _group_list_page(request, form=GroupForm(), merge_form=form)


@view_required
@require_safe
def group_detail(request, pk: int):
    return _detail(request, selectors.group_get(account=request.account, pk=pk))


def _candidates(request, group, find: str) -> list:
    """Up to 20 contacts the "add members" search finds, each with whether it is a member already."""
    if not find:
        return []
    found = list(selectors.contact_list(account=request.account, search=find)[:20])
    members = set(
        selectors.group_member_ids(account=request.account, group=group).filter(contact_id__in=[c.pk for c in found])
    )
    return [(contact, contact.pk in members) for contact in found]


def _detail(
    request,
    group,
    *,
    add_form: GroupMembersAddForm | None = None,
    rename_form: GroupForm | None = None,
    status: int = 200,
):
    search_form = GroupSearchForm(request.GET or None)
    search = search_form.search()
    members = selectors.contact_list(account=request.account, group_id=group.pk, search=search)
    editable = can_edit(request)
    find = (request.GET.get("find") or "").strip()[:200] if editable else ""
    context = {
        "group": group,
        "page": paginate(request, members),
        "member_count": selectors.group_member_ids(account=request.account, group=group).count(),
        "search": search,
        "search_errors": search_form.errors.get("q", []) if search_form.is_bound else [],
        "rename_form": rename_form or GroupForm(initial={"name": group.name}),
        "add_form": add_form or GroupMembersAddForm(),
        "show_add": add_form is not None or bool(find),
        "find": find,
        "candidates": _candidates(request, group, find),
        "can_edit": editable,
        "section": "groups",
    }
    return render(request, "contacts/group_detail.html", context, status=status)


@edit_required
@require_POST
def group_members_add(request, pk: int):
    """Add members: contacts chosen from the search, and/or pasted phones and emails (unknown ones are listed,
    or created only when the person ticked that)."""
    group = selectors.group_get(account=request.account, pk=pk)
    chosen = contact_ids(request.POST.getlist("contact"))
    form = GroupMembersAddForm(request.POST, chosen=chosen)
    if not form.is_valid():
        return _detail(request, group, add_form=form, status=400)
    if chosen:  # another account's contact among them: 404, and nothing is added
        bulk.selection_contacts(account=request.account, selection=bulk.Selection(ids=tuple(chosen)))
    with transaction.atomic():
        result = {"added": 0, "already": 0, "created": 0, "unknown": [], "invalid": []}
        if chosen:
            done = services.group_members_add(
                account=request.account, actor=request.user, group=group, contact_ids=chosen, source=Source.SCREEN
            )
            result["added"], result["already"] = done["added"], done["already"]
        if form.cleaned_data["points"]:
            pasted = bulk.group_members_add_points(
                account=request.account,
                actor=request.user,
                group=group,
                values=form.cleaned_data["points"],
                create_missing=form.cleaned_data["create_missing"],
            )
            for key in ("added", "already", "created"):
                result[key] += pasted[key]
            result["unknown"], result["invalid"] = pasted["unknown"], pasted["invalid"]
    for text in added_texts(result, group_name=group.name):
        messages.success(request, text)
    for text in refused_texts(result):
        messages.warning(request, text)
    return redirect("contacts:group_detail", pk=group.pk)


@edit_required
@require_POST
def group_rename(request, pk: int):
    """A refused name shows the group's page again, the error next to the name."""
    group = selectors.group_get(account=request.account, pk=pk)
    form = GroupForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["name"].strip() == group.name:
            messages.info(request, _("The group is already named %(name)s; nothing changed.") % {"name": group.name})
            return redirect("contacts:group_detail", pk=group.pk)
        try:
            services.group_rename(
                account=request.account, actor=request.user, group=group, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Group renamed to %(name)s.") % {"name": group.name})
            return redirect("contacts:group_detail", pk=group.pk)
    return _detail(request, group, rename_form=form)


@edit_required
@require_POST
def group_delete(request, pk: int):
    group = selectors.group_get(account=request.account, pk=pk)
    name = group.name
    services.group_delete(account=request.account, actor=request.user, group=group)
    messages.success(request, _("Group %(name)s deleted; its contacts stay.") % {"name": name})
    return redirect("contacts:groups")


def _is_id(value: str) -> bool:
    """A contact id as the form sends it: ASCII digits within the database's range."""
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


@edit_required
@require_POST
def group_members_remove(request, pk: int):
    group = selectors.group_get(account=request.account, pk=pk)
    ids = [int(value) for value in request.POST.getlist("contact") if _is_id(value)]
    if not ids:
        messages.error(request, _("Choose the contacts to remove from the group."))
    else:
        removed = services.group_members_remove(
            account=request.account, actor=request.user, group=group, contact_ids=ids
        )
        text = ngettext(
            "%(count)d contact removed from the group.", "%(count)d contacts removed from the group.", removed
        )
        messages.success(request, text % {"count": removed})
    return redirect("contacts:group_detail", pk=group.pk)


@view_required
@require_safe
def group_export(request, pk: int, fmt: str):
    group = selectors.group_get(account=request.account, pk=pk)
    rows = contacts_export_rows(request.account, selectors.contact_list(account=request.account, group_id=group.pk))
    basename = slugify(group.name, allow_unicode=True) or f"group-{group.pk}"
    return download(fmt, rows, basename=basename, sheet_title=group.name)
