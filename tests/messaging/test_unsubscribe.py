import pytest
from django.core import mail

from contacts.models import Contact, Group, GroupMembership, Suppression
from marketing.core.errors import NotFound
from marketing.messaging.models import Recipient
from marketing.messaging.services import message_create, message_send
from marketing.messaging.unsubscribe import recipient_unsubscribe, unsubscribe_token, unsubscribe_url


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(account, message):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(account=account, message=message)
        message.refresh_from_db()
        return message

    return run


def recipient_of(account, send, email="dana@example.com") -> Recipient:
    group = Group.objects.create(account=account, name="Customers")
    contact = Contact.objects.create(account=account, first_name="Dana", email=email)
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    message = message_create(
        account=account,
        membership=None,
        channel="email",
        name="News",
        sender="shop@example.com",
        subject="Hi",
        body="<p>Hi</p>",
        group_ids=[group.pk],
    )
    send(account, message)
    return Recipient.objects.get(message=message)


def path_of(recipient) -> str:
    return f"/u/{unsubscribe_token(recipient)}/"


def test_one_click_post_without_cookies_suppresses_and_marks_the_recipient(account, send, client):
    recipient = recipient_of(account, send)
    client.cookies.clear()
    response = client.post(
        path_of(recipient), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    suppression = Suppression.objects.get(account=account, point="dana@example.com")
    assert suppression.channel == "email" and suppression.source == "email_link"
    recipient.refresh_from_db()
    first = recipient.unsubscribed_at
    assert first is not None

    assert client.post(path_of(recipient)).status_code == 200  # again: nothing changes
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at == first
    assert Suppression.objects.filter(account=account, point="dana@example.com").count() == 1


def test_get_asks_and_suppresses_nothing(account, send, client):
    account.language = "en"
    account.save()
    recipient = recipient_of(account, send)
    response = client.get(path_of(recipient))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<form method="post">' in content and "dana@example.com" in content and "<script>" not in content
    assert not Suppression.objects.filter(account=account).exists()
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is None


def test_the_page_is_in_the_account_language(account, send, client):
    account.language = "he"
    account.save()
    recipient = recipient_of(account, send)
    assert "להפסיק לשלוח הודעות" in client.get(path_of(recipient)).content.decode()
    assert "הוסרתם מרשימת התפוצה" in client.post(path_of(recipient)).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_not_found(account, send, client, method):
    recipient = recipient_of(account, send)
    token = unsubscribe_token(recipient)
    bad = ("1" if token[0] != "1" else "2") + token[1:]
    response = getattr(client, method)(f"/u/{bad}/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode() or "אינו תקף" in response.content.decode()
    assert client.get("/u/nonsense/").status_code == 404
    assert not Suppression.objects.exists()
    with pytest.raises(NotFound):
        recipient_unsubscribe(token=bad)


def test_a_token_suppresses_only_in_its_own_account(account, other_account, send):
    mine = recipient_of(account, send)
    theirs = recipient_of(other_account, send)
    recipient_unsubscribe(token=unsubscribe_token(mine))
    assert Suppression.objects.filter(account=account, point="dana@example.com").exists()
    assert not Suppression.objects.filter(account=other_account).exists()
    theirs.refresh_from_db()
    assert theirs.unsubscribed_at is None


def test_the_url_is_short_and_public(account, send, settings):
    settings.PUBLIC_URL = "https://mail.example.com/"
    recipient = recipient_of(account, send)
    url = unsubscribe_url(recipient)
    assert url.startswith("https://mail.example.com/u/") and len(url) < 100
    assert len(mail.outbox) == 1
