"""Delivery reports from providers (SPEC MSG-8): Twilio's status callbacks and ESP tracking webhooks (anymail).

No session and no account from the request body: a Twilio callback is signed with our auth token over the
public URL, and that URL names the one message whose recipients it may touch; an ESP webhook carries the
basic auth of `ANYMAIL["WEBHOOK_SECRET"]` and finds its recipient by the ESP's message id.
"""

import hmac

from anymail.signals import EventType, tracking
from anymail.urls import urlpatterns as anymail_urlpatterns
from anymail.utils import get_request_basic_auth
from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from contacts.models import Channel
from marketing.core.errors import json_error_response

from ..backends.twilio_signature import twilio_signature_valid
from ..delivery import status_callback_message_id
from ..models import Message
from ..reports import Event, report_record

# Twilio's MessageStatus values that change a recipient; sent, queued, accepted, sending… change nothing.
TWILIO_EVENTS = {"delivered": Event.DELIVERED, "undelivered": Event.FAILED, "failed": Event.FAILED}
# anymail's normalized tracking events that change a recipient; deferred, opened, clicked… change nothing here.
EMAIL_EVENTS = {
    EventType.DELIVERED: Event.DELIVERED,
    EventType.BOUNCED: Event.BOUNCED,
    EventType.REJECTED: Event.BOUNCED,
    EventType.COMPLAINED: Event.COMPLAINED,
}
# ESP bounce kinds anymail reports as "bounced" that are only temporary (Postmark's soft bounce).
SOFT_BOUNCES = frozenset({"SoftBounce", "Transient", "DnsError"})


@csrf_exempt
@require_POST
def twilio_status(request, token: str):
    if not twilio_signature_valid(request):  # verify before reading anything else
        return json_error_response("forbidden", _("The request signature is not valid."), 403)
    message_id = status_callback_message_id(token)
    message = Message.objects.filter(pk=message_id, channel=Channel.SMS).first() if message_id else None
    if message is None:
        return json_error_response("not_found", _("Message not found."), 404)
    event = TWILIO_EVENTS.get(request.POST.get("MessageStatus", ""))
    sid = request.POST.get("MessageSid", "")
    if event and sid:
        report_record(
            provider="twilio",
            provider_id=sid,
            event=event,
            error_code=request.POST.get("ErrorCode", ""),
            message=message,
        )
    return HttpResponse(status=204)


def email_tracking_received(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's tracking signal: one normalized ESP event."""
    kind = EMAIL_EVENTS.get(event.event_type)
    if kind is None or not event.message_id:
        return
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if kind == Event.BOUNCED and esp_event.get("Type") in SOFT_BOUNCES:
        return
    report_record(
        provider=esp_name.lower().replace(" ", "_"),
        provider_id=str(event.message_id),
        event=kind,
        error_code=str(event.reject_reason or esp_event.get("Type") or "")[:32],
        occurred_at=event.timestamp,
    )


tracking.connect(email_tracking_received, dispatch_uid="messaging.email_tracking")


def _secret_required(view):
    """anymail only warns when no webhook secret is set; here an unset secret refuses every call."""

    @csrf_exempt
    def guarded(request, *args, **kwargs):
        secrets = settings.ANYMAIL.get("WEBHOOK_SECRET") or ""
        secrets = [secrets] if isinstance(secrets, str) else list(secrets)
        given = get_request_basic_auth(request) or ""
        if not any(s and hmac.compare_digest(given.encode(), s.encode()) for s in secrets):
            response = json_error_response("unauthorized", _("The webhook credentials are not valid."), 401)
            response["WWW-Authenticate"] = 'Basic realm="webhooks"'
            return response
        try:
            return view(request, *args, **kwargs)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):  # anymail could not read the payload
            return json_error_response("invalid", _("The webhook payload is not valid."), 400)

    return guarded


email_hook_urlpatterns = [
    path(str(p.pattern), _secret_required(p.callback), name=p.name)
    for p in anymail_urlpatterns
    if str(p.pattern).endswith("tracking/")
]
