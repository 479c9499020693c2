from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketing.accounts.roles import Perm
from marketing.accounts.views import account_required
from marketing.core.errors import ApplicationError
from marketing.core.forms import form_errors_add
from marketing.core.normalize import InvalidContactPoint
from marketing.core.tenancy import tenant_get

from . import services, stepup
from .forms import StepUpCodeForm, StepUpSendForm, TokenCreateForm, TokenForm
from .models import ApiToken

PENDING_KEY = "tokens_step_up_pending"


def step_up_required(view):
    """The tokens screens need a one-time code younger than STEP_UP_MAX_AGE_SECONDS."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not stepup.stepup_is_fresh(request.session, account=request.account):
            return redirect(f"{reverse('tokens:verify')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def tokens_screen(view):
    return account_required(Perm.TOKENS_MANAGE)(step_up_required(never_cache(view)))


def _token(request, pk: int) -> ApiToken:
    return tenant_get(ApiToken, account=request.account, pk=pk, message=_("Token not found."))


@tokens_screen
def token_list(request):
    issued = services.token_ensure_default(account=request.account, actor=request.user)
    tokens = ApiToken.objects.filter(account=request.account)
    return render(request, "tokens/token_list.html", {"tokens": tokens, "issued": issued})


@tokens_screen
def token_create(request):
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.token_create(account=request.account, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            return render(request, "tokens/token_created.html", {"issued": issued})
    return render(request, "tokens/token_form.html", {"form": form, "creating": True})


@tokens_screen
def token_edit(request, pk: int):
    token = _token(request, pk)
    initial = {
        "name": token.label,
        "note": token.note,
        "allowed_ips": "\n".join(token.allowed_ips),
        "expires_at": token.expires_at,
    }
    form = TokenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing changed in token “%(name)s”.") % {"name": token.label})
            return redirect("tokens:list")
        try:
            services.token_update(account=request.account, actor=request.user, token=token, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Token “%(name)s” saved.") % {"name": token.label})
            return redirect("tokens:list")
    return render(request, "tokens/token_form.html", {"form": form, "creating": False, "token": token})


@tokens_screen
@require_POST
def token_toggle(request, pk: int):
    token = _token(request, pk)
    active = request.POST.get("active") == "1"
    services.token_set_active(account=request.account, actor=request.user, token=token, active=active)
    text = _("Token “%(name)s” resumed.") if active else _("Token “%(name)s” paused; calls with it are refused.")
    messages.success(request, text % {"name": token.label})
    return redirect("tokens:list")


@tokens_screen
@require_POST
def token_delete(request, pk: int):
    token = _token(request, pk)
    services.token_delete(account=request.account, actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” deleted.") % {"name": token.label})
    return redirect("tokens:list")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("tokens:list")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("tokens:list")
    return target


@account_required(Perm.TOKENS_MANAGE)
@never_cache
def verify(request):
    """Ask for a one-time code, then check it (TOK-4)."""
    account = request.account
    pending = request.session.get(PENDING_KEY)
    send_form = StepUpSendForm(request.POST if request.POST.get("action") == "send" else None)
    code_form = StepUpCodeForm(request.POST if request.POST.get("action") == "verify" else None)
    if request.method == "POST" and request.POST.get("action") == "send" and send_form.is_valid():
        channel = send_form.cleaned_data["channel"]
        try:
            if send_form.cleaned_data["address"]:
                stepup.stepup_set_address(
                    account=account, requester=request.user, channel=channel, address=send_form.cleaned_data["address"]
                )
            destination = stepup.stepup_send(account=account, requester=request.user, channel=channel)
        except InvalidContactPoint as exc:  # the typed phone or email
            send_form.add_error("address", exc.message)
        except ApplicationError as exc:
            send_form.add_error(None, exc.message)
        else:
            request.session[PENDING_KEY] = channel
            messages.info(request, _("We sent a code to %(where)s.") % {"where": destination.masked})
            return redirect(f"{reverse('tokens:verify')}?{urlencode({'next': _next_url(request)})}")
    if request.method == "POST" and request.POST.get("action") == "verify" and code_form.is_valid():
        try:
            stepup.stepup_verify(
                account=account, requester=request.user, channel=pending or "", code=code_form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            code_form.add_error("code", exc.message)
        else:
            request.session.pop(PENDING_KEY, None)
            stepup.stepup_mark(request.session, account=account)
            return redirect(_next_url(request))
    destinations = stepup.stepup_destinations(account=account)
    context = {
        "send_form": send_form,
        "code_form": code_form,
        "pending": pending,
        "destinations": destinations,
        "first_verification": stepup.stepup_needs_first_verification(account=account),
        "is_owner": request.user.pk == account.owner_id,
        "next": _next_url(request),
    }
    return render(request, "tokens/verify.html", context)
