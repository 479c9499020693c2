import math

from django.utils.translation import gettext as _

from marketing.core.errors import json_error_response

from .models import ApiToken
from .throttling import AnonymousIpRateThrottle

API_PATH_PREFIX = "/api/"


class ApiAnonymousThrottleMiddleware:
    """Per-address limit on API requests that do not authenticate (SPEC API-4).

    A middleware rather than a DRF throttle: DRF checks throttles only after authentication and permissions,
    so requests with a missing or wrong token would be answered 401 for ever without reaching one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        throttle = AnonymousIpRateThrottle()
        if not throttle.allow_request(request):
            return self._throttled(throttle)
        response = self.get_response(request)
        # DRF puts the authenticated token on the underlying request as `auth`.
        if response.status_code in (401, 403) and not isinstance(getattr(request, "auth", None), ApiToken):
            throttle.record_refusal(request)
        return response

    @staticmethod
    def _throttled(throttle: AnonymousIpRateThrottle):
        seconds = max(1, math.ceil(throttle.wait() or 1))
        response = json_error_response(
            "throttled",
            _("Too many requests without a valid API token from this address. Try again in %(seconds)d seconds.")
            % {"seconds": seconds},
            429,
            details={"retry_after": seconds},
        )
        response["Retry-After"] = str(seconds)
        return response
