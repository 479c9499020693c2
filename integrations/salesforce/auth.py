"""Signing in to Salesforce with OAuth 2.0 (SPEC SF-1).

The web-server flow with PKCE, the refresh-token grant, JWT bearer, client
credentials, and — as a legacy option only — the username-password grant.
Every grant posts to `{login_url}/services/oauth2/token` and returns a
`TokenSet`. Token responses carry no expiry: a 401 INVALID_SESSION_ID from the
API is the sign to renew (see `client.py`).
"""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.utils.translation import gettext_lazy, gettext_noop

from marketing.core.texts import Text

from .errors import SalesforceApiDisabled, SalesforceAuthError, SalesforceTlsError, SalesforceUnavailable

# (connect, read) seconds for every HTTP request to Salesforce.
HTTP_TIMEOUT = (10, 120)
JWT_LIFETIME_SECONDS = 180
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class SalesforceSession(requests.Session):
    """A requests session with a timeout on every call, whose own CA bundle (when set) is used.

    requests lets REQUESTS_CA_BUNDLE override `Session.verify`; a connection's own bundle
    must win, while an empty bundle leaves requests' default (and so the environment) alone.
    """

    def __init__(self, ca_bundle: str = ""):
        super().__init__()
        if ca_bundle:
            self.verify = ca_bundle

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(method, url, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if verify is None and isinstance(self.verify, str):
            verify = self.verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    instance_url: str
    refresh_token: str = ""
    identity_url: str = ""
    issued_at: str = ""
    scope: str = ""
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret

    def __repr__(self) -> str:  # never print a token
        return f"TokenSet(instance_url={self.instance_url!r}, refresh={'yes' if self.refresh_token else 'no'})"


@dataclass(frozen=True)
class PkcePair:
    verifier: str
    challenge: str


def pkce_pair() -> PkcePair:
    """A fresh PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return PkcePair(verifier=verifier, challenge=challenge)


def _base(login_url: str) -> str:
    return login_url.rstrip("/")


def authorize_url(
    login_url: str, client_id: str, redirect_uri: str, state: str, code_challenge: str, scope: str = ""
) -> str:
    """Where to send the person's browser to approve the connection (the web-server flow)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if scope:
        params["scope"] = scope
    return f"{_base(login_url)}/services/oauth2/authorize?{urlencode(params)}"


def exchange_code(
    *,
    login_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    ca_bundle: str = "",
) -> TokenSet:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return _token(login_url, data, ca_bundle=ca_bundle, grant="authorization_code")


def refresh(*, login_url: str, client_id: str, client_secret: str, refresh_token: str, ca_bundle: str = "") -> TokenSet:
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    tokens = _token(login_url, data, ca_bundle=ca_bundle, grant="refresh_token")
    if not tokens.refresh_token:  # Salesforce keeps the refresh token unless it rotates it
        tokens = TokenSet(**{**tokens.__dict__, "refresh_token": refresh_token})
    return tokens


def password_grant(
    *, login_url: str, client_id: str, client_secret: str, username: str, password: str, ca_bundle: str = ""
) -> TokenSet:
    """Legacy: `password` is the user's password followed by their security token."""
    data = {
        "grant_type": "password",
        "client_id": client_id,
        "client_secret": client_secret,
        "username": username,
        "password": password,
    }
    return _token(login_url, data, ca_bundle=ca_bundle, grant="password")


def client_credentials_grant(*, login_url: str, client_id: str, client_secret: str, ca_bundle: str = "") -> TokenSet:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    return _token(login_url, data, ca_bundle=ca_bundle, grant="client_credentials")


def jwt_assertion(*, login_url: str, client_id: str, username: str, private_key: str) -> str:
    claims = {
        "iss": client_id,
        "sub": username,
        "aud": _base(login_url),
        "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(claims, private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise SalesforceAuthError(
            gettext_lazy(
                "The private key is not a valid RSA key in PEM format. Paste the key whose certificate is in the app."
            ),
            code="salesforce_bad_client",
        ) from exc


def jwt_bearer_grant(
    *, login_url: str, client_id: str, username: str, private_key: str, ca_bundle: str = ""
) -> TokenSet:
    assertion = jwt_assertion(login_url=login_url, client_id=client_id, username=username, private_key=private_key)
    data = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
    return _token(login_url, data, ca_bundle=ca_bundle, grant="jwt_bearer")


def revoke(*, login_url: str, token: str, ca_bundle: str = "") -> bool:
    """Revoke an access or refresh token (revoking a refresh token ends its access tokens too)."""
    response = _post(f"{_base(login_url)}/services/oauth2/revoke", {"token": token}, ca_bundle=ca_bundle)
    return response.status_code == 200


def _post(url: str, data: dict, *, ca_bundle: str) -> requests.Response:
    with SalesforceSession(ca_bundle) as session:
        try:
            return session.post(url, data=data, headers={"Accept": "application/json"})
        except requests.exceptions.SSLError as exc:
            raise tls_error(url) from exc
        except requests.RequestException as exc:
            raise SalesforceUnavailable(
                Text(
                    gettext_noop("Salesforce could not be reached at %(url)s. Check the login URL and try again."),
                    url=url,
                )
            ) from exc


def tls_error(url: str) -> SalesforceTlsError:
    return SalesforceTlsError(
        Text(
            gettext_noop(
                "The server at %(url)s presented a certificate this platform does not trust. "
                "Check the URL, or set the connection's CA bundle to the server's certificate authority."
            ),
            url=url,
        )
    )


def _token(login_url: str, data: dict, *, ca_bundle: str, grant: str) -> TokenSet:
    response = _post(f"{_base(login_url)}/services/oauth2/token", data, ca_bundle=ca_bundle)
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500 or not isinstance(body, dict):
        raise SalesforceUnavailable(
            Text(
                gettext_noop("Salesforce's sign-in service answered %(status)s. Try again in a few minutes."),
                status=response.status_code,
            )
        )
    if response.status_code != 200 or "access_token" not in body:
        raise oauth_error(body, grant=grant)
    return TokenSet(
        access_token=body["access_token"],
        instance_url=body.get("instance_url", ""),
        refresh_token=body.get("refresh_token", ""),
        identity_url=body.get("id", ""),
        issued_at=str(body.get("issued_at", "")),
        scope=body.get("scope", ""),
        token_type=body.get("token_type", "Bearer"),
    )


# What to check when Salesforce refuses the credentials of each kind of sign-in.
_REFUSED_SIGN_IN = {
    "password": gettext_lazy(
        "Salesforce refused the username, password or security token. Check them; the password must be "
        "followed by the user's security token."
    ),
    "jwt_bearer": gettext_lazy(
        "Salesforce refused the signed sign-in for this user. Check the username, that the app holds the "
        "certificate of this key, and that the user is approved for the app."
    ),
    "client_credentials": gettext_lazy(
        "Salesforce refused the client credentials sign-in. Check that the app allows the client "
        "credentials flow and has a run-as user."
    ),
}


def oauth_error(body: dict, *, grant: str) -> Exception:
    """Turn a token endpoint refusal (`{"error", "error_description"}`) into what the person should do."""
    error = str(body.get("error", ""))
    description = str(body.get("error_description", ""))
    lowered = f"{error} {description}".lower()
    details = {"error": error, "error_description": description}
    if "api_disabled" in lowered or ("api" in lowered and ("disabled" in lowered or "not enabled" in lowered)):
        return api_disabled_error()
    if error == "invalid_client_id":
        return SalesforceAuthError(
            gettext_lazy("Salesforce does not know this client id. Copy the consumer key of the connected app again."),
            code="salesforce_bad_client",
            details=details,
        )
    if error in ("invalid_client", "invalid_client_credentials"):
        return SalesforceAuthError(
            gettext_lazy(
                "Salesforce refused the client id and secret. Copy the consumer key and secret of the app again."
            ),
            code="salesforce_bad_client",
            details=details,
        )
    if grant == "refresh_token" and error == "invalid_grant":
        return SalesforceAuthError(
            gettext_lazy(
                "Salesforce no longer accepts this platform's authorization (it was revoked or has expired). "
                "Reconnect Salesforce."
            ),
            code="salesforce_reconnect",
            details=details,
        )
    if grant == "authorization_code":
        return SalesforceAuthError(
            gettext_lazy("Salesforce did not confirm the sign-in (the code expired or did not match). Connect again."),
            code="salesforce_authorization_failed",
            details=details,
        )
    if error == "invalid_grant" and grant in _REFUSED_SIGN_IN:
        return SalesforceAuthError(_REFUSED_SIGN_IN[grant], code="salesforce_bad_credentials", details=details)
    return SalesforceAuthError(
        Text(
            gettext_noop("Salesforce refused to sign in: %(reason)s"),
            reason=description or error or gettext_lazy("no reason given"),
        ),
        details=details,
    )


def api_disabled_error() -> SalesforceApiDisabled:
    return SalesforceApiDisabled(
        gettext_lazy(
            "This Salesforce organization or user has no API access (API_DISABLED_FOR_ORG). Salesforce allows API "
            "access in Enterprise, Unlimited, Developer and Performance editions; ask the Salesforce admin to enable "
            "“API Enabled” for the integration user's profile."
        )
    )
