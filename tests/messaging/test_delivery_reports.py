"""MSG-8, UNS-1: delivery reports — Twilio status callbacks and ESP tracking webhooks (Postmark through anymail)."""

import base64
import json

import pytest
from django.core import mail
from twilio.request_validator import RequestValidator

from contacts.models import Contact, Group, GroupMembership, Suppression
from marketing.messaging.backends.twilio_fake import TwilioFake
from marketing.messaging.delivery import _record, status_callback_token, status_callback_url
from marketing.messaging.models import DeliveryReport, Message, Recipient
from marketing.messaging.pipeline import message_prepare
from marketing.messaging.services import message_create, message_send
from tests.factories import AccountFactory

Status = Recipient.Status
TOKEN = "secret-auth-token"
WEBHOOK_SECRET = "postmark:hook-secret"


@pytest.fixture(autouse=True)
def _hooks(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_URL = "https://mkt.example.com"
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_SECRET}
    settings.SMS_RATE_PER_SECOND = 0
    settings.EMAIL_RATE_PER_SECOND = 0


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(account, message):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(account=account, message=message)
        message.refresh_from_db()
        return message

    return run


def _message(account, channel, points, **kwargs):
    account.sms_credits = 100
    account.save()
    group = Group.objects.create(account=account, name=f"Customers {channel}")
    for point in points:
        contact = Contact.objects.create(account=account, **{"phone" if channel == "sms" else "email": point})
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    extra = {"sender": "shop@example.com", "subject": "News"} if channel == "email" else {"sender": "Shop"}
    return message_create(
        account=account,
        membership=None,
        channel=channel,
        name="Sale",
        body="Hello",
        group_ids=[group.pk],
        **{**extra, **kwargs},
    )


def _recipient(message, point=None) -> Recipient:
    return Recipient.objects.get(message=message, **({"point": point} if point else {}))


def _twilio_post(client, message, form, *, token=None, signature=None):
    path = f"/hooks/sms/twilio/status/{status_callback_token(message) if token is None else token}/"
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(f"https://mkt.example.com{path}", form)
    return client.post(path, form, HTTP_X_TWILIO_SIGNATURE=signature)


def _status(sid, status, error_code=None):
    form = {"AccountSid": "AC" + "f" * 32, "MessageSid": sid, "SmsSid": sid, "MessageStatus": status}
    if error_code:
        form["ErrorCode"] = str(error_code)
    return form


@pytest.fixture
def sent_sms(account, send):
    message = send(account, _message(account, "sms", ["+972501111111", "+972502222222"]))
    assert message.status == Message.Status.SENT
    return message


# --- Twilio status callbacks ---------------------------------------------------------------------------------


def test_every_sms_carries_a_status_callback_naming_its_message(sent_sms):
    from marketing.messaging.backends import sms

    assert {m.status_callback for m in sms.outbox} == {status_callback_url(sent_sms)}
    assert status_callback_url(sent_sms).startswith("https://mkt.example.com/hooks/sms/twilio/status/")


def test_delivered_and_undelivered_callbacks_update_the_recipients(sent_sms, client):
    dana = _recipient(sent_sms, "+972501111111")
    avi = _recipient(sent_sms, "+972502222222")

    assert _twilio_post(client, sent_sms, _status(dana.provider_id, "delivered")).status_code == 204
    assert _twilio_post(client, sent_sms, _status(avi.provider_id, "undelivered", 30003)).status_code == 204

    dana.refresh_from_db()
    avi.refresh_from_db()
    assert (dana.status, avi.status, avi.error_code) == (Status.DELIVERED, Status.FAILED, "30003")
    assert dana.delivered_at is not None and avi.failed_at is not None


def test_sent_queued_and_accepted_change_nothing(sent_sms, client):
    dana = _recipient(sent_sms, "+972501111111")
    for status in ("queued", "accepted", "sent", "sending"):
        assert _twilio_post(client, sent_sms, _status(dana.provider_id, status)).status_code == 204

    dana.refresh_from_db()
    assert dana.status == Status.SENT
    assert not DeliveryReport.objects.exists()


