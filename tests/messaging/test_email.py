import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from contacts.models import Contact, Group, GroupMembership
from marketing.messaging.services import message_create, message_send

BODY = (
    "<html><head><style>p.lead { color: red; }</style></head><body>"
    '<p class="lead">Hello [#first_name#]</p><script>alert(1)</script>'
    '<table><tr><td style="padding:4px"><a href="https://shop.example.com/">Shop</a></td></tr></table>'
    "</body></html>"
)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(account, message):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(account=account, message=message)
        message.refresh_from_db()
        return message

    return run


def newsletter(account, first_name="Dana", email="dana@example.com", body=BODY):
    group = Group.objects.create(account=account, name="Customers")
    contact = Contact.objects.create(account=account, first_name=first_name, email=email)
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    return message_create(
        account=account,
        membership=None,
        channel="email",
        name="News",
        sender="shop@example.com",
        subject="Hi [#first_name#]",
        body=body,
        group_ids=[group.pk],
    )


def test_an_email_is_sanitized_inlined_personalized_and_carries_one_click_unsubscribe(account, send, client, settings):
    settings.PUBLIC_URL = "https://mail.example.com"
    account.language = "en"
    account.save()
    send(account, newsletter(account, first_name="<b>Dana</b>"))

    [email] = mail.outbox
    html = email.alternatives[0][0]
    assert email.subject == "Hi <b>Dana</b>"
    assert "&lt;b&gt;Dana&lt;/b&gt;" in html
    assert "<script" not in html and "alert(1)" not in html
    assert 'style="color: red' in html and "<style" not in html
    assert 'style="padding:4px"' in html
    assert "Hello <b>Dana</b>" in email.body and "Shop (https://shop.example.com/)" in email.body
    assert "To stop receiving these emails" in email.body

    url, mailto = (part.strip(" <>") for part in email.extra_headers["List-Unsubscribe"].split(","))
    assert url.startswith("https://mail.example.com/u/") and mailto.startswith("mailto:unsubscribe@")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{url}"' in html
    assert client.get(url.removeprefix("https://mail.example.com")).status_code == 200


def test_the_footer_is_in_the_account_language(account, send):
    account.language = "he"
    account.save()
    send(account, newsletter(account, body="<p>שלום</p>"))
    [email] = mail.outbox
    assert 'dir="rtl"' in email.alternatives[0][0]
    assert "To stop receiving" not in email.body


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


def test_a_real_smtp_send_arrives_with_the_headers(account, send, settings):
    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        send(account, newsletter(account))
    finally:
        controller.stop()
    [envelope] = sink.messages
    assert envelope.rcpt_tos == ["dana@example.com"]
    received = message_from_bytes(envelope.content, policy=policy.default)
    header = str(received["List-Unsubscribe"]).strip()
    assert header.startswith("<http://127.0.0.1:8000/u/") and ", <mailto:unsubscribe@" in header
    assert str(received["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert received.is_multipart() and {p.get_content_type() for p in received.iter_parts()} == {
        "text/plain",
        "text/html",
    }
