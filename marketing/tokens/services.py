"""API tokens: issue, edit, pause, resume, delete, authenticate (SPEC TOK-1…3, TOK-5)."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, FieldErrors
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from .ips import allowed_ips_clean, ip_allowed
from .models import DEFAULT_TOKEN_NAME, TOKEN_PREFIX, ApiToken

_TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}_([a-z0-9]{{12}})_([A-Za-z0-9_-]{{32,}})$")
CUSTOM_MIN_LENGTH = 24
CUSTOM_WARNING = gettext_lazy(
    "A custom value is only as strong as you make it: use at least 24 random characters, and never reuse a password."
)


class TokenRefused(ApplicationError):
    """The API answers these as 401 (who are you?) or 403 (not allowed from here / not now)."""

    status = 401


def _digest(raw: str) -> str:
    return hmac.new(settings.API_TOKEN_PEPPER.encode(), raw.encode(), hashlib.sha256).hexdigest()


def _new_public_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the token a name, e.g. “Website form” or “Zapier”."))
    return name


def expiry_clean(expires_at: datetime | None) -> datetime | None:
    """A token's expiry: none, or a moment in the future."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The expiry must be in the future."))
    return expires_at


def _clean_fields(
    *, name: str, note: str, allowed_ips: list[str], expires_at: datetime | None, errors: FieldErrors
) -> dict:
    """The token's fields, cleaned; each refusal is collected in `errors` under its field."""
    return {
        "name": errors.check("name", _clean_name, name),
        "note": (note or "").strip(),
        "allowed_ips": errors.check("allowed_ips", allowed_ips_clean, allowed_ips),
        "expires_at": errors.check("expires_at", expiry_clean, expires_at),
    }


def custom_value_clean(value: str) -> str:
    """A custom token value, or ApplicationError saying what to change.

    A value shaped like a generated token (`mk_<12>_<secret>`) is refused: tokens of that shape are looked up
    by their public id among generated tokens, so such a custom value could never authenticate.
    """
    plaintext = (value or "").strip()
    if len(plaintext) < CUSTOM_MIN_LENGTH or re.search(r"\s", plaintext):
        raise ApplicationError(
            _("A custom value needs at least %(count)d characters and no spaces.") % {"count": CUSTOM_MIN_LENGTH}
        )
    if _TOKEN_RE.match(plaintext):
        raise ApplicationError(
            _(
                "A custom value cannot look like a generated token (%(prefix)s_…_…): that shape is reserved. "
                "Leave the field empty to get a generated token, or choose another value."
            )
            % {"prefix": TOKEN_PREFIX},
            code="custom_value_shape",
        )
    return plaintext


