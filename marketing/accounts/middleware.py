import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from .selectors import membership_current

SESSION_ACCOUNT_KEY = "current_account_id"


class CurrentAccountMiddleware:
    """Sets `request.account` and `request.membership`, the account's time zone, and its language
    unless the person chose one with the language switch."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.account = None
        request.membership = None
        if request.user.is_authenticated:
            membership = membership_current(user=request.user, account_id=request.session.get(SESSION_ACCOUNT_KEY))
            if membership is not None:
                request.account = membership.account
                request.membership = membership
                timezone.activate(zoneinfo.ZoneInfo(membership.account.time_zone))
                if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                    translation.activate(membership.account.language)
                    request.LANGUAGE_CODE = membership.account.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
