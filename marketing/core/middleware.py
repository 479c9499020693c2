from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from .errors import request_too_large_body


class ApiLanguageMiddleware:
    """API callers get English unless they send Accept-Language (screens default to Hebrew)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)


class ScreenBodyLimitMiddleware:
    """Screens take far smaller bodies than the API (whose largest batch sets DATA_UPLOAD_MAX_MEMORY_SIZE): a form
    posted to a screen, the sign-in page included, is refused by its declared length before anything reads it.
    File uploads (multipart) are streamed to disk by Django and keep their own limits."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.SCREEN_DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            not request.path.startswith("/api/")
            and not request.content_type.startswith("multipart/")
            and _declared_length(request) > limit
        ):
            message = request_too_large_body(limit=limit)["error"]["message"]
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


def _declared_length(request) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
