"""The public unsubscribe page: GET asks, POST (the form or RFC 8058 one-click) unsubscribes."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from marketing.core.errors import NotFound

from ..unsubscribe import recipient_unsubscribe, unsubscribe_recipient


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        recipient = unsubscribe_recipient(token=token)
    except NotFound as exc:
        return render(request, "messaging/unsubscribe_invalid.html", {"error": exc.message}, status=404)
    with translation.override(recipient.message.account.language):
        if request.method == "POST":
            recipient_unsubscribe(token=token)
            response = render(request, "messaging/unsubscribe_done.html", {"point": recipient.point})
        else:
            response = render(request, "messaging/unsubscribe_confirm.html", {"point": recipient.point})
    response.headers["Cache-Control"] = "no-store"
    return response
