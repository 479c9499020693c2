"""Twilio's request signature (`X-Twilio-Signature`) on the webhooks it calls: inbound SMS, delivery reports."""

from django.conf import settings
from django.http import HttpRequest
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def twilio_signature_valid(request: HttpRequest, *, url: str | None = None) -> bool:
    """True when the request is signed with our auth token over the public URL Twilio called and the form."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    if url is None:
        url = settings.PUBLIC_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)
