"""API-1, MSG-1: messages over REST — write, send (202, once), pause, resume, cancel, read with counts and
recipients; errors per field in the house shape; another account's token sees and touches nothing."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from contacts.models import Contact, Group, GroupMembership, Suppression
from contacts.services import contact_delete
from marketing.messaging.backends import sms as sms_backends
from marketing.messaging.models import Message, Recipient
from marketing.tokens.services import token_create
from tests.tenancy import TenancyCase, assert_tenant_isolated

pytestmark = pytest.mark.django_db

URL = "/api/v1/messages/"


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.SMS_BACKEND = "memory"
    sms_backends.outbox.clear()


def client_of(account) -> APIClient:
    client = APIClient()
    client.default_format = "json"
    plaintext = token_create(account=account, actor=account.owner, name="API").plaintext
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture
def api(account):
    return client_of(account)


@pytest.fixture
def group(account):
    account.sms_credits = 100
    account.save(update_fields=["sms_credits"])
    group = Group.objects.create(account=account, name="Customers")
    for first_name, phone in (("Dana", "+972501111111"), ("Avi", "+972502222222"), ("Noa", "+972503333333")):
        contact = Contact.objects.create(account=account, first_name=first_name, phone=phone)
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    Suppression.objects.create(account=account, channel="sms", point="+972503333333", source="manual")
    return group


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    """post(url, body) -> response, running what the commit queues (the send task, as a worker would)."""

    def run(url, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(url, body or {}, format="json")

    return run


def sms_body(group, **fields) -> dict:
    return {"channel": "sms", "name": "Sale", "body": "Hi [#first_name#]", "group_ids": [group.pk], **fields}


def create(api, group, **fields) -> dict:
    response = api.post(URL, sms_body(group, **fields), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# --- write --------------------------------------------------------------------------------------------------


def test_a_message_is_created_as_a_draft_and_answered_with_its_id(account, api, group):
    response = api.post(URL, sms_body(group, sender="MyShop", allow_duplicates=True), format="json")

    assert response.status_code == 201
    data = response.json()
    message = Message.objects.get(pk=data["id"], account=account)
    assert message.status == "draft" and message.sender == "MyShop" and message.allow_duplicates
    assert data["status"] == "draft" and data["group_ids"] == [group.pk] and data["body"] == "Hi [#first_name#]"
    assert data["counts"]["recipients"] == 0 and data["scheduled_at"] is None
    assert sms_backends.outbox == []


def test_each_refused_field_is_named_in_the_error(api, group):
    response = api.post(URL, {"channel": "email", "name": "News", "body": "<p>Hi</p>", "group_ids": [group.pk]})

    details = error(response, 400)["details"]
    assert set(details) == {"sender", "subject"}
    assert not Message.objects.exists()


def test_an_unknown_placeholder_is_refused_naming_it(api, group):
    response = api.post(URL, sms_body(group, body="Hi [#shoe colour#]"), format="json")

    err = error(response, 400)
    assert err["code"] == "unknown_placeholder"
    assert "[#shoe colour#]" in err["message"]
    assert list(err["details"]) == ["body"] and "[#shoe colour#]" in err["details"]["body"][0]
    assert not Message.objects.exists()


def test_a_group_of_another_account_is_refused_on_its_field(api, group, other_account):
    theirs = Group.objects.create(account=other_account, name="Theirs")

    response = api.post(URL, sms_body(group, exclude_group_ids=[theirs.pk]), format="json")

    err = error(response, 400)
    assert list(err["details"]) == ["exclude_group_ids"] and str(theirs.pk) in err["details"]["exclude_group_ids"][0]
    assert not Message.objects.exists()


def test_an_sms_sender_the_channel_does_not_take_is_refused(api, group):
    response = api.post(URL, sms_body(group, sender="Not a valid sender name"), format="json")

    assert list(error(response, 400)["details"]) == ["sender"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"exclude_group": [1]}, "exclude_group"),  # a misspelt key would otherwise send to everyone
        ({"name": 42}, "name"),
        ({"group_ids": "1"}, "group_ids"),
        ({"group_ids": ["x"]}, "group_ids"),
        ({"group_ids": [2**70]}, "group_ids"),
        ({"allow_duplicates": "yes"}, "allow_duplicates"),
        ({"channel": "fax"}, "channel"),
        ({"body": "x" * 200_001}, "body"),
    ],
)
def test_unknown_fields_and_wrong_types_are_refused_by_name(api, group, fields, field):
    response = api.post(URL, sms_body(group, **fields), format="json")

    assert field in error(response, 400)["details"]
    assert not Message.objects.exists()


def test_unreadable_or_oversized_bodies_are_clean_refusals(api, group, settings):
    assert error(api.post(URL, "[" * 100_000, content_type="application/json"), 400)["code"] == "parse_error"
    surrogate = '{"channel": "sms", "name": "\\ud800", "body": "x", "group_ids": [1]}'
    assert error(api.post(URL, surrogate, content_type="application/json"), 400)["code"] == "parse_error"
    assert error(api.post(URL, [1, 2], format="json"), 400)["code"] == "invalid"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert error(api.post(URL, sms_body(group, body="x" * 5000), format="json"), 413)["code"] == "request_too_large"
    assert not Message.objects.exists()


@pytest.mark.parametrize("pk", ["abc", "-1", "99999999999999999999999", "1.5"])
def test_ids_that_are_no_message_answer_404(api, pk):
    for url in (f"{URL}{pk}/", f"{URL}{pk}/recipients/"):
        assert api.get(url).status_code == 404
    for action in ("send", "pause", "resume", "cancel"):
        assert api.post(f"{URL}{pk}/{action}/", {}, format="json").status_code == 404


def test_no_token_is_a_401(db):
    assert error(APIClient().get(URL), 401)["code"] == "not_authenticated"


# --- read ---------------------------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_filters_by_status_and_channel(api, group):
    first = create(api, group, name="First")
    second = create(api, group, name="Second")
    Message.objects.filter(pk=first["id"]).update(status="cancelled")

    assert [m["name"] for m in api.get(URL).json()["results"]] == ["Second", "First"]
    assert [m["id"] for m in api.get(f"{URL}?status=draft").json()["results"]] == [second["id"]]
    assert [m["id"] for m in api.get(f"{URL}?channel=sms&status=cancelled").json()["results"]] == [first["id"]]
    assert api.get(f"{URL}?channel=email").json()["count"] == 0
    page = api.get(f"{URL}?page_size=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


@pytest.mark.parametrize("query", ["status=done", "channel=fax", "state=draft", "status="])
def test_a_filter_it_does_not_know_is_refused(api, query):
    assert error(api.get(f"{URL}?{query}"), 400)["details"]


# --- send, pause, resume, cancel ------------------------------------------------------------------------------


def test_send_is_accepted_runs_after_commit_and_the_message_reports_its_counts(api, group, post):
    message = create(api, group)

    response = post(f"{URL}{message['id']}/send/")

    assert response.status_code == 202
    assert response.json()["status"] == "sending"  # accepted; the work runs in the background
    assert sorted(m.to for m in sms_backends.outbox) == ["+972501111111", "+972502222222"]
    detail = api.get(f"{URL}{message['id']}/").json()
    assert detail["status"] == "sent" and detail["started_at"] and detail["finished_at"]
    counts = detail["counts"]
    assert counts["recipients"] == 3 and counts["sent"] + counts["delivered"] == 2
    assert counts["skipped"] == 1 and counts["skipped_by_reason"] == {"suppressed": 1}
    assert counts["segments"] == 2 and counts["credits_used"] == 2


def test_a_message_is_sent_once_sending_it_again_is_a_409(api, group, post):
    message = create(api, group)
    post(f"{URL}{message['id']}/send/")

    response = post(f"{URL}{message['id']}/send/")

    assert error(response, 409)["code"] == "message_state"
    assert len(sms_backends.outbox) == 2


def test_send_at_a_time_with_an_offset_schedules_it(api, group, post):
    message = create(api, group)

    response = post(f"{URL}{message['id']}/send/", {"at": "2099-03-01T09:30:00+00:00"})

    assert response.status_code == 202
    assert response.json()["status"] == "scheduled"
    scheduled = Message.objects.get(pk=message["id"])
    assert scheduled.scheduled_at == datetime(2099, 3, 1, 9, 30, tzinfo=UTC)
    assert sms_backends.outbox == []


def test_a_time_without_an_offset_is_read_in_the_accounts_zone(account, api, group, post):
    account.time_zone = "Asia/Jerusalem"
    account.save(update_fields=["time_zone"])
    message = create(api, group)

    post(f"{URL}{message['id']}/send/", {"at": "2099-01-01T09:00:00"})

    assert Message.objects.get(pk=message["id"]).scheduled_at == datetime(2099, 1, 1, 7, 0, tzinfo=UTC)  # UTC+2


@pytest.mark.parametrize("body", [{"at": "tomorrow"}, {"at": 1700000000}, {"when": "2099-01-01T09:00:00Z"}])
def test_a_send_time_that_cannot_be_read_is_refused_and_nothing_is_sent(api, group, post, body):
    message = create(api, group)

    response = post(f"{URL}{message['id']}/send/", body)

    assert error(response, 400)["details"]
    assert Message.objects.get(pk=message["id"]).status == "draft"
    assert sms_backends.outbox == []


def test_pause_resume_and_cancel_follow_the_message_status(api, group):
    message = create(api, group)
    url = f"{URL}{message['id']}"
    assert error(api.post(f"{url}/pause/"), 409)["code"] == "message_state"  # a draft is not sending

    api.post(f"{url}/send/")  # the test's transaction never commits: the message stays "sending"

    paused = api.post(f"{url}/pause/")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert error(api.post(f"{url}/pause/"), 409)["code"] == "message_state"
    resumed = api.post(f"{url}/resume/")
    assert resumed.status_code == 200 and resumed.json()["status"] == "sending"
    assert error(api.post(f"{url}/resume/"), 409)["code"] == "message_state"
    cancelled = api.post(f"{url}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["finished_at"]
    assert error(api.post(f"{url}/cancel/"), 409)["code"] == "message_state"
    assert error(api.post(f"{url}/send/"), 409)["code"] == "message_state"
    assert sms_backends.outbox == []


def test_a_scheduled_message_can_be_cancelled_and_is_never_sent(api, group, post):
    message = create(api, group)
    post(f"{URL}{message['id']}/send/", {"at": "2099-01-01T09:00:00Z"})

    response = post(f"{URL}{message['id']}/cancel/")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert sms_backends.outbox == []


# --- recipients ---------------------------------------------------------------------------------------------


def test_recipients_are_listed_with_their_outcome_and_filter_by_status_and_reason(account, api, group, post):
    message = create(api, group)
    post(f"{URL}{message['id']}/send/")
    url = f"{URL}{message['id']}/recipients/"

    rows = api.get(url).json()["results"]

    assert [r["point"] for r in rows] == ["+972501111111", "+972502222222", "+972503333333"]
    dana = rows[0]
    assert dana["status"] == "sent" and dana["skip_reason"] == "" and dana["segments"] == 1
    assert dana["provider_id"] and dana["sent_at"] and dana["contact"] == Contact.objects.get(phone=dana["point"]).pk
    assert {"id", "error_code", "created_at", "attempted_at", "delivered_at", "failed_at"} <= set(dana)
    skipped = api.get(f"{url}?status=skipped&skip_reason=suppressed").json()["results"]
    assert [(r["point"], r["skip_reason"]) for r in skipped] == [("+972503333333", "suppressed")]
    assert api.get(f"{url}?skip_reason=duplicate").json()["count"] == 0
    page = api.get(f"{url}?page_size=2&page=2").json()
    assert page["count"] == 3 and [r["point"] for r in page["results"]] == ["+972503333333"]
    assert error(api.get(f"{url}?status=gone"), 400)["details"]


def test_a_recipient_keeps_its_row_with_no_contact_once_the_contact_is_deleted(account, api, group, post):
    message = create(api, group)
    post(f"{URL}{message['id']}/send/")
    contact_delete(account=account, actor=None, contact=Contact.objects.get(phone="+972501111111"))

    rows = api.get(f"{URL}{message['id']}/recipients/").json()["results"]

    assert (rows[0]["point"], rows[0]["contact"], rows[0]["status"]) == ("+972501111111", None, "sent")


# --- tenancy ------------------------------------------------------------------------------------------------


def test_another_accounts_token_gets_404_everywhere_and_changes_nothing(account, other_account, api, group, post):
    sent = create(api, group, name="Secret sale of A", body="Secret text of A [#first_name#]")
    post(f"{URL}{sent['id']}/send/")
    scheduled = create(api, group, name="Scheduled secret of A")
    post(f"{URL}{scheduled['id']}/send/", {"at": "2099-01-01T09:00:00Z"})
    draft = create(api, group, name="Draft secret of A")
    rows = [*Message.objects.filter(account=account), *Recipient.objects.filter(account=account)]
    outbox = len(sms_backends.outbox)
    urls = [
        f"{URL}{pk}/{suffix}"
        for pk in (sent["id"], scheduled["id"], draft["id"])
        for suffix in ("", "send/", "pause/", "resume/", "cancel/", "recipients/")
    ]

    assert_tenant_isolated(
        client_of(other_account),
        TenancyCase(
            rows=rows,
            secrets=["Secret sale of A", "Scheduled secret of A", "Draft secret of A", "+972501111111"],
            list_urls=[URL, f"{URL}?status=sent", f"{URL}?status=scheduled"],
            object_urls=urls,
            not_found=True,
        ),
    )
    assert len(sms_backends.outbox) == outbox


def test_a_token_cannot_send_to_another_accounts_group(api, group, other_account):
    theirs = Group.objects.create(account=other_account, name="Theirs")

    response = api.post(URL, sms_body(group, group_ids=[theirs.pk]), format="json")

    assert list(error(response, 400)["details"]) == ["group_ids"]


# --- schema -------------------------------------------------------------------------------------------------


def test_the_schema_documents_every_message_operation(client):
    document = client.get("/api/schema/?format=json").json()
    paths = document["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/messages/"])
    create_op = paths["/api/v1/messages/"]["post"]
    assert {"201", "400"} <= set(create_op["responses"])
    assert "requestBody" in create_op
    send_op = paths["/api/v1/messages/{id}/send/"]["post"]
    assert {"202", "404", "409"} <= set(send_op["responses"])
    for action in ("pause", "resume", "cancel"):
        assert {"200", "409"} <= set(paths[f"/api/v1/messages/{{id}}/{action}/"]["post"]["responses"])
    detail = paths["/api/v1/messages/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert detail["$ref"].endswith("/MessageDetailOutput")
    schemas = document["components"]["schemas"]
    assert schemas["MessageCreateInputRequest"]["additionalProperties"] is False
    assert "counts" in schemas["MessageDetailOutput"]["properties"]
    recipients = paths["/api/v1/messages/{id}/recipients/"]["get"]
    assert {"status", "skip_reason", "page", "page_size"} <= {p["name"] for p in recipients["parameters"]}
