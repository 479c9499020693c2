"""The SMTP fast path (`EmailComposer.smtp_bytes`) sends the very email `build` makes: parsed, the two agree."""

from email import message_from_bytes, policy
from email.utils import make_msgid

import pytest

from contacts.models import Contact, CustomField, Group, GroupMembership
from marketing.messaging.email import EmailComposer
from marketing.messaging.models import Recipient
from marketing.messaging.pipeline import message_prepare
from marketing.messaging.services import message_create

HEADERS = ("Subject", "From", "To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version")


def _message(account, contacts, *, subject, body):
    group = Group.objects.create(account=account, name="Customers")
    for values in contacts:
        contact = Contact.objects.create(account=account, **values)
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    message = message_create(
        account=account,
        membership=None,
        channel="email",
        name="News",
        sender="shop@example.com",
        subject=subject,
        body=body,
        group_ids=[group.pk],
    )
    return message_prepare(message=message)


def _both(composer, recipient):
    message_id = make_msgid(domain="example.com")
    slow = composer.build(recipient)
    slow.extra_headers["Message-ID"] = message_id
    fast = composer.smtp_bytes(recipient, message_id=message_id)
    assert fast is not None
    parse = lambda data: message_from_bytes(data, policy=policy.default)  # noqa: E731
    return parse(slow.message().as_bytes(linesep="\r\n")), parse(fast), fast


def _same(slow, fast):
    for name in HEADERS:
        # the general path folds a long subject before its first word, which parses as a leading space
        assert str(fast[name]).strip() == str(slow[name]).strip(), name
    assert fast["Date"] is not None
    assert fast.get_content_type() == slow.get_content_type() == "multipart/alternative"
    slow_parts, fast_parts = list(slow.iter_parts()), list(fast.iter_parts())
    assert [p.get_content_type() for p in fast_parts] == [p.get_content_type() for p in slow_parts]
    for s, f in zip(slow_parts, fast_parts, strict=True):
        assert f.get_content() == s.get_content()
        assert f.get_content_charset() == s.get_content_charset() == "utf-8"
        assert f["Content-Transfer-Encoding"] == s["Content-Transfer-Encoding"]


@pytest.mark.parametrize("language", ["he", "en"])
def test_the_spliced_bytes_parse_to_the_email_the_general_path_builds(account, language):
    account.language = language
    account.save()
    CustomField.objects.create(account=account, api_name="city", label="city", kind="text")
    long_line = "<p>" + "מבצע גדול " * 150 + "</p>"  # over 998 bytes on one line: quoted-printable, as Django does
    message = _message(
        account,
        [
            {
                "first_name": "דנה",
                "last_name": "<b>Levi</b> & co",
                "email": "dana@example.com",
                "custom": {"city": "חיפה"},
            },
            {"first_name": "John = \\ \t x", "email": "john@example.org", "custom": {"city": 'Tel "Aviv"'}},
            {"first_name": "", "email": "nobody@example.net"},
        ],
        subject="שלום [#First name#] [#Last name#], a very long subject that has to be folded or split 🎉 [#city#]",
        body=f"<style>p {{ color: red }}</style><p>Hello [#first_name#] [#last_name#] from [#city#]</p>{long_line}"
        '<p><a href="https://shop.example.com/?a=1&b=2">Shop</a></p>',
    )
    composer = EmailComposer(message)
    recipients = list(Recipient.objects.filter(message=message, status=Recipient.Status.QUEUED))
    assert len(recipients) == 3
    for recipient in recipients:
        slow, fast, data = _both(composer, recipient)
        _same(slow, fast)
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # every line ends CRLF, as SMTP wants
    dana = next(r for r in recipients if r.point == "dana@example.com")
    slow, fast, _ = _both(composer, dana)
    html = fast.get_body(("html",)).get_content()
    assert "&lt;b&gt;Levi&lt;/b&gt; &amp; co" in html and "<style" not in html and 'style="color: red' in html
    assert fast["Subject"].startswith("שלום דנה <b>Levi</b> & co, a very long subject") and "חיפה" in fast["Subject"]
    assert fast.get_body(("html",))["Content-Transfer-Encoding"] == "quoted-printable"


def test_an_address_or_subject_the_splice_cannot_carry_takes_the_general_path(account):
    message = _message(
        account,
        [{"first_name": "Dana\r\nBcc: victim@example.com", "email": "dana@example.com"}],
        subject="Hi [#First name#]",
        body="<p>Hi</p>",
    )
    composer = EmailComposer(message)
    recipient = Recipient.objects.get(message=message)
    assert composer.smtp_bytes(recipient, message_id="<x@example.com>") is None  # no header injection
    recipient.point = "דנה@example.com"
    assert composer.smtp_bytes(recipient, message_id="<x@example.com>") is None
