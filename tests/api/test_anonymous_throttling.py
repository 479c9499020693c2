"""API-4: requests that do not authenticate (no token, a wrong one, a refused one) are limited per client address,
so a flood gets 429 with Retry-After instead of endless 401s, while valid tokens elsewhere keep working."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

LIMIT = 5
FLOODER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"
WRONG_TOKEN = "mk_aaaaaaaaaaaa_" + "x" * 32


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.API_RATE_ANONYMOUS_PER_IP = f"{LIMIT}/minute"


def wrong_token_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {WRONG_TOKEN}")
    return client


def flood(client: APIClient, url: str = "/api/v1/account/", times: int = LIMIT, **extra) -> list[int]:
    return [client.get(url, REMOTE_ADDR=FLOODER, **extra).status_code for _ in range(times)]


def test_a_flood_of_wrong_tokens_gets_429_with_retry_after(db):
    client = wrong_token_client()
    assert flood(client) == [401] * LIMIT

    response = client.get("/api/v1/account/", REMOTE_ADDR=FLOODER)

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled" and "without a valid API token" in error["message"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_flood_without_any_token_gets_429(db):
    flood(APIClient())

    assert APIClient().get("/api/v1/account/", REMOTE_ADDR=FLOODER).status_code == 429


def test_a_flood_on_the_legacy_endpoint_gets_429(db):
    document = json.dumps({"User": {"Username": "someone", "Token": "a-guessed-custom-token-value"}, "Data": {}})
    client = APIClient()
    assert flood(client, f"/api/Contact/Update?json={document}") == [401] * LIMIT

    response = client.post("/api/Contact/Update", json.loads(document), format="json", REMOTE_ADDR=FLOODER)

    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"


def test_a_valid_token_from_another_address_still_works(account, api_for):
    flood(wrong_token_client(), times=LIMIT + 3)

    response = api_for(account).get("/api/v1/account/", REMOTE_ADDR=ELSEWHERE)

    assert response.status_code == 200


def test_a_throttled_address_gets_no_answer_about_its_tokens(account, api_for):
    # Otherwise a guesser would still learn which guess is right, only more slowly.
    flood(wrong_token_client())

    assert api_for(account).get("/api/v1/account/", REMOTE_ADDR=FLOODER).status_code == 429


def test_calls_with_a_valid_token_do_not_spend_the_budget(account, api_for):
    assert flood(api_for(account), times=LIMIT + 3) == [200] * (LIMIT + 3)

    assert wrong_token_client().get("/api/v1/account/", REMOTE_ADDR=FLOODER).status_code == 401


def test_refused_valid_tokens_spend_the_budget_too(account, api_for):
    outside = api_for(account, allowed_ips=[ELSEWHERE])
    assert flood(outside) == [403] * LIMIT

    assert outside.get("/api/v1/account/", REMOTE_ADDR=FLOODER).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy(account, api_for, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for _ in range(LIMIT):
        wrong_token_client().get("/api/v1/account/", HTTP_X_FORWARDED_FOR=FLOODER, **via_proxy)

    flooder = wrong_token_client().get("/api/v1/account/", HTTP_X_FORWARDED_FOR=FLOODER, **via_proxy)
    neighbour = api_for(account).get("/api/v1/account/", HTTP_X_FORWARDED_FOR=ELSEWHERE, **via_proxy)

    assert flooder.status_code == 429
    assert neighbour.status_code == 200


def test_the_address_may_try_again_after_the_window(db):
    client = wrong_token_client()
    flood(client)

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        response = client.get("/api/v1/account/", REMOTE_ADDR=FLOODER)

    assert response.status_code == 401
