"""Groups (CON-4): list, create, rename, delete, merge; a group's members, removal and export (IMP-6)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from marketing.core.errors import ApplicationError
from marketing.core.paging import paginate

from .. import selectors, services
from ..exports import contacts_export_rows
from ..forms import GroupForm, GroupMergeForm, GroupSearchForm
from ..serializers import MAX_ID
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
    context = {
        "form": form,
        "merge_form": GroupMergeForm(account=request.account),
        "groups": selectors.group_list(account=request.account),
        "can_edit": can_edit(request),
        "section": "groups",
    }
    return render(request, "contacts/group_list.html", context)


@edit_required
@require_POST
def group_merge(request):
    form = GroupMergeForm(request.POST, account=request.account)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("contacts:groups")
    source, target = form.cleaned_data["source"], form.cleaned_data["target"]
    name = source.name
    try:
        services.group_merge(account=request.account, actor=request.user, source=source, target=target)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The members of %(source)s moved into %(target)s.") % {"source": name, "target": target.name}
        )
    return redirect("contacts:groups")


@view_required
@require_safe
def group_detail(request, pk: int):
    group = selectors.group_get(account=request.account, pk=pk)
    search_form = GroupSearchForm(request.GET or None)
    search = search_form.search()
    members = selectors.contact_list(account=request.account, group_id=group.pk, search=search)
    context = {
        "group": group,
        "page": paginate(request, members),
        "member_count": selectors.group_member_ids(account=request.account, group=group).count(),
        "search": search,
        "search_errors": search_form.errors.get("q", []) if search_form.is_bound else [],
        "rename_form": GroupForm(initial={"name": group.name}),
        "can_edit": can_edit(request),
        "section": "groups",
    }
    return render(request, "contacts/group_detail.html", context)


@edit_required
@require_POST
def group_rename(request, pk: int):
    group = selectors.group_get(account=request.account, pk=pk)
    form = GroupForm(request.POST)
    if not form.is_valid():
        for error in form.errors["name"]:
            messages.error(request, error)
        return redirect("contacts:group_detail", pk=group.pk)
    try:
        services.group_rename(account=request.account, actor=request.user, group=group, name=form.cleaned_data["name"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Group renamed to %(name)s.") % {"name": group.name})
    return redirect("contacts:group_detail", pk=group.pk)


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