def test_the_same_callback_twice_changes_nothing_the_second_time(sent_sms, client):
    dana = _recipient(sent_sms, "+972501111111")
    _twilio_post(client, sent_sms, _status(dana.provider_id, "delivered"))
    dana.refresh_from_db()
    first = dana.delivered_at

    assert _twilio_post(client, sent_sms, _status(dana.provider_id, "delivered")).status_code == 204

    dana.refresh_from_db()
    assert dana.delivered_at == first
    assert DeliveryReport.objects.filter(provider_id=dana.provider_id).count() == 1


def test_a_late_sent_after_delivered_keeps_delivered(sent_sms, client):
    dana = _recipient(sent_sms, "+972501111111")
    _twilio_post(client, sent_sms, _status(dana.provider_id, "delivered"))
    _twilio_post(client, sent_sms, _status(dana.provider_id, "sent"))

    dana.refresh_from_db()
    assert dana.status == Status.DELIVERED


@pytest.mark.parametrize("signature", ["", "bm90LXRoZS1zaWduYXR1cmU="])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(sent_sms, client, signature):
    dana = _recipient(sent_sms, "+972501111111")

    response = _twilio_post(client, sent_sms, _status(dana.provider_id, "delivered"), signature=signature)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    dana.refresh_from_db()
    assert dana.status == Status.SENT
    assert not DeliveryReport.objects.exists()


def test_a_tampered_token_is_refused(sent_sms, client):
    dana = _recipient(sent_sms, "+972501111111")

    response = _twilio_post(client, sent_sms, _status(dana.provider_id, "delivered"), token="MQ:forged")

    assert response.status_code == 404
    dana.refresh_from_db()
    assert dana.status == Status.SENT


def test_a_callback_for_one_message_cannot_touch_another_accounts_recipient(
    account, other_account, sent_sms, send, client
):
    theirs = send(other_account, _message(other_account, "sms", ["+972503333333"]))
    victim = _recipient(theirs)

    # Signed correctly, but the URL names our message while the sid is theirs.
    response = _twilio_post(client, sent_sms, _status(victim.provider_id, "undelivered", 30007))

    assert response.status_code == 204
    victim.refresh_from_db()
    assert victim.status == Status.SENT
    assert not DeliveryReport.objects.filter(provider_id=victim.provider_id).exists()


def test_a_report_that_arrives_before_the_send_is_recorded_is_applied_when_it_is(account, client, settings):
    message = _message(account, "sms", ["+972501111111"])
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    message = message_prepare(message=Message.objects.get(pk=message.pk))
    row = Recipient.objects.get(message=message)
    Recipient.objects.filter(pk=row.pk).update(status=Status.SENDING)

    # The provider answered and called back; the worker has not written the provider id yet.
    assert _twilio_post(client, message, _status("SM" + "1" * 32, "delivered")).status_code == 204
    report = DeliveryReport.objects.get()
    assert report.applied_at is None
    row.refresh_from_db()
    assert row.status == Status.SENDING

    from marketing.messaging.backends import SmsResult

    _record(message, [row], [SmsResult(provider_id="SM" + "1" * 32)])

    row.refresh_from_db()
    report.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert report.applied_at is not None


@pytest.mark.django_db(transaction=True)
def test_end_to_end_the_twilio_fake_reports_delivery_over_http(live_server, settings):
    account = AccountFactory(name="Live", slug="live")
    settings.PUBLIC_URL = live_server.url
    settings.SMS_BACKEND = "twilio"
    settings.MESSAGE_DELIVERY_WORKERS = 1
    with TwilioFake(auth_token=TOKEN, callbacks=True, undelivered={"+972502222222": 30003}) as fake:
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_API_URL = fake.account_sid, fake.url
        message = _message(account, "sms", ["+972501111111", "+972502222222"])
        message_send(account=account, message=message)  # autocommit: the send runs at once (eager)
        fake.callbacks_wait()

    rows = {r.point: r for r in Recipient.objects.filter(message=message)}
    assert rows["+972501111111"].status == Status.DELIVERED
    assert (rows["+972502222222"].status, rows["+972502222222"].error_code) == (Status.FAILED, "30003")
    assert len(fake.callbacks_sent) == 4
    assert DeliveryReport.objects.filter(applied_at__isnull=True).count() == 0


# --- ESP tracking webhooks (Postmark's payloads through anymail) ---------------------------------------------


def _auth(secret=WEBHOOK_SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _postmark(client, payload, **auth):
    return client.post("/hooks/email/postmark/tracking/", json.dumps(payload), content_type="application/json", **auth)


def _delivery(message_id, email):
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": email,
        "Tag": "",
        "DeliveredAt": "2026-12-05T16:33:54.9070259Z",
        "Details": "smtp;250 2.0.0 OK",
        "Metadata": {},
    }


