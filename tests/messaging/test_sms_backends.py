"""MSG-9: the SMS backends — Twilio over its HTTP API (against the local fake), the short names, signatures."""

import socket

import pytest
from django.test import RequestFactory
from twilio.request_validator import RequestValidator

from marketing.messaging.backends import (
    SmsAccountError,
    SmsError,
    SmsMessage,
    SmsResult,
    SmsThrottled,
    SmsTransientError,
    sms_backend,
)
from marketing.messaging.backends import sms as sms_module
from marketing.messaging.backends.sms import ConsoleSmsBackend, MemorySmsBackend
from marketing.messaging.backends.twilio_fake import TwilioFake
from marketing.messaging.backends.twilio_signature import twilio_signature_valid
from marketing.messaging.backends.twilio_sms import TwilioSmsBackend

INVALID = "+972500000000"


@pytest.fixture
def fake():
    with TwilioFake(refuse={INVALID: (21211, "Invalid 'To' Phone Number")}) as fake:
        yield fake


@pytest.fixture
def backend(fake):
    with TwilioSmsBackend(account_sid=fake.account_sid, auth_token=fake.auth_token, api_url=fake.url) as backend:
        yield backend


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_twilio_posts_the_form_fields_with_basic_auth(fake, backend):
    result = backend.send(
        SmsMessage(to="+972521234567", body="שלום", sender="Shop", status_callback="https://x.test/hooks/s/1/")
    )

    assert result.provider_id.startswith("SM") and len(result.provider_id) == 34
    assert result.status == "queued"
    (received,) = fake.messages
    assert received == {
        "To": "+972521234567",
        "From": "Shop",
        "Body": "שלום",
        "StatusCallback": "https://x.test/hooks/s/1/",
        "sid": result.provider_id,
    }


def test_twilio_send_many_returns_the_refusal_in_place_and_sends_the_rest(fake, backend):
    results = backend.send_many(
        [SmsMessage(to=to, body="hi", sender="Shop") for to in ("+972521111111", INVALID, "+972522222222")]
    )

    assert isinstance(results[0], SmsResult) and isinstance(results[2], SmsResult)
    assert isinstance(results[1], SmsError)
    assert (results[1].code, results[1].message, results[1].status) == ("21211", "Invalid 'To' Phone Number", 400)
    assert [m["To"] for m in fake.messages] == ["+972521111111", "+972522222222"]


def test_twilio_refusal_raises_from_send(backend):
    with pytest.raises(SmsError) as caught:
        backend.send(SmsMessage(to=INVALID, body="hi", sender="Shop"))
    assert caught.value.code == "21211"


def test_twilio_429_raises_throttled_with_retry_after(fake, backend):
    fake.throttle(1, retry_after=7)

    with pytest.raises(SmsThrottled) as caught:
        backend.send(SmsMessage(to="+972521111111", body="hi", sender="Shop"))

    assert caught.value.retry_after == 7
    assert isinstance(caught.value, SmsTransientError)
    assert backend.send(SmsMessage(to="+972521111111", body="hi", sender="Shop")).status == "queued"


class _FlakyBackend(MemorySmsBackend):
    def send(self, message):
        if message.to == "+972529999999":
            raise SmsThrottled("slow down", retry_after=3)
        return super().send(message)


def test_send_many_raises_transient_errors_with_what_went_before():
    messages = [SmsMessage(to=to, body="hi") for to in ("+972521111111", "+972529999999", "+972522222222")]

    with pytest.raises(SmsThrottled) as caught:
        _FlakyBackend().send_many(messages)

    assert [r.provider_id for r in caught.value.results] == [f"memory-{len(sms_module.outbox)}"]
    assert [m.to for m in sms_module.outbox] == ["+972521111111"]


def test_twilio_wrong_credentials_raise_an_account_error_even_in_send_many(fake):
    with TwilioSmsBackend(account_sid=fake.account_sid, auth_token="wrong", api_url=fake.url) as backend:
        with pytest.raises(SmsAccountError) as caught:
            backend.send_many([SmsMessage(to="+972521111111", body="hi", sender="Shop")])
    assert caught.value.code == "20003"
    assert not fake.messages


