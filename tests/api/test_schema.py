"""API-1 base: the OpenAPI schema is served, its docs page works offline, and a schemathesis
run over every operation finds no server error and no response that breaks the schema."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from contacts import services as contact_services
from contacts.models import CustomField
from marketing.tokens.services import token_create
from marketing.tokens.throttling import TokenRateThrottle
from marketing.wsgi import application

# Every check runs on every operation. The schema states types, lengths, ranges, patterns and required fields, so
# a request it allows is accepted, and one it forbids is refused. Some refusals depend on what the account holds
# or on what a file contains, which no schema can state; only the operations that make such a refusal may answer
# a schema-valid request with 400, each for the reason given.
BUSINESS_RULE_REFUSALS = {
    "/api/v1/contacts/": "a group id that is not the account's; a phone filter that is no phone number",
    "/api/v1/contacts/{id}/": "a group id that is not the account's; a contact left without a phone or email",
    "/api/v1/custom-fields/": "an API name reserved for a built-in field; a choice field without choices",
    "/api/v1/custom-fields/{id}/": "a label made only of spaces",
    "/api/v1/groups/": "a name made only of spaces",
    "/api/v1/groups/{id}/": "a name made only of spaces",
    "/api/v1/groups/merge/": "merging a group into itself",
    "/api/v1/imports/": "a file that is not a readable CSV or XLSX; a mapping naming an unknown column or field",
    "/api/v1/messages/": "a group id that is not the account's; an unknown placeholder; an email without a "
    "subject or sender; an SMS sender that is no sender id or phone; a name or body made only of spaces",
}
# Batches answer item by item (SPEC API-4): an item the schema forbids is rejected in the outcomes with its
# reason, and the call succeeds for the others; a call whose every item was refused answers 400 (legacy).
ITEM_BY_ITEM = ["/api/v1/contacts/batch/", "/api/Contact/Update"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            *(
                {
                    "include-path": path,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
                        }
                    },
                }
                for path in BUSINESS_RULE_REFUSALS
            ),
            {
                "include-path": ITEM_BY_ITEM,
                "checks": {
                    "negative_data_rejection": {"enabled": False},
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
                    },
                },
            },
        ]
    }
)
# 25 in the suite; `make bench` (api_fuzz) runs 150 with a fresh search each time.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
# Loaded through the WSGI app itself (no network); generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the test's database
    connection mid-transaction; Django's test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _rate_limits_out_of_the_way(settings, monkeypatch):
    """The limits have tests of their own; here thousands of probes come from one address with one token."""
    settings.API_RATE_ANONYMOUS_PER_IP = "1000000/minute"
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "1000000/minute"})


@pytest.fixture
def bearer(account, make_department):
    make_department(account, name="Sales")
    make_department(account, name="מכירות")
    # Contacts, a group, a custom field and an unsubscribe, so that listings answer with real rows.
    CustomField.objects.create(account=account, api_name="shoe_size", label="מידת נעליים", kind="number")
    group = contact_services.group_create(account=account, actor=None, name="לקוחות")
    contact_services.contacts_upsert(
        account=account,
        rows=[
            {"first_name": "דנה", "phone": "050-1234567", "gender": "female", "birth_date": "1980-07-23"},
            {"email": "avi@example.com", "custom:shoe_size": "42", "custom:Text1": "blue"},
        ],
        source="test",
        groups=[group],
    )
    contact_services.suppressions_add(account=account, points=["0529999999"], reason="asked", source="test")
    return token_create(account=account, actor=account.owner, name="schemathesis").plaintext


def _credentials(case, bearer: str) -> dict:
    """The token, unless the case makes its headers wrong on purpose (a missing or malformed Authorization)."""
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return {}
    return {"Authorization": f"Bearer {bearer}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_every_operation_answers_within_its_schema(case, bearer):
    headers = _credentials(case, bearer)
    response = case.call(headers=headers)

    case.validate_response(response, headers=headers)


def test_the_schema_documents_bearer_auth_and_the_error_shape(client, db):
    document = client.get("/api/schema/?format=json").json()

    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    responses = document["paths"]["/api/v1/departments/"]["get"]["responses"]
    assert {"200", "401", "403", "429"} <= set(responses)


def test_the_docs_page_uses_local_assets(client, db):
    page = client.get("/api/docs/").content.decode()

    assert "swagger-ui" in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()