def _bounce(message_id, email, kind="HardBounce", record="Bounce"):
    return {
        "RecordType": record,
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "shop@example.com",
        "BouncedAt": "2026-12-05T16:33:54.9070259Z",
        "DumpAvailable": False,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "News",
        "Metadata": {},
    }


@pytest.fixture
def sent_email(account, send):
    mail.outbox = []
    message = send(account, _message(account, "email", ["dana@example.com", "avi@example.com"]))
    assert message.status == Message.Status.SENT
    return message


def test_the_emails_message_id_is_kept_as_the_provider_id(sent_email):
    sent = {m.to[0]: m.extra_headers["Message-ID"].strip("<>") for m in mail.outbox}

    assert {r.point: r.provider_id for r in Recipient.objects.filter(message=sent_email)} == sent


def test_an_esp_message_id_from_anymail_is_kept(account, send, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    message = send(account, _message(account, "email", ["dana@example.com"]))

    assert _recipient(message).provider_id == "0"  # anymail's test ESP numbers its messages


def test_delivered_email_is_marked_delivered(sent_email, client):
    dana = _recipient(sent_email, "dana@example.com")

    assert _postmark(client, _delivery(dana.provider_id, dana.point), **_auth()).status_code == 200

    dana.refresh_from_db()
    assert dana.status == Status.DELIVERED
    assert DeliveryReport.objects.get().provider == "postmark"


def test_a_hard_bounce_marks_bounced_and_suppresses_the_point_in_the_messages_account_only(
    account, other_account, sent_email, client
):
    dana = _recipient(sent_email, "dana@example.com")
    Contact.objects.create(account=other_account, email="dana@example.com")

    assert _postmark(client, _bounce(dana.provider_id, dana.point), **_auth()).status_code == 200

    dana.refresh_from_db()
    assert (dana.status, dana.error_code) == (Status.BOUNCED, "bounced")
    suppression = Suppression.objects.get(point="dana@example.com")
    assert (suppression.account_id, suppression.channel, suppression.source) == (account.pk, "email", "bounce")
    assert not Suppression.objects.filter(account=other_account).exists()
    assert _recipient(sent_email, "avi@example.com").status == Status.SENT


def test_a_complaint_suppresses_with_its_source(account, sent_email, client):
    dana = _recipient(sent_email, "dana@example.com")

    payload = _bounce(dana.provider_id, dana.point, kind="SpamComplaint", record="SpamComplaint")
    assert _postmark(client, payload, **_auth()).status_code == 200

    suppression = Suppression.objects.get(account=account, point="dana@example.com")
    assert (suppression.channel, suppression.source) == ("email", "complaint")
    dana.refresh_from_db()
    assert dana.unsubscribed_at is not None


@pytest.mark.parametrize("kind", ["SoftBounce", "Transient"])
def test_a_soft_bounce_or_deferral_changes_nothing(sent_email, client, kind):
    dana = _recipient(sent_email, "dana@example.com")

    assert _postmark(client, _bounce(dana.provider_id, dana.point, kind=kind), **_auth()).status_code == 200

    dana.refresh_from_db()
    assert dana.status == Status.SENT
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("auth", [{}, _auth("postmark:wrong"), _auth("")])
def test_an_email_webhook_without_the_secret_is_refused(sent_email, client, auth):
    dana = _recipient(sent_email, "dana@example.com")

    response = _postmark(client, _bounce(dana.provider_id, dana.point), **auth)

    assert response.status_code == 401
    dana.refresh_from_db()
    assert dana.status == Status.SENT
    assert not Suppression.objects.exists()


def test_email_webhooks_refuse_everyone_while_no_secret_is_configured(sent_email, client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    dana = _recipient(sent_email, "dana@example.com")

    assert _postmark(client, _bounce(dana.provider_id, dana.point), **_auth(":")).status_code == 401
    dana.refresh_from_db()
    assert dana.status == Status.SENT


@pytest.mark.parametrize("body", ["not json", "[]", "\x00"])
def test_a_malformed_email_webhook_is_a_clear_400(client, body):
    response = client.post("/hooks/email/postmark/tracking/", body, content_type="application/json", **_auth())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