def test_twilio_closed_port_raises_transient():
    backend = TwilioSmsBackend(account_sid="AC1", auth_token="t", api_url=f"http://127.0.0.1:{_free_port()}")

    with pytest.raises(SmsTransientError):
        backend.send(SmsMessage(to="+972521111111", body="hi", sender="Shop"))


def test_twilio_keeps_one_connection_for_a_batch(fake, backend):
    backend.send_many([SmsMessage(to=f"+97252111111{i}", body="hi", sender="Shop") for i in range(5)])

    assert len(fake.messages) == 5
    assert fake.connections == 1


def test_twilio_reads_its_settings(settings, fake):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_API_URL = fake.url + "/"

    with sms_backend() as backend:
        assert isinstance(backend, TwilioSmsBackend)
        backend.send(SmsMessage(to="+972521111111", body="hi", sender="Shop"))

    assert len(fake.messages) == 1


@pytest.mark.parametrize(
    "name, cls",
    [
        ("console", ConsoleSmsBackend),
        ("memory", MemorySmsBackend),
        ("twilio", TwilioSmsBackend),
        ("marketing.messaging.backends.sms.MemorySmsBackend", MemorySmsBackend),
    ],
)
def test_sms_backend_honours_short_names_and_dotted_paths(settings, name, cls):
    settings.SMS_BACKEND = name

    assert type(sms_backend()) is cls


def test_memory_backend_keeps_the_outbox():
    result = MemorySmsBackend().send(SmsMessage(to="+972521111111", body="hi"))

    assert sms_module.outbox[-1].to == "+972521111111"
    assert result.provider_id == f"memory-{len(sms_module.outbox)}"


def test_twilio_fake_reports_delivery_signed_to_the_status_callback(live_server, settings):
    settings.TWILIO_AUTH_TOKEN = "fake-auth-token"
    callback = f"{live_server.url}/nowhere/"
    with TwilioFake(auth_token="fake-auth-token", callbacks=True, undelivered={INVALID: 30003}) as fake:
        with TwilioSmsBackend(account_sid=fake.account_sid, auth_token=fake.auth_token, api_url=fake.url) as b:
            b.send(SmsMessage(to=INVALID, body="hi", sender="Shop", status_callback=callback))
        fake.callbacks_wait()

    assert [(c["MessageStatus"], c.get("ErrorCode")) for c in fake.callbacks_sent] == [
        ("sent", None),
        ("undelivered", "30003"),
    ]


# --- X-Twilio-Signature ---------------------------------------------------------------------------------------

FORM = {"From": "+972521234567", "To": "+972531111111", "Body": "STOP", "MessageSid": "SM" + "a" * 32}


def _signed_request(settings, form, *, path="/hooks/sms/twilio/", signed_form=None):
    url = settings.PUBLIC_URL.rstrip("/") + path
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN or "x").compute_signature(url, signed_form or form)
    return RequestFactory().post(path, form, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def signing(settings):
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    settings.PUBLIC_URL = "https://mkt.example.com/"
    return settings


def test_signature_valid_for_a_signed_request(signing):
    assert twilio_signature_valid(_signed_request(signing, FORM))


def test_signature_covers_the_query_string(signing):
    assert twilio_signature_valid(_signed_request(signing, FORM, path="/hooks/sms/twilio/?account=demo"))


def test_signature_invalid_for_a_tampered_body(signing):
    tampered = {**FORM, "Body": "START"}

    assert not twilio_signature_valid(_signed_request(signing, tampered, signed_form=FORM))


def test_signature_invalid_for_another_url(signing):
    request = _signed_request(signing, FORM)

    assert not twilio_signature_valid(request, url="https://elsewhere.example.com/hooks/sms/twilio/")


def test_signature_invalid_without_the_header(signing):
    request = RequestFactory().post("/hooks/sms/twilio/", FORM)

    assert not twilio_signature_valid(request)


def test_signature_invalid_without_an_auth_token(signing):
    request = _signed_request(signing, FORM)
    signing.TWILIO_AUTH_TOKEN = ""

    assert not twilio_signature_valid(request)
