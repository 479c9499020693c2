"""SF-1, SF-18: every OAuth grant against the emulator over real HTTPS, and clear refusals."""

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import certifi
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.salesforce import auth
from integrations.salesforce.errors import SalesforceApiDisabled, SalesforceAuthError, SalesforceTlsError

CLIENT = {"client_id": "emulator-client-id", "client_secret": "emulator-client-secret"}
REDIRECT = "https://platform.example.test/integrations/salesforce/callback/"


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _authorize(sf, challenge: str, state: str = "xyz") -> str:
    url = auth.authorize_url(sf.base_url, CLIENT["client_id"], REDIRECT, state, challenge)
    response = requests.get(url, allow_redirects=False, verify=sf.ca_path, timeout=10)
    assert response.status_code == 302
    back = parse_qs(urlparse(response.headers["Location"]).query)
    assert back["state"] == [state]
    return back["code"][0]


def test_pkce_pair_is_an_s256_challenge_of_a_long_random_verifier():
    pair = auth.pkce_pair()

    assert 43 <= len(pair.verifier) <= 128
    digest = hashlib.sha256(pair.verifier.encode()).digest()
    assert pair.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert auth.pkce_pair().verifier != pair.verifier


def test_authorize_url_asks_for_a_code_with_the_challenge():
    url = auth.authorize_url("https://login.salesforce.com/", "cid", REDIRECT, "st", "chal")

    parsed = urlparse(url)
    assert (parsed.netloc, parsed.path) == ("login.salesforce.com", "/services/oauth2/authorize")
    assert parse_qs(parsed.query) == {
        "response_type": ["code"],
        "client_id": ["cid"],
        "redirect_uri": [REDIRECT],
        "state": ["st"],
        "code_challenge": ["chal"],
        "code_challenge_method": ["S256"],
    }


def test_web_server_flow_with_pkce_returns_tokens_and_the_refresh_grant_renews_them(sf_emulator):
    pair = auth.pkce_pair()
    code = _authorize(sf_emulator, pair.challenge)

    tokens = auth.exchange_code(
        login_url=sf_emulator.base_url,
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=pair.verifier,
        ca_bundle=sf_emulator.ca_path,
        **CLIENT,
    )
    renewed = auth.refresh(
        login_url=sf_emulator.base_url, refresh_token=tokens.refresh_token, ca_bundle=sf_emulator.ca_path, **CLIENT
    )

    assert tokens.access_token and tokens.refresh_token
    assert tokens.instance_url == sf_emulator.base_url
    assert tokens.identity_url.endswith(f"/{sf_emulator.org.integration_user_id}")
    assert renewed.access_token != tokens.access_token
    assert renewed.refresh_token == tokens.refresh_token
    assert tokens.access_token not in repr(tokens)


def test_a_verifier_that_does_not_match_the_challenge_is_refused(sf_emulator):
    code = _authorize(sf_emulator, auth.pkce_pair().challenge)

    with pytest.raises(SalesforceAuthError) as refused:
        auth.exchange_code(
            login_url=sf_emulator.base_url,
            code=code,
            redirect_uri=REDIRECT,
            code_verifier=auth.pkce_pair().verifier,
            ca_bundle=sf_emulator.ca_path,
            **CLIENT,
        )

    assert refused.value.code == "salesforce_authorization_failed"
    assert "Connect again" in refused.value.message


def test_a_revoked_refresh_token_asks_to_reconnect(sf_emulator):
    pair = auth.pkce_pair()
    tokens = auth.exchange_code(
        login_url=sf_emulator.base_url,
        code=_authorize(sf_emulator, pair.challenge),
        redirect_uri=REDIRECT,
        code_verifier=pair.verifier,
        ca_bundle=sf_emulator.ca_path,
        **CLIENT,
    )

    assert auth.revoke(login_url=sf_emulator.base_url, token=tokens.refresh_token, ca_bundle=sf_emulator.ca_path)
    with pytest.raises(SalesforceAuthError) as refused:
        auth.refresh(
            login_url=sf_emulator.base_url,
            refresh_token=tokens.refresh_token,
            ca_bundle=sf_emulator.ca_path,
            **CLIENT,
        )

    assert refused.value.code == "salesforce_reconnect"
    assert "Reconnect Salesforce" in refused.value.message


def test_client_credentials_grant(sf_emulator):
    tokens = auth.client_credentials_grant(login_url=sf_emulator.base_url, ca_bundle=sf_emulator.ca_path, **CLIENT)

    assert tokens.access_token and tokens.instance_url == sf_emulator.base_url and not tokens.refresh_token


