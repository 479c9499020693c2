"""The messages list (SPEC MSG-1): each message's status and counts in the account's time zone, a live
progress bar while it sends, and pause / resume / cancel."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketing.accounts.roles import Perm, has_perm
from marketing.accounts.views import account_required
from marketing.core.errors import ApplicationError
from marketing.core.paging import paginate

from .. import selectors, services
from ..models import Message, Recipient

Status = Message.Status
LIVE = (Status.SENDING,)
_OUT = ("sent", "delivered", "failed", "bounced", "unknown")


def _ensure_can_view(request) -> None:
    perms = (Perm.MESSAGES_COMPOSE, Perm.MESSAGES_SEND, Perm.REPORTS_VIEW)
    if not any(has_perm(request.membership, p) for p in perms):
        raise PermissionDenied(_("Your role does not allow this."))


def _counts(*, account, ids: list[int]) -> dict[int, dict]:
    """Recipient counts of the listed messages: one grouped query for the page."""
    rows = (
        Recipient.objects.filter(account=account, message_id__in=ids)
        .values("message_id")
        .annotate(
            recipients=Count("pk"),
            done=Count("pk", filter=~Q(status__in=("queued", "sending"))),
            out=Count("pk", filter=Q(status__in=_OUT)),
            delivered=Count("pk", filter=Q(status="delivered")),
            failed=Count("pk", filter=Q(status__in=("failed", "bounced"))),
            skipped=Count("pk", filter=Q(status="skipped")),
        )
        .order_by()
    )
    return {row.pop("message_id"): row for row in rows}


def _progress(counts: dict | None) -> int:
    if not counts or not counts["recipients"]:
        return 0
    return round(100 * counts["done"] / counts["recipients"])


def _rows(account, messages_: list[Message]) -> list[dict]:
    counts = _counts(account=account, ids=[m.pk for m in messages_])
    return [{"m": m, "counts": counts.get(m.pk), "progress": _progress(counts.get(m.pk))} for m in messages_]


@account_required()
@require_safe
def message_list(request):
    _ensure_can_view(request)
    page = paginate(request, selectors.message_list(account=request.account))
    context = {
        "page": page,
        "rows": _rows(request.account, list(page.object_list)),
        "can_compose": has_perm(request.membership, Perm.MESSAGES_COMPOSE),
        "can_send": has_perm(request.membership, Perm.MESSAGES_SEND),
        "section": "messages",
    }
    return render(request, "messaging/message_list.html", context)


@account_required()
@require_safe
def message_progress(request, pk: int):
    """The row's status and progress, polled every 2 s while the message sends; the answer for a message
    that no longer sends carries no polling, so the polling stops."""
    _ensure_can_view(request)
    message = selectors.message_get(account=request.account, pk=pk)
    (row,) = _rows(request.account, [message])
    context = {"row": row, "can_send": has_perm(request.membership, Perm.MESSAGES_SEND)}
    return render(request, "messaging/_list_status.html", context)


def _state_change(request, pk: int, change, done: str):
    message = selectors.message_get(account=request.account, pk=pk)
    try:
        change(account=request.account, message=message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"name": message.name})
    return redirect("messaging:message_list")


@account_required(Perm.MESSAGES_SEND)
@require_POST
def message_pause(request, pk: int):
    return _state_change(request, pk, services.message_pause, _("%(name)s is paused."))


@account_required(Perm.MESSAGES_SEND)
@require_POST
def message_resume(request, pk: int):
    return _state_change(request, pk, services.message_resume, _("%(name)s is sending again."))


@account_required(Perm.MESSAGES_SEND)
@require_POST
def message_cancel(request, pk: int):
    return _state_change(request, pk, services.message_cancel, _("%(name)s is cancelled."))
