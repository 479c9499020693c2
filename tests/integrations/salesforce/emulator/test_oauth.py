import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .support import API, CLIENT, error_of, grant

REDIRECT = "https://app.example.test/callback"


def _authorize(sf, http, *, challenge: str | None = None, state: str = "s-1", **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": CLIENT["client_id"],
        "redirect_uri": REDIRECT,
        "state": state,
        **extra,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    response = http.get(f"{sf.base_url}/services/oauth2/authorize", params=params, allow_redirects=False)
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def _pkce() -> tuple[str, str]:
    verifier = "v" * 20 + "-verifier-with-enough-entropy-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _works(sf, http, access_token: str) -> bool:
    response = http.get(f"{sf.base_url}{API}/limits", headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code == 200


def _rsa_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_client_credentials_answers_like_salesforce(sf_emulator, http):
    body = grant(sf_emulator, http, grant_type="client_credentials", **CLIENT).json()

    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"}
    assert body["instance_url"] == sf_emulator.base_url
    org = sf_emulator.org
    assert body["id"] == f"{sf_emulator.base_url}/id/{org.organization_id}/{org.integration_user_id}"
    assert body["token_type"] == "Bearer" and body["issued_at"].isdigit()
    assert _works(sf_emulator, http, body["access_token"])


def test_client_credentials_runs_as_the_apps_run_as_user(sf_emulator, http):
    user = sf_emulator.org.create_user("runner@example.com", last_name="Runner")
    sf_emulator.org.register_app("server-app", "server-secret", run_as_user_id=user)

    body = grant(
        sf_emulator, http, grant_type="client_credentials", client_id="server-app", client_secret="server-secret"
    ).json()

    assert body["id"].endswith(f"/{user}")


def test_web_server_flow_with_pkce_gives_a_refresh_token_that_renews_access(sf_emulator, http):
    verifier, challenge = _pkce()
    code = _authorize(sf_emulator, http, challenge=challenge)

    tokens = grant(
        sf_emulator,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        **CLIENT,
    ).json()
    renewed = grant(
        sf_emulator, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **CLIENT
    ).json()

    assert tokens["refresh_token"] and "expires_in" not in tokens
    assert "refresh_token" not in renewed and renewed["access_token"] != tokens["access_token"]
    assert _works(sf_emulator, http, renewed["access_token"])
    assert renewed["id"].endswith(f"/{sf_emulator.org.integration_user_id}")


def test_authorize_can_approve_as_another_user(sf_emulator, http):
    code = _authorize(sf_emulator, http, login_hint="admin@example.com")

    body = grant(sf_emulator, http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **CLIENT).json()

    assert body["id"].endswith(f"/{sf_emulator.org.admin_user_id}")


def test_a_verifier_that_does_not_match_the_challenge_is_refused(sf_emulator, http):
    code = _authorize(sf_emulator, http, challenge=_pkce()[1])

    response = grant(
        sf_emulator,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier="another-verifier-entirely-another-verifier-entirely",
        **CLIENT,
    )

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_a_code_must_come_back_with_its_redirect_uri(sf_emulator, http):
    verifier, challenge = _pkce()
    code = _authorize(sf_emulator, http, challenge=challenge)

    response = grant(
        sf_emulator,
        http,
        grant_type="authorization_code",
        code=code,
        code_verifier=verifier,
        redirect_uri="https://elsewhere.example.test/cb",
        **CLIENT,
    )

    assert response.status_code == 400 and response.json()["error"] == "redirect_uri_mismatch"


def test_a_code_works_once(sf_emulator, http):
    verifier, challenge = _pkce()
    code = _authorize(sf_emulator, http, challenge=challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **CLIENT,
    }

    assert grant(sf_emulator, http, **form).status_code == 200
    again = grant(sf_emulator, http, **form)

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "invalid authorization code"}


def test_password_grant_takes_password_and_security_token_and_gives_no_refresh_token(sf_emulator, http):
    body = grant(
        sf_emulator, http, grant_type="password", username="integration@example.com", password="passwordTOKEN", **CLIENT
    ).json()

    assert "refresh_token" not in body
    assert _works(sf_emulator, http, body["access_token"])


@pytest.mark.parametrize("password", ["password", "wrongTOKEN", ""])
def test_password_grant_refuses_bad_credentials(sf_emulator, http, password):
    response = grant(
        sf_emulator, http, grant_type="password", username="integration@example.com", password=password, **CLIENT
    )

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ({"client_id": "nobody", "client_secret": "x"}, ("invalid_client_id", "client identifier invalid")),
        (
            {"client_id": CLIENT["client_id"], "client_secret": "wrong"},
            ("invalid_client", "invalid client credentials"),
        ),
        ({"client_id": CLIENT["client_id"]}, ("invalid_client", "invalid client credentials")),
    ],
)
def test_client_errors(sf_emulator, http, client, expected):
    response = grant(sf_emulator, http, grant_type="client_credentials", **client)

    assert response.status_code == 400
    assert (response.json()["error"], response.json()["error_description"]) == expected