@transaction.atomic
def token_create(
    *,
    account: Account,
    actor: User | None,
    name: str,
    note: str = "",
    allowed_ips: list[str] | None = None,
    expires_at: datetime | None = None,
    custom_value: str | None = None,
    is_default: bool = False,
) -> IssuedToken:
    """Issue a token. The plaintext is returned once; only an HMAC-SHA256 digest is kept."""
    errors = FieldErrors()
    fields = _clean_fields(name=name, note=note, allowed_ips=allowed_ips or [], expires_at=expires_at, errors=errors)
    public_id = _new_public_id()
    if custom_value:
        plaintext = errors.check("custom_value", custom_value_clean, custom_value)
    else:
        plaintext = f"{TOKEN_PREFIX}_{public_id}_{secrets.token_urlsafe(24)}"
    errors.raise_any()
    digest = _digest(plaintext)
    if ApiToken.objects.filter(digest=digest).exists():
        raise ApplicationError(_("That value is already in use; choose another."), details={"field": "custom_value"})
    token = ApiToken.objects.create(
        account=account,
        public_id=public_id,
        digest=digest,
        fragment=plaintext[-4:],
        is_custom=bool(custom_value),
        is_default=is_default,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    audit_record(
        account=account,
        actor=actor,
        action="token.create",
        target=token,
        data={"name": token.name, "custom": token.is_custom, "allowed_ips": token.allowed_ips},
    )
    return IssuedToken(token=token, plaintext=plaintext)


def token_ensure_default(*, account: Account, actor: User | None) -> IssuedToken | None:
    """Every account has a default token (TOK-1); created the first time the tokens screen opens,
    so that its value can be shown once to the person who opened it. Its name is stored in English and shown
    in each reader's language (`ApiToken.label`)."""
    if ApiToken.objects.filter(account=account, is_default=True).exists():
        return None
    return token_create(account=account, actor=actor, name=DEFAULT_TOKEN_NAME, is_default=True)


@transaction.atomic
def token_update(
    *,
    account: Account,
    actor: User,
    token: ApiToken,
    name: str,
    note: str,
    allowed_ips: list[str],
    expires_at: datetime | None,
) -> ApiToken:
    ensure_owned(account, token, message=_("Token not found."))
    errors = FieldErrors()
    fields = _clean_fields(name=name, note=note, allowed_ips=allowed_ips, expires_at=expires_at, errors=errors)
    errors.raise_any()
    before = {k: getattr(token, k) for k in fields}
    for key, value in fields.items():
        setattr(token, key, value)
    token.save(update_fields=list(fields))
    _forget(token)
    before["expires_at"] = before["expires_at"].isoformat() if before["expires_at"] else None
    audit_record(account=account, actor=actor, action="token.update", target=token, data={"before": before})
    return token


@transaction.atomic
def token_set_active(*, account: Account, actor: User, token: ApiToken, active: bool) -> ApiToken:
    ensure_owned(account, token, message=_("Token not found."))
    token.is_active = active
    token.save(update_fields=["is_active"])
    _forget(token)
    audit_record(account=account, actor=actor, action="token.resume" if active else "token.pause", target=token)
    return token


@transaction.atomic
def token_delete(*, account: Account, actor: User, token: ApiToken) -> None:
    ensure_owned(account, token, message=_("Token not found."))
    audit_record(
        account=account,
        actor=actor,
        action="token.delete",
        target=token,
        data={"name": token.name, "masked": token.masked},
    )
    _forget(token)
    token.delete()


def _cache_key(digest: str) -> str:
    return f"api-token:{digest}"


def _forget(token: ApiToken) -> None:
    """Drop the token's verified copy now and again once the change is committed (a request in between may
    have cached the old row)."""
    key = _cache_key(token.digest)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _lookup(raw: str) -> ApiToken | None:
    """The token (with its account) whose digest `raw` has, or None.

    A token found is kept in the cache for API_TOKEN_CACHE_SECONDS under its digest, so that a burst of calls
    costs one query, not one a call. Pausing, changing or deleting a token drops it at once (`_forget`); the
    checks of `token_authenticate` (expiry, pause, allowed IPs, account active) run on every call. A change to
    the account itself (deactivated by a superuser) reaches the API within those seconds. Unknown values are
    never cached: each is a query, and the per-address throttle bounds them.
    """
    digest = _digest(raw)
    seconds = settings.API_TOKEN_CACHE_SECONDS
    if seconds:
        cached = cache.get(_cache_key(digest))
        if cached is not None:
            return cached
    match = _TOKEN_RE.match(raw)
    if match:
        token = ApiToken.objects.select_related("account").filter(public_id=match.group(1), is_custom=False).first()
    else:
        token = ApiToken.objects.select_related("account").filter(digest=digest, is_custom=True).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    if seconds:
        cache.set(_cache_key(digest), token, timeout=seconds)
    return token


def token_authenticate(*, raw: str, ip: str) -> ApiToken:
    """The token behind `raw`, usable now from `ip`; otherwise TokenRefused with a reason a developer can fix."""
    raw = (raw or "").strip()
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape: no token looks like that
        raw = ""
    token = _lookup(raw) if raw else None
    if token is None:
        raise TokenRefused(_("The API token is not valid. Check it on the API tokens screen."), code="invalid_token")
    if not token.account.is_active:
        raise TokenRefused(_("This account is not active."), code="account_inactive", status=403)
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise TokenRefused(
            _("The API token expired on %(date)s. Create a new one or extend it.")
            % {"date": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")},
            code="token_expired",
        )
    if not token.is_active:
        raise TokenRefused(
            _("The API token is paused. Resume it on the API tokens screen."), code="token_paused", status=403
        )
    if not ip_allowed(ip, token.allowed_ips):
        raise TokenRefused(
            _("Requests from %(ip)s are not allowed for this token. Add the address to its allowed IPs.") % {"ip": ip},
            code="ip_not_allowed",
            status=403,
        )
    token_touch(token=token)
    return token


def token_touch(*, token: ApiToken) -> None:
    """Record last use with at most one database write per token per 15 minutes."""
    if cache.add(f"token-used:{token.pk}", 1, timeout=settings.TOKEN_LAST_USED_WRITE_SECONDS):
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
