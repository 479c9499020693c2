"""Custom fields (CON-3): list, create, edit the label and choices, delete (which clears the values)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from marketing.core.errors import ApplicationError
from marketing.core.forms import form_errors_add

from .. import fields as services
from .. import selectors
from ..forms import CustomFieldEditForm, CustomFieldForm
from .common import can_edit, edit_required, view_required


@view_required
@require_safe
def field_list(request):
    context = {
        "fields": selectors.custom_field_list(account=request.account),
        "can_edit": can_edit(request),
        "section": "fields",
    }
    return render(request, "contacts/field_list.html", context)


@edit_required
@require_http_methods(["GET", "POST"])
def field_add(request):
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            field = services.custom_field_create(
                account=request.account,
                actor=request.user,
                label=data["label"],
                api_name=data["api_name"] or services.api_name_suggest(data["label"]),
                kind=data["kind"],
                choices=data["choices"],
            )
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Field %(label)s created.") % {"label": field.label})
            return redirect("contacts:fields")
    return render(request, "contacts/field_form.html", {"form": form, "field": None, "section": "fields"})


@edit_required
@require_http_methods(["GET", "POST"])
def field_edit(request, pk: int):
    field = selectors.custom_field_get(account=request.account, pk=pk)
    form = CustomFieldEditForm(request.POST or None, field=field)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing changed in field %(label)s.") % {"label": field.label})
            return redirect("contacts:fields")
        try:
            services.custom_field_update(
                account=request.account,
                actor=request.user,
                field=field,
                label=form.cleaned_data["label"],
                choices=form.cleaned_data.get("choices"),
            )
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Field %(label)s saved.") % {"label": field.label})
            return redirect("contacts:fields")
    used_by = services.custom_field_usage(account=request.account, field=field)
    context = {"form": form, "field": field, "used_by": used_by, "section": "fields"}
    return render(request, "contacts/field_form.html", context)


@edit_required
@require_POST
def field_delete(request, pk: int):
    field = selectors.custom_field_get(account=request.account, pk=pk)
    label = field.label
    cleared = services.custom_field_delete(account=request.account, actor=request.user, field=field)
    text = ngettext(
        "Field %(label)s deleted; its value was removed from %(count)d contact.",
        "Field %(label)s deleted; its values were removed from %(count)d contacts.",
        cleared,
    )
    messages.success(request, text % {"label": label, "count": cleared})
    return redirect("contacts:fields")
