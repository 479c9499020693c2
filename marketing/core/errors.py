"""One error vocabulary for services, screens and the API.

Services raise `ApplicationError` subclasses carrying a user-facing message; the
API answers every error as `{"error": {"code", "message", "details"}}`.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from .texts import storable


class ApplicationError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None, status: int | None = None):
        super().__init__(message)
        self.message = str(message)  # for the reader who is here: in the active language
        self.text = storable(message)  # to store and render later (a `texts.Text` keeps its message id)
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details if details is not None else {}


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403


class FieldErrors:
    """A service's refusals collected field by field, so a screen shows every one at once (SPEC UX-3).

        errors = FieldErrors()
        name = errors.check("name", _clean_name, name)
        expires_at = errors.check("expires_at", _clean_expiry, expires_at)
        errors.raise_any()

    One refusal is raised as it is, naming its field in `details` when it named none; several become one
    ApplicationError whose `details` map each field to its messages. Not-found and permission refusals are
    never collected: they stop at once.
    """

    def __init__(self):
        self.refused: list[tuple[str, ApplicationError]] = []

    def check(self, field: str, clean, *args, **kwargs):
        try:
            return clean(*args, **kwargs)
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            self.refused.append((field, exc))
            return None

    def raise_any(self) -> None:
        if not self.refused:
            return
        if len(self.refused) == 1:
            field, exc = self.refused[0]
            if not exc.details:
                exc.details = {"field": field}
            raise exc
        details: dict[str, list[str]] = {}
        for field, exc in self.refused:
            details.setdefault(field, []).append(exc.message)
        raise ApplicationError(" ".join(exc.message for _field, exc in self.refused), details=details)


class TransientError(Exception):
    """A failure worth retrying later (a timeout, a 5xx, a locked row); tasks retry it with backoff."""


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details if details is not None else {}}}


def request_too_large_body(*, limit: int | None = None) -> dict:
    """The answer to a request body over the limit (DATA_UPLOAD_MAX_MEMORY_SIZE unless given), naming it."""
    limit = limit if limit is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = filesizeformat(limit).replace("\xa0", " ")  # "128.0 MB"
    message = _("The request body is larger than %(limit)s.") % {"limit": size}
    return error_body("request_too_large", message, {"limit_bytes": limit})


def _drf_code(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else getattr(exc, "default_code", "error")


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler that speaks the house error shape."""
    from rest_framework.views import exception_handler as drf_default_handler  # DRF's views import our settings

    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(request_too_large_body(), status=413)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        body = error_body("invalid", _("Some values are not valid."), exc.detail)
    else:
        detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
        code = _drf_code(exc) if isinstance(exc, drf_exceptions.APIException) else "error"
        body = error_body(code, detail)
    response.data = body
    return response


def json_error_response(code: str, message: str, status: int, details: Any = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False})
