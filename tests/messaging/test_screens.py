"""The messages screens (SPEC MSG-1…5, ACC-3): list, compose SMS and email, audience count, preview, test send,
schedule and send now, pause / resume / cancel, roles, tenancy, Hebrew."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Group, GroupMembership, Suppression
from marketing.accounts.roles import Role
from marketing.messaging.backends import sms as sms_backends
from marketing.messaging.models import Message, Recipient
from marketing.messaging.services import message_create
from tests.tenancy import TenancyCase, assert_tenant_isolated

Status = Message.Status


@pytest.fixture
def client(owner_client):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return owner_client


@pytest.fixture
def group(account):
    return Group.objects.create(account=account, name="Customers")


def add(account, group, **values) -> Contact:
    contact = Contact.objects.create(account=account, **values)
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def sms_form(group, **overrides) -> dict:
    data = {
        "name": "Sale",
        "sender": "Shop",
        "body": "Hello [#First name#]",
        "group_ids": [group.pk],
        "action": "save",
    }
    data.update(overrides)
    return data


def email_form(group, **overrides) -> dict:
    data = {
        "name": "News",
        "sender": "news@shop.example",
        "subject": "Hi [#First name#]",
        "body": "<p>Hello [#First name#]</p>",
        "group_ids": [group.pk],
        "action": "save",
    }
    data.update(overrides)
    return data


def draft(account, group, channel="sms", name="Sale", **kwargs) -> Message:
    kwargs.setdefault("body", "Hello [#first_name#]" if channel == "sms" else "<p>Hello [#first_name#]</p>")
    if channel == "email":
        kwargs.setdefault("sender", "news@shop.example")
        kwargs.setdefault("subject", "Hi")
    return message_create(account=account, membership=None, channel=channel, name=name, group_ids=[group.pk], **kwargs)


def field_errors(response, name: str) -> str:
    """The error text shown next to field `name`."""
    html = response.content.decode()
    match = re.search(rf'id="id_{name}_error">(.*?)</div>\s*</div>', html, re.S)
    return match.group(1) if match else ""


# --- the list ---


def test_the_list_shows_each_message_with_its_status_channel_and_counts(client, account, group):
    add(account, group, first_name="Dana", phone="+972501111111")
    sent = draft(account, group)
    Message.objects.filter(pk=sent.pk).update(status=Status.SENT, started_at=timezone.now(), prepared=True)
    Recipient.objects.create(account=account, message=sent, point="+972501111111", status="delivered")
    draft(account, group, channel="email")

    response = client.get("/messages/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-status="sent"') == 1 and html.count('data-status="draft"') == 1
    assert "Delivered" in html and "Email" in html and "SMS" in html
    assert reverse("messaging:message_edit", args=[Message.objects.get(channel="email").pk]) in html


def test_the_list_shows_times_in_the_accounts_zone(client, account, group):
    message = draft(account, group)
    at = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)  # 12:00 in Jerusalem (winter)
    Message.objects.filter(pk=message.pk).update(status=Status.SCHEDULED, scheduled_at=at)

    html = client.get("/messages/").content.decode()

    assert "12:00" in html
    assert "10:00" not in html


def test_a_sending_message_polls_its_progress_and_a_finished_one_stops(client, account, group):
    message = draft(account, group)
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, prepared=True)
    Recipient.objects.create(account=account, message=message, point="+972501111111", status="sent")
    Recipient.objects.create(account=account, message=message, point="+972502222222", status="queued")

    polling = client.get(f"/messages/{message.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in polling
    assert 'data-progress="50"' in polling

    Recipient.objects.filter(message=message, status="queued").update(status="sent")
    Message.objects.filter(pk=message.pk).update(status=Status.SENT)
    finished = client.get(f"/messages/{message.pk}/progress/").content.decode()
    assert "hx-trigger" not in finished
    assert 'data-status="sent"' in finished


def test_pause_resume_and_cancel(client, account, group, django_capture_on_commit_callbacks):
    message = draft(account, group)
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING)

    client.post(f"/messages/{message.pk}/pause/")
    message.refresh_from_db()
    assert message.status == Status.PAUSED

    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/messages/{message.pk}/resume/")
    message.refresh_from_db()
    assert message.status == Status.SENDING

    response = client.post(f"/messages/{message.pk}/cancel/", follow=True)
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert "is cancelled" in response.content.decode()


def test_a_refused_state_change_is_a_message_not_an_error_page(client, account, group):
    message = draft(account, group)

    response = client.post(f"/messages/{message.pk}/pause/", follow=True)

    assert response.status_code == 200
    assert "Only a message that is sending can be paused." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Status.DRAFT


def test_state_changes_need_post(client, account, group):
    message = draft(account, group)
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING)

    assert client.get(f"/messages/{message.pk}/pause/").status_code == 405
    message.refresh_from_db()
    assert message.status == Status.SENDING


# --- compose ---


def test_compose_sms_saves_a_draft_with_lf_newlines(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, body="Hello [#First name#]\r\nSee you\r\n"))

    message = Message.objects.get(account=account)
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:message_edit", args=[message.pk])
    assert (message.channel, message.status, message.sender) == ("sms", Status.DRAFT, "Shop")
    assert message.body == "Hello [#First name#]\nSee you\n"
    assert message.group_ids == [group.pk]


def test_compose_sms_page_has_the_counter_the_opt_out_line_and_the_placeholders(client, account, group):
    html = client.get("/messages/new/sms/").content.decode()

    assert 'data-sms-counter="sms-counter"' in html
    assert "Reply STOP to opt out" in html or "הסר" in html
    assert 'data-placeholder="[#First name#]"' in html
    assert "js/sms_segments.js" in html


def test_compose_email_uses_the_builder_from_local_static_files(client, account, group):
    response = client.get("/messages/new/email/")

    html = response.content.decode()
    assert "vendor/grapesjs/grapes.min.js" in html
    assert "vendor/grapesjs-preset-newsletter/index.js" in html
    assert "cdn" not in html.lower()
    assert "'unsafe-inline'" in response["Content-Security-Policy"].split("style-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_compose_email_saves_subject_and_html(client, account, group):
    response = client.post("/messages/new/email/", email_form(group))

    message = Message.objects.get(account=account)
    assert response.status_code == 302
    assert (message.channel, message.subject, message.sender) == ("email", "Hi [#First name#]", "news@shop.example")
    assert message.body == "<p>Hello [#First name#]</p>"


def test_editing_a_draft_changes_it(client, account, group):
    message = draft(account, group)

    client.post(f"/messages/{message.pk}/edit/", sms_form(group, name="Renamed", body="New text"))

    message.refresh_from_db()
    assert (message.name, message.body) == ("Renamed", "New text")


def test_a_sent_message_cannot_be_edited(client, account, group):
    message = draft(account, group)
    Message.objects.filter(pk=message.pk).update(status=Status.SENT)

    response = client.post(f"/messages/{message.pk}/edit/", sms_form(group, name="Changed"))

    assert response["Location"] == reverse("messaging:message_report", args=[message.pk])
    message.refresh_from_db()
    assert message.name == "Sale"


def test_an_unknown_placeholder_is_refused_on_the_body_naming_it(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, body="Hi [#Shoe size#]"))

    assert response.status_code == 400
    assert "[#Shoe size#]" in field_errors(response, "body")
    assert not Message.objects.exists()


def test_an_empty_body_and_name_are_refused_each_on_its_field(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, body="", name=""))

    assert response.status_code == 400
    assert "Write the message." in field_errors(response, "body")
    assert "Give the message a name." in field_errors(response, "name")
    assert not Message.objects.exists()


def test_an_invalid_sms_sender_is_refused_on_the_sender(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, sender="A very long sender name"))

    assert response.status_code == 400
    assert "11 English letters" in field_errors(response, "sender")


def test_the_fixed_sender_role_sends_only_as_its_name(account, group, make_member, client_for):
    member = make_member(account, role=Role.FIXED_SENDER, fixed_sender_name="MyShop")
    client = client_for(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/messages/new/sms/").content.decode()
    assert re.search(r'<input[^>]*name="sender"[^>]*disabled', page)
    assert 'value="MyShop"' in page

    client.post("/messages/new/sms/", sms_form(group, sender="Other"))
    assert Message.objects.get(account=account).sender == "MyShop"


def test_reports_only_cannot_compose_or_change_state(account, group, make_member, client_for):
    client = client_for(make_member(account, role=Role.REPORTS_ONLY).user)
    message = draft(account, group)
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING)

    assert client.get("/messages/").status_code == 200
    assert client.get("/messages/new/sms/").status_code == 403
    assert client.post(f"/messages/{message.pk}/pause/").status_code == 403
    message.refresh_from_db()
    assert message.status == Status.SENDING


def test_saved_messages_only_sends_a_saved_message_without_changing_it(
    account, group, make_member, client_for, django_capture_on_commit_callbacks
):
    account.sms_credits = 10
    account.save()
    add(account, group, first_name="Dana", phone="+972501111111")
    message = draft(account, group)
    client = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    assert client.get("/messages/new/sms/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/messages/{message.pk}/edit/", sms_form(group, body="Changed", action="send"))

    message.refresh_from_db()
    assert message.body == "Hello [#first_name#]"
    assert message.status == Status.SENT
    assert [m.to for m in sms_backends.outbox] == ["+972501111111"]


def test_another_accounts_group_is_refused(client, account, group, other_account):
    foreign = Group.objects.create(account=other_account, name="Theirs")

    response = client.post("/messages/new/sms/", sms_form(group, group_ids=[group.pk, foreign.pk]))

    assert response.status_code == 400
    assert field_errors(response, "group_ids")
    assert not Message.objects.exists()


# --- audience and preview ---


def test_the_audience_count_leaves_out_suppressed_excluded_and_duplicate_points(client, account, group):
    vip = Group.objects.create(account=account, name="VIP")
    add(account, group, first_name="A", phone="+972501111111")
    add(account, group, first_name="B", phone="+972501111111")  # same phone
    add(account, group, first_name="C", phone="+972502222222")
    gone = add(account, group, first_name="D", phone="+972503333333")
    Suppression.objects.create(account=account, channel="sms", point=gone.phone)
    left_out = add(account, group, first_name="E", phone="+972504444444")
    GroupMembership.objects.create(account=account, group=vip, contact=left_out)
    add(account, group, first_name="F", email="f@example.com")  # no phone

    url = f"/messages/compose/sms/audience/?group_ids={group.pk}&exclude_group_ids={vip.pk}"
    html = client.get(url).content.decode()
    assert 'data-recipients="2"' in html

    with_duplicates = client.get(url + "&allow_duplicates=on").content.decode()
    assert 'data-recipients="3"' in with_duplicates


def test_the_audience_count_is_one_query(client, account, group, django_assert_max_num_queries):
    for i in range(30):
        add(account, group, phone=f"+9725011111{i:02d}")
    from marketing.messaging.preview import audience_count

    with django_assert_max_num_queries(2):  # the account's own groups, then the count
        counts = audience_count(account=account, channel="sms", group_ids=[group.pk])
    assert counts["recipients"] == 30


def test_the_audience_ignores_another_accounts_groups(client, account, other_account):
    theirs = Group.objects.create(account=other_account, name="Theirs")
    add(other_account, theirs, phone="+972501111111")

    html = client.get(f"/messages/compose/sms/audience/?group_ids={theirs.pk}").content.decode()

    assert 'data-recipients="0"' in html
    assert "+972501111111" not in html


def test_the_sms_preview_fills_placeholders_for_the_chosen_contact(client, account, group):
    add(account, group, first_name="Avi", phone="+972501111111")
    dana = add(account, group, first_name="Dana", phone="+972502222222")

    html = client.post(
        "/messages/compose/sms/preview/", {"body": "Hi [#First name#]", "preview_contact": dana.pk}
    ).content.decode()

    assert "Hi Dana" in html
    assert "Avi" not in html
    assert "1 SMS" in html or "SMS (" in html


def test_the_email_preview_is_a_sandboxed_document_with_values_escaped(client, account, group):
    dana = add(account, group, first_name="<b>Dana</b>", email="dana@example.com")

    html = client.post(
        "/messages/compose/email/preview/",
        {"subject": "For [#First name#]", "body": "<p>Hello [#First name#]</p>", "preview_contact": dana.pk},
    ).content.decode()

    assert 'sandbox=""' in html and "srcdoc=" in html
    assert "&lt;b&gt;Dana&lt;/b&gt;" in html  # the subject, escaped
    assert "&amp;lt;b&amp;gt;Dana" in html  # escaped in the email, then again in the srcdoc attribute


def test_the_preview_names_an_unknown_placeholder(client, account, group):
    html = client.post("/messages/compose/sms/preview/", {"body": "Hi [#Shoe size#]"}).content.decode()

    assert "[#Shoe size#]" in html
    assert 'id="preview-error"' in html


def test_the_preview_refuses_another_accounts_contact(client, account, group, other_account):
    theirs = Contact.objects.create(account=other_account, first_name="Secret", phone="+972509999999")

    html = client.post(
        "/messages/compose/sms/preview/", {"body": "Hi [#First name#]", "preview_contact": theirs.pk}
    ).content.decode()

    assert "Secret" not in html
    assert 'id="preview-error"' in html


# --- test send ---


def test_a_test_sms_goes_to_the_typed_phone_and_writes_no_recipient_row(client, account, group):
    account.sms_credits = 5
    account.save()
    dana = add(account, group, first_name="Dana", phone="+972501111111")

    response = client.post(
        "/messages/new/sms/", sms_form(group, action="test", test_to="052-3333333", preview_contact=dana.pk)
    )

    message = Message.objects.get(account=account)
    assert response.status_code == 302
    assert [(m.to, m.body.split("\n")[0], m.sender) for m in sms_backends.outbox] == [
        ("+972523333333", "Hello Dana", "Shop")
    ]
    assert not Recipient.objects.filter(message=message).exists()
    assert message.status == Status.DRAFT
    account.refresh_from_db()
    assert account.sms_credits == 4


def test_a_test_sms_needs_a_phone(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, action="test", test_to=""))

    assert response.status_code == 400
    assert field_errors(response, "test_to")
    assert sms_backends.outbox == []


def test_a_test_email_goes_to_the_users_own_address(client, account, group):
    add(account, group, first_name="Dana", email="dana@example.com")

    client.post("/messages/new/email/", email_form(group, action="test", test_to="someone@else.example"))

    message = Message.objects.get(account=account)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [account.owner.email]
    assert email.subject == "[Test] Hi Dana"
    assert "Hello Dana" in email.alternatives[0][0]
    assert not Recipient.objects.filter(message=message).exists()


def test_the_test_emails_unsubscribe_link_unsubscribes_nobody(client, account, group):
    dana = add(account, group, first_name="Dana", email="dana@example.com")
    client.post("/messages/new/email/", email_form(group, action="test", preview_contact=dana.pk))
    link = re.search(r"<(https?://[^>]+/u/[^>]+/)>", mail.outbox[0].extra_headers["List-Unsubscribe"]).group(1)
    path = "/" + link.split("/", 3)[3]

    response = client.post(path)

    assert response.status_code == 404
    assert not Suppression.objects.filter(account=account).exists()


def test_hostile_ids_are_refused_on_the_form(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, group_ids=["99999999999999999999999", "x"]))
    audience = client.get("/messages/compose/sms/audience/?group_ids=99999999999999999999999&group_ids=-1")

    assert response.status_code == 400
    assert field_errors(response, "group_ids")
    assert audience.status_code == 200 and 'data-recipients="0"' in audience.content.decode()


# --- schedule and send now ---


def test_schedule_in_the_accounts_zone(client, account, group):
    response = client.post("/messages/new/sms/", sms_form(group, action="schedule", scheduled_at="2031-03-01T09:30"))

    message = Message.objects.get(account=account)
    assert response.status_code == 302
    assert message.status == Status.SCHEDULED
    assert message.scheduled_at == datetime(2031, 3, 1, 7, 30, tzinfo=UTC)  # Jerusalem is UTC+2


def test_schedule_refuses_a_past_time(client, account, group):
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post("/messages/new/sms/", sms_form(group, action="schedule", scheduled_at=past))

    assert response.status_code == 400
    assert "future" in field_errors(response, "scheduled_at")
    assert Message.objects.get(account=account).status == Status.DRAFT


def test_send_now_sends_to_the_audience(client, account, group, django_capture_on_commit_callbacks):
    account.sms_credits = 10
    account.save()
    add(account, group, first_name="Dana", phone="+972501111111")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/messages/new/sms/", sms_form(group, action="send"))

    message = Message.objects.get(account=account)
    assert response["Location"] == reverse("messaging:message_list")
    assert message.status == Status.SENT
    assert [m.body.split("\n")[0] for m in sms_backends.outbox] == ["Hello Dana"]


# --- tenancy and language ---


def test_another_accounts_user_gets_404_everywhere(account, group, other_account, client_for):
    message = draft(account, group)
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING)
    stranger = client_for(other_account.owner)

    for url in ("progress", "edit"):
        assert stranger.get(f"/messages/{message.pk}/{url}/").status_code == 404
    for url in ("pause", "resume", "cancel", "edit"):
        assert stranger.post(f"/messages/{message.pk}/{url}/", sms_form(group)).status_code == 404
    message.refresh_from_db()
    assert (message.status, message.name) == (Status.SENDING, "Sale")
    assert "Sale" not in stranger.get("/messages/").content.decode()


def test_the_tenancy_harness_finds_no_leak(account, group, other_account, client_for):
    secret = add(account, group, first_name="Secretname", phone="+972501234567")
    message = draft(account, group, name="Secret campaign")
    stranger = client_for(other_account.owner)
    stranger.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert_tenant_isolated(
        stranger,
        TenancyCase(
            rows=[message, secret, group],
            secrets=["Secret campaign", "Secretname", "+972501234567"],
            list_urls=[
                "/messages/",
                f"/messages/compose/sms/audience/?group_ids={group.pk}",
                "/messages/new/sms/",
            ],
            object_urls=[f"/messages/{message.pk}/{action}/" for action in ("edit", "progress", "pause", "cancel")],
            methods=("get", "post"),
            payload=sms_form(group, action="send"),
            not_found=True,
        ),
    )
    preview = stranger.post("/messages/compose/sms/preview/", {"body": "[#First name#]", "preview_contact": secret.pk})
    assert "Secretname" not in preview.content.decode()


def test_the_hebrew_pages_read_right_to_left(owner_client, account, group):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"
    draft(account, group)

    listing = owner_client.get("/messages/").content.decode()
    compose = owner_client.get("/messages/new/sms/").content.decode()

    assert 'dir="rtl"' in listing and 'dir="rtl"' in compose
    assert "הודעות" in listing and "טיוטה" in listing
    assert "SMS חדש" in listing
    assert "שמירת טיוטה" in compose
    assert 'data-placeholder="[#שם פרטי#]"' in compose
