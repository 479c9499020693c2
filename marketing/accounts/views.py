from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketing.core.errors import ApplicationError, NotFound, PermissionDenied
from marketing.core.forms import form_errors_add

from . import selectors, services
from .forms import AccountSettingsForm, DepartmentForm, DepartmentRenameForm, MembershipEditForm, UserAddForm
from .middleware import SESSION_ACCOUNT_KEY
from .roles import Perm, has_perm


def account_required(perm: str | None = None):
    """A screen for a logged-in member of the current account holding `perm`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.membership is None:
                return render(request, "accounts/no_account.html", status=403)
            if perm and not has_perm(request.membership, perm):
                raise DjangoPermissionDenied(_("Your role does not allow this."))
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc

        return wrapper

    return decorator


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
@require_POST
def account_switch(request):
    try:
        account_id = int(request.POST.get("account", ""))
    except ValueError as exc:
        raise Http404 from exc
    if not any(m.account_id == account_id for m in selectors.memberships_for_user(user=request.user)):
        raise Http404(_("Account not found."))
    request.session[SESSION_ACCOUNT_KEY] = account_id
    target = request.POST.get("next") or reverse("accounts:dashboard")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("accounts:dashboard")
    return HttpResponseRedirect(target)


@account_required(Perm.ACCOUNT_SETTINGS)
def account_settings(request):
    account = request.account
    initial = {k: getattr(account, k) for k in ("name", "default_region", "time_zone", "language")}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing changed in the account settings."))
            return redirect("accounts:settings")
        try:
            services.account_settings_update(account=account, actor=request.membership, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Account settings saved."))
            return redirect("accounts:settings")
    return render(request, "accounts/account_settings.html", {"form": form})


@account_required(Perm.USERS_MANAGE)
def membership_list(request):
    memberships = selectors.memberships_visible(account=request.account, actor=request.membership)
    return render(request, "accounts/membership_list.html", {"memberships": memberships})


@account_required(Perm.USERS_MANAGE)
def membership_add(request):
    form = UserAddForm(request.POST or None, account=request.account, actor=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.user_add(account=request.account, actor=request.membership, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("User %(name)s added.") % {"name": membership.user.username})
            return redirect("accounts:users")
    return render(request, "accounts/membership_form.html", {"form": form, "adding": True})


@account_required(Perm.USERS_MANAGE)
def membership_edit(request, pk: int):
    membership = selectors.membership_get(account=request.account, actor=request.membership, pk=pk)
    initial = {
        "role": membership.role,
        "department": membership.department_id,
        "fixed_sender_name": membership.fixed_sender_name,
    }
    form = MembershipEditForm(request.POST or None, initial=initial, account=request.account, actor=request.membership)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing changed for %(name)s.") % {"name": membership.user.username})
            return redirect("accounts:users")
        try:
            services.membership_update(
                account=request.account, actor=request.membership, membership=membership, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": membership.user.username})
            return redirect("accounts:users")
    return render(request, "accounts/membership_form.html", {"form": form, "adding": False, "membership": membership})


@account_required(Perm.USERS_MANAGE)
@require_POST
def membership_toggle(request, pk: int):
    membership = selectors.membership_get(account=request.account, actor=request.membership, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.membership_set_active(
            account=request.account, actor=request.membership, membership=membership, active=active
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        text = _("%(name)s can sign in again.") if active else _("%(name)s is suspended.")
        messages.success(request, text % {"name": membership.user.username})
    return redirect("accounts:users")


@account_required(Perm.DEPARTMENTS_MANAGE)
def department_list(request):
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                account=request.account, actor=request.membership, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Department %(name)s created.") % {"name": department.name})
            return redirect("accounts:departments")
    return _department_page(request, form)


def _department_page(request, form: DepartmentForm, refused: DepartmentRenameForm | None = None):
    """The departments with a name form each (`refused`: the rename that was refused, with its errors)."""
    rows = [
        (d, refused if refused is not None and d.pk == refused.department.pk else DepartmentRenameForm(department=d))
        for d in selectors.department_list(account=request.account)
    ]
    return render(request, "accounts/department_list.html", {"form": form, "rows": rows})


@account_required(Perm.DEPARTMENTS_MANAGE)
@require_POST
def department_rename(request, pk: int):
    department = selectors.department_get(account=request.account, pk=pk)
    form = DepartmentRenameForm(request.POST, department=department)
    if form.is_valid():
        name = form.cleaned_data["name"]
        if name == department.name:
            messages.info(request, _("The department is already named %(name)s; nothing changed.") % {"name": name})
            return redirect("accounts:departments")
        try:
            services.department_rename(
                account=request.account, actor=request.membership, department=department, name=name
            )
        except ApplicationError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Department renamed to %(name)s.") % {"name": department.name})
            return redirect("accounts:departments")
    return _department_page(request, DepartmentForm(), refused=form)


@account_required(Perm.DEPARTMENTS_MANAGE)
@require_POST
def department_delete(request, pk: int):
    department = selectors.department_get(account=request.account, pk=pk)
    moved = services.department_delete(account=request.account, actor=request.membership, department=department)
    messages.success(request, _("Department deleted; %(count)d users now have no department.") % {"count": moved})
    return redirect("accounts:departments")
