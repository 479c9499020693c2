"""API-1 base: the OpenAPI schema is served, its docs page works offline, and a schemathesis
run over every operation finds no server error and no response that breaks the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contacts import services as contact_services
from contacts.models import CustomField
from marketing.tokens.services import token_create
from marketing.wsgi import application

# Loaded through the WSGI app itself (no network); generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the test's database
    connection mid-transaction; Django's test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_every_operation_answers_within_its_schema(case, bearer):
    response = case.call(headers={"Authorization": f"Bearer {bearer}"})

    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )


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