@pytest.mark.parametrize(
    ("client", "message"),
    [
        ({"client_id": "unknown-app", "client_secret": "x"}, "does not know this client id"),
        ({"client_id": "emulator-client-id", "client_secret": "wrong"}, "refused the client id and secret"),
    ],
)
def test_a_wrong_client_id_or_secret_is_named(sf_emulator, client, message):
    with pytest.raises(SalesforceAuthError) as refused:
        auth.client_credentials_grant(login_url=sf_emulator.base_url, ca_bundle=sf_emulator.ca_path, **client)

    assert refused.value.code == "salesforce_bad_client"
    assert message in refused.value.message


def test_legacy_password_grant_takes_the_password_followed_by_the_security_token(sf_emulator):
    tokens = auth.password_grant(
        login_url=sf_emulator.base_url,
        username="integration@example.com",
        password="passwordTOKEN",
        ca_bundle=sf_emulator.ca_path,
        **CLIENT,
    )

    assert tokens.access_token and not tokens.refresh_token


def test_bad_credentials_are_named(sf_emulator):
    with pytest.raises(SalesforceAuthError) as refused:
        auth.password_grant(
            login_url=sf_emulator.base_url,
            username="integration@example.com",
            password="wrongTOKEN",
            ca_bundle=sf_emulator.ca_path,
            **CLIENT,
        )

    assert refused.value.code == "salesforce_bad_credentials"
    assert "security token" in refused.value.message


def test_jwt_bearer_grant_signs_an_rs256_assertion(sf_emulator):
    private, public = _rsa_pair()
    sf_emulator.org.register_app("jwt-app", "jwt-secret", jwt_public_key_pem=public)

    assertion = auth.jwt_assertion(
        login_url=sf_emulator.base_url + "/",
        client_id="jwt-app",
        username="integration@example.com",
        private_key=private,
    )
    tokens = auth.jwt_bearer_grant(
        login_url=sf_emulator.base_url,
        client_id="jwt-app",
        username="integration@example.com",
        private_key=private,
        ca_bundle=sf_emulator.ca_path,
    )

    claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=sf_emulator.base_url)
    assert (claims["iss"], claims["sub"]) == ("jwt-app", "integration@example.com")
    assert 0 < claims["exp"] - time.time() <= 180
    assert jwt.get_unverified_header(assertion)["alg"] == "RS256"
    assert tokens.access_token and tokens.instance_url == sf_emulator.base_url


def test_jwt_bearer_with_another_key_is_refused(sf_emulator):
    _private, public = _rsa_pair()
    other_private, _public = _rsa_pair()
    sf_emulator.org.register_app("jwt-app", "jwt-secret", jwt_public_key_pem=public)

    with pytest.raises(SalesforceAuthError) as refused:
        auth.jwt_bearer_grant(
            login_url=sf_emulator.base_url,
            client_id="jwt-app",
            username="integration@example.com",
            private_key=other_private,
            ca_bundle=sf_emulator.ca_path,
        )

    assert refused.value.code == "salesforce_bad_credentials"


def test_an_untrusted_certificate_is_refused_never_ignored(sf_emulator, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    with pytest.raises(SalesforceTlsError) as refused:
        auth.client_credentials_grant(login_url=sf_emulator.base_url, **CLIENT)

    assert "CA bundle" in refused.value.message


def test_without_a_ca_bundle_of_its_own_requests_ca_bundle_is_honoured(sf_emulator, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sf_emulator.ca_path)

    tokens = auth.client_credentials_grant(login_url=sf_emulator.base_url, **CLIENT)

    assert tokens.access_token


def test_a_connections_own_ca_bundle_wins_over_the_environment(sf_emulator, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())

    tokens = auth.client_credentials_grant(login_url=sf_emulator.base_url, ca_bundle=sf_emulator.ca_path, **CLIENT)

    assert tokens.access_token


@pytest.mark.parametrize(
    "body",
    [
        {"error": "API_DISABLED_FOR_ORG", "error_description": "API is not enabled for this Organization"},
        {"error": "invalid_grant", "error_description": "API is disabled for this user"},
    ],
)
def test_a_sign_in_refused_for_lack_of_api_access_says_so(body):
    error = auth.oauth_error(body, grant="password")

    assert isinstance(error, SalesforceApiDisabled)
    assert "API_DISABLED_FOR_ORG" in error.message and "API Enabled" in error.message
