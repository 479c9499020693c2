"""TOK-6 and API-4: how the API authenticates, refuses and throttles."""

import datetime as dt

import pytest
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient

from marketing import urls as project_urls
from marketing.core.api import AccountApiView
from marketing.tokens.authentication import LegacyBodyTokenAuthentication
from marketing.tokens.models import ApiToken
from marketing.tokens.throttling import TokenRateThrottle

from ..tenancy import TenancyCase, assert_tenant_isolated


class LegacyEchoApi(AccountApiView):
    authentication_classes = [LegacyBodyTokenAuthentication]

    def post(self, request):
        return Response({"account": self.account.slug})


urlpatterns = [*project_urls.urlpatterns, path("legacy-echo/", LegacyEchoApi.as_view())]


def _error(response) -> dict:
    return response.json()["error"]


def test_a_valid_token_reads_its_account(account, api_for):
    response = api_for(account).get("/api/v1/account/")

    assert response.status_code == 200
    assert response.json()["slug"] == account.slug


def test_no_token_answers_401_with_the_error_shape(db):
    response = APIClient().get("/api/v1/account/")

    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"
    assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("header", "code"),
    [("Bearer mk_aaaaaaaaaaaa_" + "x" * 32, "invalid_token"), ("Bearer two parts", "malformed_authorization")],
)
def test_a_wrong_token_answers_401(db, header, code):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/account/")

    assert response.status_code == 401 and _error(response)["code"] == code
    assert _error(response)["message"]


def test_an_expired_token_answers_401(account, api_for):
    client = api_for(account, expires_at=timezone.now() + dt.timedelta(hours=1))
    ApiToken.objects.filter(account=account).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = client.get("/api/v1/account/")

    assert response.status_code == 401 and _error(response)["code"] == "token_expired"


def test_a_paused_token_answers_403(account, api_for):
    client = api_for(account)
    ApiToken.objects.filter(account=account).update(is_active=False)

    response = client.get("/api/v1/account/")

    assert response.status_code == 403 and _error(response)["code"] == "token_paused"


def test_a_deleted_token_answers_401(account, api_for):
    client = api_for(account)
    ApiToken.objects.filter(account=account).delete()

    assert client.get("/api/v1/account/").status_code == 401


def test_a_request_from_outside_the_allowed_ips_answers_403(account, api_for):
    client = api_for(account, allowed_ips=["203.0.113.0/24"])

    inside = client.get("/api/v1/account/", REMOTE_ADDR="203.0.113.10")
    outside = client.get("/api/v1/account/", REMOTE_ADDR="198.51.100.10")

    assert inside.status_code == 200
    assert outside.status_code == 403 and _error(outside)["code"] == "ip_not_allowed"


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(account, api_for, settings):
    client = api_for(account, allowed_ips=["203.0.113.10"])
    forwarded = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.10"}

    assert client.get("/api/v1/account/", **forwarded).status_code == 403  # proxy not trusted: 10.0.0.5 is the client
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client.get("/api/v1/account/", **forwarded).status_code == 200
    spoofed = {"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    assert client.get("/api/v1/account/", **spoofed).status_code == 403


def test_a_token_of_one_account_reads_nothing_of_another(account, other_account, api_for, make_department):
    secret = make_department(other_account, name="Hidden department of B")
    mine = make_department(account, name="My department")
    client = api_for(account)

    listing = client.get("/api/v1/departments/").json()

    assert [d["name"] for d in listing["results"]] == ["My department"]
    assert client.get(f"/api/v1/departments/{mine.pk}/").status_code == 200
    assert_tenant_isolated(
        client,
        TenancyCase(
            rows=[secret, other_account],
            secrets=["Hidden department of B", other_account.slug],
            list_urls=["/api/v1/departments/", "/api/v1/departments/?name=Hidden", "/api/v1/account/"],
            object_urls=[f"/api/v1/departments/{secret.pk}/"],
            payload={"name": "stolen"},
            not_found=True,
        ),
    )


def test_filters_and_pagination(account, api_for, make_department):
    for name in ("Sales North", "Sales South", "Support"):
        make_department(account, name=name)
    client = api_for(account)

    page = client.get("/api/v1/departments/?name=sales&page_size=1").json()

    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


def test_too_many_requests_answer_429_with_retry_after(account, api_for, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    client = api_for(account)
    other = api_for(account, name="second")

    statuses = [client.get("/api/v1/account/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/account/")
    assert _error(response)["code"] == "throttled" and int(response["Retry-After"]) > 0
    assert other.get("/api/v1/account/").status_code == 200  # the limit is per token


@pytest.mark.urls(__name__)
def test_legacy_body_credentials_in_the_body(account, token_of):
    token = token_of(account)

    response = APIClient().post(
        "/legacy-echo/", {"User": {"Username": account.owner.username.upper(), "Token": token}}, format="json"
    )

    assert response.status_code == 200 and response.json() == {"account": account.slug}


@pytest.mark.urls(__name__)
def test_legacy_body_credentials_in_the_json_query_parameter(account, token_of):
    import json

    document = json.dumps({"User": {"Username": account.owner.username, "Token": token_of(account)}, "Data": {}})

    response = APIClient().post(f"/legacy-echo/?json={document}")

    assert response.status_code == 200


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("which", ["wrong_token", "wrong_username", "missing"])
def test_legacy_body_credentials_refused(account, other_account, token_of, which):
    user = {
        "wrong_token": {"Username": account.owner.username, "Token": "nope"},
        "wrong_username": {"Username": other_account.owner.username, "Token": token_of(account)},
        "missing": {},
    }[which]

    response = APIClient().post("/legacy-echo/", {"User": user}, format="json")

    assert response.status_code == 401
    assert _error(response)["code"] in {"invalid_token", "username_mismatch", "not_authenticated"}


def test_api_errors_speak_english_unless_asked_otherwise(db):
    plain = APIClient().get("/api/v1/account/")
    hebrew = APIClient().get("/api/v1/account/", HTTP_ACCEPT_LANGUAGE="he")

    assert _error(plain)["message"].startswith("Authentication needed")
    assert _error(hebrew)["message"].startswith("נדרש אימות")
