"""DRF authentication by API token: the `Authorization: Bearer` header (REST API) and the
legacy body form `{"User": {"Username", "Token"}}` (SPEC TOK-6)."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from marketing.accounts.models import Account, Membership
from marketing.core.parsers import json_loads_bounded

from .ips import client_ip
from .models import ApiToken
from .services import TokenRefused, token_authenticate


@dataclass(frozen=True)
class ApiPrincipal:
    """`request.user` of an API call: the account a token acts for."""

    token: ApiToken

    is_authenticated = True
    is_anonymous = False

    @property
    def account(self) -> Account:
        return self.token.account

    @property
    def pk(self) -> None:
        return None

    def __str__(self) -> str:
        return f"token {self.token.masked}"


def _authenticate(request, raw: str) -> tuple[ApiPrincipal, ApiToken]:
    try:
        token = token_authenticate(raw=raw, ip=client_ip(request))
    except TokenRefused as exc:
        if exc.status == 401:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from exc
        raise exceptions.PermissionDenied(exc.message, code=exc.code) from exc
    return ApiPrincipal(token), token


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”, with no spaces inside the token."),
                code="malformed_authorization",
            )
        return _authenticate(request, parts[1].decode("latin-1"))

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def legacy_payload(request) -> dict:
    """The legacy JSON document: the request body, or the `json=` query parameter."""
    raw = request.query_params.get("json")
    if raw:
        try:
            data = json_loads_bounded(raw)  # NaN, Infinity and deep nesting refused, as in a body
        except ValueError as exc:
            raise exceptions.ParseError(_("The json parameter is not valid JSON: %(error)s") % {"error": exc}) from exc
    else:
        data = request.data
    if not isinstance(data, dict):
        raise exceptions.ParseError(_("Send a JSON object."))
    return data


def _is_member(token: ApiToken, username: str) -> bool:
    """Whether `username` is an active user of the token's account; a yes is cached as the token is."""
    seconds = settings.API_TOKEN_CACHE_SECONDS
    name = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"api-token-user:{token.pk}:{name}"
    if seconds and cache.get(key):
        return True
    is_member = Membership.objects.filter(account=token.account, user__username__iexact=username, is_active=True)
    if not is_member.exists():
        return False
    if seconds:
        cache.set(key, True, timeout=seconds)
    return True


class LegacyBodyTokenAuthentication(BaseAuthentication):
    """`{"User": {"Username": "...", "Token": "..."}}`: the username must be a member of the token's account."""

    query_parameters = ("json",)  # the document may come URL-encoded in `json=` (Zapier)

    def authenticate(self, request):
        try:
            document = legacy_payload(request)
        except exceptions.ParseError:
            if request.query_params.get("json"):
                # The credential parameter itself is unreadable: no credentials were given (401, as for a wrong
                # token), unless a Bearer header authenticates, and then the view reports the parse error.
                return None
            raise
        user = document.get("User")
        if not isinstance(user, dict) or not user.get("Token"):
            return None
        principal, token = _authenticate(request, str(user["Token"]))
        username = str(user.get("Username") or "").strip()
        if not _is_member(token, username):
            raise exceptions.AuthenticationFailed(
                _("User.Username does not belong to the account of this token."), code="username_mismatch"
            )
        return principal, token

    def authenticate_header(self, request) -> str:
        return 'Legacy realm="api"'
