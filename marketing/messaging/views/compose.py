"""Compose an SMS or an email (SPEC MSG-1…5, ACC-3): write or edit a draft, see the audience after suppression
and duplicates, preview it for one contact, send a test to yourself, schedule it or send it now."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contacts import schema
from contacts.models import Channel
from marketing.accounts.roles import Perm, has_perm
from marketing.accounts.views import account_required
from marketing.core.errors import ApplicationError
from marketing.core.forms import form_errors_add

from .. import selectors, services
from ..forms import MessageForm
from ..models import Message
from ..pipeline import sms_opt_out_line
from ..preview import audience_count, audience_sample, message_preview

ACTIONS = ("save", "test", "send", "schedule")
MAX_IDS = 1000

# The email builder (GrapesJS) styles its canvas and panels inline, and an email's own HTML is all inline
# styles and remote images: the compose page allows inline styles and https images, never inline scripts.
compose_csp = csp_replace({"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:", "https:"]})


def _ensure(request, *perms: str) -> None:
    if not any(has_perm(request.membership, p) for p in perms):
        raise PermissionDenied(_("Your role does not allow this."))


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values[:MAX_IDS] if v.isascii() and v.isdigit() and len(v) <= 18]


def placeholder_choices(account) -> list[dict]:
    """The contact's fields as placeholders, by their label in the reader's language (SPEC MSG-2)."""
    return [{"label": str(f.label), "token": f"[#{f.label}#]"} for f in schema.account_fields(account)]


@account_required(Perm.MESSAGES_COMPOSE)
@require_http_methods(["GET", "POST"])
@compose_csp
def message_new(request, channel: str):
    return _compose(request, channel=channel, message=None)


@account_required()
@require_http_methods(["GET", "POST"])
@compose_csp
def message_edit(request, pk: int):
    _ensure(request, Perm.MESSAGES_COMPOSE, Perm.MESSAGES_SEND)
    message = selectors.message_get(account=request.account, pk=pk)
    if message.status not in Message.EDITABLE:
        messages.info(request, _("This message has already been sent; it can no longer be changed."))
        return redirect("messaging:message_report", pk=message.pk)
    return _compose(request, channel=message.channel, message=message)


def _form(request, *, channel: str, message: Message | None, data=None) -> MessageForm:
    return MessageForm(
        data,
        initial=MessageForm.initial_for(message) if message else None,
        account=request.account,
        membership=request.membership,
        channel=channel,
        user_email=request.user.email,
    )


def _compose(request, *, channel: str, message: Message | None):
    if request.method == "GET":
        return _page(request, form=_form(request, channel=channel, message=message), message=message)
    action = request.POST.get("action", "save")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    form = _form(request, channel=channel, message=message, data=request.POST)
    if not form.is_valid():
        return _page(request, form=form, message=message, status=400)
    try:
        message = _save(request, form, channel=channel, message=message)
    except ApplicationError as exc:
        form_errors_add(form, exc)
        return _page(request, form=form, message=message, status=400)
    try:
        done = _act(request, form, action=action, message=message)
    except ApplicationError as exc:
        form_errors_add(form, exc)
        if action != "save":
            form.add_error(None, _("The message is saved as a draft."))
        # the message exists now: the page posts to its edit address from here on
        return _page(request, form=form, message=message, status=400)
    messages.success(request, done)
    if action in ("send", "schedule"):
        return redirect("messaging:message_list")
    return redirect("messaging:message_edit", pk=message.pk)


def _save(request, form: MessageForm, *, channel: str, message: Message | None) -> Message:
    if not form.can_compose:
        return message  # sends a saved message as it is
    content = form.content()
    common = {"account": request.account, "membership": request.membership, **content}
    if message is None:
        return services.message_create(channel=channel, **common)
    return services.message_update(message=message, **common)


def _act(request, form: MessageForm, *, action: str, message: Message) -> str:
    if action == "save":
        return _("Draft saved.")
    if action == "test":
        to = request.user.email if message.channel == Channel.EMAIL else form.cleaned_data.get("test_to")
        contact = _ids([request.POST.get("preview_contact", "")])
        sent_to = services.message_test_send(
            account=request.account,
            membership=request.membership,
            message=message,
            to=to or "",
            contact_id=contact[0] if contact else None,
        )
        return _("A test was sent to %(to)s.") % {"to": sent_to}
    _ensure(request, Perm.MESSAGES_SEND)
    if action == "schedule":
        at = form.cleaned_data.get("scheduled_at")
        if at is None:
            raise ApplicationError(_("Choose when to send the message."), details={"field": "scheduled_at"})
        if at <= timezone.now():
            raise ApplicationError(_("Choose a time in the future."), details={"field": "scheduled_at"})
        services.message_send(account=request.account, message=message, at=at)
        local = timezone.localtime(at).strftime("%d/%m/%Y %H:%M")
        return _("%(name)s is scheduled for %(at)s.") % {"name": message.name, "at": local}
    services.message_send(account=request.account, message=message)
    return _("%(name)s is being sent.") % {"name": message.name}


def _page(request, *, form: MessageForm, message: Message | None, status: int = 200):
    channel = form.channel
    context = {
        "form": form,
        "message": message,
        "channel": channel,
        "is_sms": channel == Channel.SMS,
        "placeholders": placeholder_choices(request.account),
        "opt_out_line": sms_opt_out_line(request.account),
        "can_compose": form.can_compose,
        "can_send": has_perm(request.membership, Perm.MESSAGES_SEND),
        "audience": _audience_context(request, channel=channel, data=_audience_data(form)),
        "time_zone": request.account.time_zone,
        "section": "messages",
        "rtl": translation.get_language_bidi(),
    }
    return render(request, "messaging/message_form.html", context, status=status)


def _audience_data(form: MessageForm) -> dict:
    """The chosen groups as the page shows them: posted ones, else the message's."""
    if form.is_bound:
        return {
            "group_ids": _ids(form.data.getlist("group_ids")),
            "exclude_group_ids": _ids(form.data.getlist("exclude_group_ids")),
            "allow_duplicates": bool(form.data.get("allow_duplicates")),
        }
    initial = form.initial or {}
    return {
        "group_ids": list(initial.get("group_ids") or []),
        "exclude_group_ids": list(initial.get("exclude_group_ids") or []),
        "allow_duplicates": bool(initial.get("allow_duplicates")),
    }


