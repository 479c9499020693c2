"""HandleEvents=false starts no automation, but never hides a change from the Salesforce sync (SF-8)."""

import pytest
from rest_framework.test import APIClient

from automations.models import Event
from contacts.models import Contact, Group, GroupMembership
from integrations.models import Connection
from integrations.salesforce import tasks as salesforce_tasks
from integrations.salesforce.models import SalesforceSettings
from marketing.tokens.services import token_create


@pytest.fixture
def salesforce(account) -> SalesforceSettings:
    """Connected Salesforce settings that set a removed-from-group marker."""
    connection = Connection.objects.create(
        account=account, provider="salesforce", config={"instance_url": "https://sf.test"}
    )
    return SalesforceSettings.objects.create(
        account=account, connection=connection, deleted_marker_field="GRdeleted__c"
    )


@pytest.fixture
def synced_group(account, salesforce) -> Group:
    group = Group.objects.create(account=account, name="VIP")
    salesforce.synced_groups.add(group)
    return group


@pytest.fixture
def markers_pushed(monkeypatch) -> list:
    pushed = []
    monkeypatch.setattr(
        salesforce_tasks.salesforce_markers_push,
        "delay",
        lambda connection_id, contact_ids: pushed.append((connection_id, contact_ids)),
    )
    return pushed


def _token(account) -> str:
    return token_create(account=account, actor=account.owner, name="API").plaintext


def test_a_legacy_removal_with_handle_events_false_still_queues_the_marker_push(
    account, salesforce, synced_group, markers_pushed, django_capture_on_commit_callbacks
):
    dana = Contact.objects.create(account=account, phone="+972501111111")
    GroupMembership.objects.create(account=account, group=synced_group, contact=dana)
    item = {"ContactId": dana.pk, "RemoveFromGroupNumbers": str(synced_group.pk), "HandleEvents": "false"}
    document = {"User": {"Username": account.owner.username, "Token": _token(account)}, "Data": {"Contacts": [item]}}

    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post("/api/Contact/Update", document, format="json")

    assert response.status_code == 200 and response.json()["Status"] == 1
    assert not synced_group.memberships.exists()
    assert markers_pushed == [(salesforce.connection_id, [dana.pk])]
    left = Event.objects.get(account=account, kind="group.left")
    assert left.payload["handle_events"] is False and left.dispatched_at is not None


def test_a_rest_removal_with_handle_events_false_still_queues_the_marker_push(
    account, salesforce, synced_group, markers_pushed, django_capture_on_commit_callbacks
):
    dana = Contact.objects.create(account=account, phone="+972501111111")
    GroupMembership.objects.create(account=account, group=synced_group, contact=dana)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(account)}")
    body = {"contacts": [{"id": dana.pk, "remove_from_groups": [synced_group.pk]}], "handle_events": False}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/contacts/batch/", body, format="json")

    assert response.status_code == 200, response.content
    assert markers_pushed == [(salesforce.connection_id, [dana.pk])]