def test_client_credentials_may_come_as_basic_auth(sf_emulator, http):
    response = http.post(
        f"{sf_emulator.base_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT["client_id"], CLIENT["client_secret"]),
    )

    assert response.status_code == 200


def test_an_unknown_grant_type_is_refused(sf_emulator, http):
    response = grant(sf_emulator, http, grant_type="device_code", **CLIENT)

    assert response.json() == {"error": "unsupported_grant_type", "error_description": "grant type not supported"}


def test_a_revoked_refresh_token_is_expired_and_ends_its_access_tokens(sf_emulator, http):
    code = _authorize(sf_emulator, http)
    tokens = grant(
        sf_emulator, http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **CLIENT
    ).json()

    revoked = http.post(f"{sf_emulator.base_url}/services/oauth2/revoke", data={"token": tokens["refresh_token"]})
    renewal = grant(sf_emulator, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **CLIENT)

    assert revoked.status_code == 200
    assert renewal.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert not _works(sf_emulator, http, tokens["access_token"])


def _assertion(sf, private, **claims) -> str:
    values = {"iss": "jwt-app", "sub": "integration@example.com", "aud": sf.base_url, "exp": int(time.time()) + 120}
    return jwt.encode({**values, **claims}, private, algorithm="RS256")


def test_jwt_bearer_signs_in_the_named_user(sf_emulator, http):
    private, public = _rsa_pair()
    sf_emulator.org.register_app("jwt-app", "jwt-secret", jwt_public_key_pem=public)

    body = grant(
        sf_emulator,
        http,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(sf_emulator, private, sub="admin@example.com"),
    ).json()

    assert body["id"].endswith(f"/{sf_emulator.org.admin_user_id}") and "refresh_token" not in body
    assert _works(sf_emulator, http, body["access_token"])


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"aud": "https://login.salesforce.com"}, "audience is invalid"),
        ({"exp": int(time.time()) - 600}, "invalid assertion"),
        ({"sub": "nobody@example.com"}, "user hasn't approved this consumer"),
        ({"signed_by_another_key": True}, "invalid assertion"),
    ],
)
def test_jwt_bearer_refusals(sf_emulator, http, claims, description):
    private, public = _rsa_pair()
    sf_emulator.org.register_app("jwt-app", "jwt-secret", jwt_public_key_pem=public)
    if claims.pop("signed_by_another_key", False):
        private = _rsa_pair()[0]

    response = grant(
        sf_emulator,
        http,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(sf_emulator, private, **claims),
    )

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": description}


def test_identity_and_userinfo_describe_the_tokens_user(sf_emulator, http, token):
    org = sf_emulator.org
    headers = {"Authorization": f"Bearer {token}"}

    identity = http.get(
        f"{sf_emulator.base_url}/id/{org.organization_id}/{org.integration_user_id}", headers=headers
    ).json()
    info = http.get(f"{sf_emulator.base_url}/services/oauth2/userinfo", headers=headers).json()

    assert (identity["user_id"], identity["organization_id"]) == (org.integration_user_id, org.organization_id)
    assert identity["username"] == info["preferred_username"] == "integration@example.com"
    assert info["user_id"] == org.integration_user_id


def test_identity_without_a_valid_token_is_refused(sf_emulator, http):
    org = sf_emulator.org

    response = http.get(
        f"{sf_emulator.base_url}/id/{org.organization_id}/{org.integration_user_id}",
        headers={"Authorization": "Bearer nope"},
    )

    assert response.status_code == 403 and response.text == "Bad_OAuth_Token"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_rest_calls_without_a_valid_token_answer_invalid_session_id(sf_emulator, http, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = http.get(f"{sf_emulator.base_url}{API}/limits", headers=headers)

    assert response.status_code == 401
    assert error_of(response) == {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    assert response.headers["Sforce-Limit-Info"] == "api-usage=0/100000"
