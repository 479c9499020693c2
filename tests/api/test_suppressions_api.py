"""API-1, UNS-1…4: unsubscribes over REST — add and list; never lifted over the API."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts import services
from contacts.models import Suppression, SuppressionEvent

from ..tenancy import TenancyCase, assert_tenant_isolated

URL = "/api/v1/suppressions/"


@pytest.fixture
def api(account, api_for):
    return api_for(account)


def test_add_unsubscribes_phones_from_sms_and_emails_from_email(account, api):
    response = api.post(
        URL, {"points": ["050-1234567", " Dana@Example.com ", "not a point"], "reason": "asked"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["added"], body["already"]) == (2, 0)
    assert body["rejected"][0]["point"] == "not a point" and body["rejected"][0]["reason"]
    stored = set(Suppression.objects.filter(account=account).values_list("channel", "point", "source", "reason"))
    assert stored == {("sms", "+972501234567", "api", "asked"), ("email", "dana@example.com", "api", "asked")}
    assert SuppressionEvent.objects.filter(account=account, action="suppressed", source="api").count() == 2


def test_adding_a_point_twice_counts_it_as_already(account, api):
    api.post(URL, {"points": ["0501234567"]}, format="json")

    again = api.post(URL, {"points": ["+972 50 123 4567"]}, format="json").json()

    assert (again["added"], again["already"]) == (0, 1)
    assert Suppression.objects.filter(account=account).count() == 1


def test_add_validates_its_input(api):
    for body in ({"points": []}, {}, {"points": ["x" * 300]}, {"points": ["0501234567"] * 1001}):
        response = api.post(URL, body, format="json")
        assert response.status_code == 400 and "points" in response.json()["error"]["details"]


def test_list_with_filters(account, api):
    services.suppressions_add(account=account, points=["0501234567", "dana@example.com"], reason="", source="manual")
    Suppression.objects.filter(point="dana@example.com").update(created_at=timezone.now() - dt.timedelta(days=30))
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    def points(**query):
        return [s["point"] for s in api.get(URL, query).json()["results"]]

    assert points() == ["+972501234567", "dana@example.com"]
    assert points(channel="email") == ["dana@example.com"]
    assert points(point="1234567") == ["+972501234567"]
    assert points(point="DANA@") == ["dana@example.com"]
    assert points(created_after=yesterday) == ["+972501234567"]
    assert points(created_before=yesterday) == ["dana@example.com"]
    assert api.get(URL, {"channel": "fax"}).status_code == 400


def test_there_is_no_way_to_resubscribe_over_the_api(account, api):
    services.suppressions_add(account=account, points=["0501234567"], reason="", source="manual")

    assert api.delete(URL).status_code == 405
    assert api.put(URL, {"points": []}, format="json").status_code == 405
    assert Suppression.objects.filter(account=account).count() == 1
    schema = api.get("/api/schema/?format=json").json()
    assert "delete" not in schema["paths"]["/api/v1/suppressions/"]
    assert "re-subscribing" in schema["paths"]["/api/v1/suppressions/"]["post"]["description"].lower()


def test_another_accounts_suppressions_are_never_shown_or_changed(account, other_account, api):
    services.suppressions_add(account=other_account, points=["0507777777", "secret@example.com"], reason="", source="x")
    theirs = list(Suppression.objects.filter(account=other_account))

    assert_tenant_isolated(
        api,
        TenancyCase(
            rows=theirs,
            secrets=["+972507777777", "secret@example.com"],
            list_urls=[URL, f"{URL}?point=7777777", f"{URL}?point=secret", f"{URL}?channel=email"],
        ),
    )
    mine = api.post(URL, {"points": ["0507777777"]}, format="json").json()
    assert (mine["added"], mine["already"]) == (1, 0)  # their unsubscribe is theirs alone
    assert Suppression.objects.filter(account=other_account).count() == 2
