"""The OAuth 2.0 endpoints: token (five grants), authorize (auto-approved), revoke, identity, userinfo."""

import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

import jwt

from .web import Request, Response, json_response

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "api refresh_token id"


class OAuthError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def bearer_token(request: Request) -> str:
    header = request.header("Authorization")
    for scheme in ("Bearer ", "OAuth "):
        if header[: len(scheme)].lower() == scheme.lower():
            return header[len(scheme) :].strip()
    return ""


def token(org, request: Request, base_url: str) -> Response:
    form = request.form()
    try:
        body = _grant(org, request, form, base_url)
    except OAuthError as error:
        return json_response({"error": error.error, "error_description": error.description}, 400)
    return json_response(body)


def _grant(org, request: Request, form: dict, base_url: str) -> dict:
    grant_type = form.get("grant_type", "")
    if grant_type == JWT_BEARER:
        return _jwt_bearer(org, form.get("assertion", ""), base_url)
    if grant_type not in ("authorization_code", "refresh_token", "password", "client_credentials"):
        raise OAuthError("unsupported_grant_type", "grant type not supported")
    app, secret = _client(org, request, form)
    if grant_type == "authorization_code":
        code = org.tokens.take_code(form.get("code", ""))
        if code is None or code.client_id != app.client_id:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        if code.challenge:
            if not _verifier_matches(form.get("code_verifier", ""), code.challenge, code.challenge_method):
                raise OAuthError("invalid_grant", "invalid code verifier")
        elif not secret:
            raise OAuthError("invalid_client", "invalid client credentials")
        return _issue(org, app, code.user_id, base_url, refresh=True)
    if grant_type == "refresh_token":
        grant = org.tokens.refresh(form.get("refresh_token", ""))
        if grant is None or grant.client_id != app.client_id:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        return _issue(org, app, grant.user_id, base_url, refresh_token=grant.refresh_token)
    if not secret:
        raise OAuthError("invalid_client", "invalid client credentials")
    if grant_type == "password":
        # Salesforce issues no refresh token for the username-password flow.
        user_id = org.login(form.get("username", ""), form.get("password", ""))
        if user_id is None:
            raise OAuthError("invalid_grant", "authentication failure")
        return _issue(org, app, user_id, base_url)
    return _issue(org, app, app.run_as_user_id or org.integration_user_id, base_url)


def _client(org, request: Request, form: dict):
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    header = request.header("Authorization")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            raise OAuthError("invalid_client", "invalid client credentials") from None
    app = org.apps.get(client_id)
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if secret and not hmac.compare_digest(secret, app.client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    return app, secret


def _verifier_matches(verifier: str, challenge: str, method: str | None) -> bool:
    if not verifier:
        return False
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(verifier, challenge)


def _jwt_bearer(org, assertion: str, base_url: str) -> dict:
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    app = org.apps.get(str(unverified.get("iss", "")))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not app.jwt_public_key_pem:
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        claims = jwt.decode(
            assertion,
            app.jwt_public_key_pem,
            algorithms=["RS256"],
            audience=[base_url, base_url + "/"],
            options={"require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.InvalidAudienceError:
        raise OAuthError("invalid_grant", "audience is invalid") from None
    except jwt.InvalidTokenError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    user_id = org.find_user(str(claims["sub"]))
    if user_id is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return _issue(org, app, user_id, base_url)


def _issue(org, app, user_id: str, base_url: str, *, refresh: bool = False, refresh_token: str | None = None) -> dict:
    new_refresh = org.tokens.issue_refresh(user_id, app.client_id) if refresh else None
    access = org.tokens.issue_access(user_id, app.client_id, new_refresh or refresh_token)
    issued_at = str(int(time.time() * 1000))
    identity = f"{base_url}/id/{org.organization_id}/{user_id}"
    signature = hmac.new(app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    body = {"access_token": access}
    if new_refresh:
        body["refresh_token"] = new_refresh
    body.update(
        {
            "signature": base64.b64encode(signature).decode(),
            "scope": SCOPE,
            "instance_url": base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
    )
    return body


def authorize(org, request: Request) -> Response:
    """Approve at once as the integration user (or the user named by `login_hint`) and redirect back."""
    params = request.query
    app = org.apps.get(params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if app is None:
        return Response(400, "error=invalid_client_id&error_description=client identifier invalid", "text/plain")
    if not redirect_uri:
        return Response(
            400, "error=redirect_uri_mismatch&error_description=redirect_uri must match configuration", "text/plain"
        )
    joiner = "&" if "?" in redirect_uri else "?"
    state = {"state": params["state"]} if "state" in params else {}
    if params.get("response_type") != "code":
        query = urlencode(
            {"error": "unsupported_response_type", "error_description": "response type not supported", **state}
        )
        return Response(302, headers=[("Location", f"{redirect_uri}{joiner}{query}")])
    user_id = org.find_user(params.get("login_hint", "")) or org.integration_user_id
    code = org.tokens.issue_code(
        user_id,
        app.client_id,
        redirect_uri,
        params.get("code_challenge") or None,
        params.get("code_challenge_method") or None,
    )
    return Response(302, headers=[("Location", f"{redirect_uri}{joiner}{urlencode({'code': code, **state})}")])


def revoke(org, request: Request) -> Response:
    value = request.form().get("token") or request.query.get("token", "")
    if not org.tokens.revoke(value):
        return json_response({"error": "invalid_token", "error_description": "invalid token"}, 400)
    return Response(200)


def _token_user(org, request: Request) -> str | None:
    grant = org.tokens.access(bearer_token(request) or request.query.get("oauth_token", ""))
    return grant.user_id if grant else None


def _person(org, user_id: str, base_url: str) -> dict:
    user = org.get("User", user_id)
    return {
        "user_id": user_id,
        "organization_id": org.organization_id,
        "username": user["Username"],
        "display_name": user["Name"],
        "nick_name": user["Username"].split("@")[0],
        "email": user["Email"],
        "first_name": user["FirstName"],
        "last_name": user["LastName"],
        "active": user["IsActive"],
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "urls": {
            "rest": f"{base_url}/services/data/v{{version}}/",
            "query": f"{base_url}/services/data/v{{version}}/query/",
            "sobjects": f"{base_url}/services/data/v{{version}}/sobjects/",
        },
    }


def identity(org, request: Request, base_url: str, org_id: str, user_id: str) -> Response:
    caller = _token_user(org, request)
    if caller is None:
        return Response(403, "Bad_OAuth_Token", "text/plain")
    if org_id[:15] != org.organization_id[:15] or org.get("User", user_id) is None:
        return Response(404, "Bad_Id", "text/plain")
    user = org.get("User", user_id)["Id"]
    return json_response(
        {
            "id": f"{base_url}/id/{org.organization_id}/{user}",
            "asserted_user": caller == user,
            **_person(org, user, base_url),
        }
    )


def userinfo(org, request: Request, base_url: str) -> Response:
    user_id = _token_user(org, request)
    if user_id is None:
        return Response(403, "Bad_OAuth_Token", "text/plain")
    person = _person(org, user_id, base_url)
    return json_response(
        {
            "sub": f"{base_url}/id/{org.organization_id}/{user_id}",
            "name": person["display_name"],
            "preferred_username": person["username"],
            "email": person["email"],
            "given_name": person["first_name"],
            "family_name": person["last_name"],
            **person,
        }
    )