def _audience_context(request, *, channel: str, data: dict, chosen: int | None = None) -> dict:
    counts = audience_count(account=request.account, channel=channel, **data)
    sample = audience_sample(
        account=request.account,
        channel=channel,
        group_ids=data["group_ids"],
        exclude_group_ids=data["exclude_group_ids"],
    )
    return {"counts": counts, "sample": sample, "chosen": chosen, "allow_duplicates": data["allow_duplicates"]}


@account_required()
@require_safe
def compose_audience(request, channel: str):
    """The audience partial: recipients after suppression and duplicates, and contacts to preview."""
    _ensure(request, Perm.MESSAGES_COMPOSE, Perm.MESSAGES_SEND)
    data = {
        "group_ids": _ids(request.GET.getlist("group_ids")),
        "exclude_group_ids": _ids(request.GET.getlist("exclude_group_ids")),
        "allow_duplicates": bool(request.GET.get("allow_duplicates")),
    }
    chosen = _ids([request.GET.get("preview_contact", "")])
    context = {"audience": _audience_context(request, channel=channel, data=data, chosen=chosen[0] if chosen else None)}
    return render(request, "messaging/_compose_audience.html", context)


@account_required()
@require_POST
@compose_csp
def compose_preview(request, channel: str):
    """The message one contact of the audience gets, from the form as it is now (nothing is saved)."""
    _ensure(request, Perm.MESSAGES_COMPOSE, Perm.MESSAGES_SEND)
    contact = _ids([request.POST.get("preview_contact", "")])
    draft = Message(
        account=request.account,
        channel=channel,
        sender=(request.POST.get("sender") or request.membership.fixed_sender_name or "").strip(),
        subject=request.POST.get("subject", "") if channel == Channel.EMAIL else "",
        body=services.newlines_normalize(request.POST.get("body", "")),
    )
    context = {"channel": channel, "is_sms": channel == Channel.SMS}
    try:
        context["preview"] = message_preview(
            account=request.account, message=draft, contact_id=contact[0] if contact else None
        )
    except ApplicationError as exc:
        context["error"] = exc.message
    return render(request, "messaging/_compose_preview.html", context)
