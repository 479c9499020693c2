"""Sign-in throttling (SPEC ACC-1) on django-axes: what a locked-out person sees, and which counts a
successful sign-in clears. The limits themselves are the AXES_* settings."""

import math
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext


class LoginAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler, except that a successful sign-in clears the failures of that username only.

    Axes' own reset-on-success also clears every failure from the client address, so one working account
    would let a password sprayer start over from the same address as often as they like.
    """

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        self.reset_attempts(username=user.get_username())

    def lockout_ends_at(self, request: HttpRequest, credentials: dict | None) -> datetime:
        """When the counts that lock this request out (its username's, its address's) fall under the limit."""
        cool_off = get_cool_off(request)
        limit = get_failure_limit(request, credentials)
        ends = []
        for attempts in self.get_user_attempts(request, credentials):
            totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            if (totals["failures"] or 0) >= limit and totals["last"] is not None:
                ends.append(totals["last"] + cool_off)
        return max(ends, default=timezone.now() + cool_off)


def lockout_wait_seconds(request: HttpRequest, credentials: dict | None) -> int:
    handler = AxesProxyHandler.get_implementation()
    ends_at = handler.lockout_ends_at(request, credentials)
    return max(1, math.ceil((ends_at - timezone.now()).total_seconds()))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts. For your security, signing in is paused: try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. For your security, signing in is paused: try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the same sign-in page (ours or the admin's) with the wait, as HTTP 429."""
    seconds = lockout_wait_seconds(request, credentials)
    message = lockout_message(seconds)
    context = dict(getattr(original_response, "context_data", None) or {})
    template = getattr(original_response, "template_name", None) or "accounts/login.html"
    form = context.get("form")
    if form is None:
        form = context["form"] = AuthenticationForm(request)
    if form.is_bound:
        # The lockout replaces "wrong password": a right one is refused too while the lock lasts.
        form.errors.pop(NON_FIELD_ERRORS, None)
        form.add_error(None, message)
    context["lockout_message"] = message
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response
