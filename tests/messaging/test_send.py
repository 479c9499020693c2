import threading

import pytest
from django.core import mail
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.utils import DatabaseError

from contacts.models import Contact, Group, GroupMembership, Suppression
from contacts.services import contact_delete
from marketing.accounts.models import Account
from marketing.accounts.roles import Role
from marketing.core.errors import ApplicationError, NotFound
from marketing.messaging.backends import sms as sms_backends
from marketing.messaging.delivery import message_deliver, recipients_interrupted
from marketing.messaging.models import Message, Recipient
from marketing.messaging.pipeline import message_prepare
from marketing.messaging.services import message_cancel, message_create, message_send

Status, Skip = Recipient.Status, Recipient.Skip


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.SMS_BACKEND = "memory"
    sms_backends.outbox.clear()


@pytest.fixture
def group(account):
    return Group.objects.create(account=account, name="Customers")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send now, running the send task the commit queues (as a worker would)."""

    def run(account, message):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(account=account, message=message)
        message.refresh_from_db()
        return message

    return run


def add(account, group, **values) -> Contact:
    contact = Contact.objects.create(account=account, **values)
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def sms(account, group, body="Hello [#first_name#]", **kwargs) -> Message:
    kwargs.setdefault("membership", None)
    return message_create(account=account, channel="sms", name="Sale", body=body, group_ids=[group.pk], **kwargs)


def by_point(message):
    return {r.point: (r.status, r.skip_reason) for r in Recipient.objects.filter(message=message)}


def test_an_sms_reaches_each_phone_once_with_its_values_and_the_opt_out_line(account, group, send):
    account.sms_credits = 100
    account.save()
    add(account, group, first_name="Dana", phone="+972501111111")
    add(account, group, first_name="Avi", phone="+972502222222")

    message = send(account, sms(account, group))

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert sorted((m.to, m.body) for m in sms_backends.outbox) == [
        ("+972501111111", "Hello Dana\nלהסרה השב הסר"),
        ("+972502222222", "Hello Avi\nלהסרה השב הסר"),
    ]
    assert set(by_point(message).values()) == {(Status.SENT, "")}
    account.refresh_from_db()
    assert account.sms_credits == 98  # one UCS-2 segment each


def test_suppressed_points_are_skipped_on_sms_and_on_email(account, group, send):
    account.sms_credits = 10
    account.save()
    add(account, group, phone="+972501111111", email="a@example.com")
    add(account, group, phone="+972502222222", email="b@example.com")
    Suppression.objects.create(account=account, channel="sms", point="+972501111111", source="manual")
    Suppression.objects.create(account=account, channel="email", point="b@example.com", source="manual")

    text = send(account, sms(account, group))
    email = message_create(
        account=account,
        membership=None,
        channel="email",
        name="News",
        sender="shop@example.com",
        subject="Hi",
        body="<p>Hi</p>",
        group_ids=[group.pk],
    )
    email = send(account, email)

    assert by_point(text) == {"+972501111111": (Status.SKIPPED, Skip.SUPPRESSED), "+972502222222": (Status.SENT, "")}
    assert by_point(email) == {"a@example.com": (Status.SENT, ""), "b@example.com": (Status.SKIPPED, Skip.SUPPRESSED)}
    assert [m.to for m in sms_backends.outbox] == ["+972502222222"]
    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_a_shared_phone_gets_one_copy_unless_duplicates_are_allowed_and_the_content_differs(account, group, send):
    account.sms_credits = 10
    account.save()
    for child in ("Noa", "Noa", "Eli"):
        add(account, group, first_name=child, phone="+972501111111")

    once = send(account, sms(account, group, body="Hi"))
    per_child = send(account, sms(account, group, allow_duplicates=True))

    assert Recipient.objects.filter(message=once, status=Status.SENT).count() == 1
    assert Recipient.objects.filter(message=once, skip_reason=Skip.DUPLICATE).count() == 2
    bodies = sorted(m.body.split("\n")[0] for m in sms_backends.outbox[1:])
    assert bodies == ["Hello Eli", "Hello Noa"]
    assert Recipient.objects.filter(message=per_child, skip_reason=Skip.DUPLICATE).count() == 1


def test_excluded_groups_are_left_out(account, group, send):
    account.sms_credits = 10
    account.save()
    vip = Group.objects.create(account=account, name="VIP")
    add(account, group, phone="+972501111111")
    both = add(account, group, phone="+972502222222")
    GroupMembership.objects.create(account=account, group=vip, contact=both)

    message = send(account, sms(account, group, exclude_group_ids=[vip.pk]))

    assert list(by_point(message)) == ["+972501111111"]


def test_an_unknown_placeholder_is_refused_when_the_message_is_saved(account, group):
    with pytest.raises(ApplicationError) as refused:
        sms(account, group, body="Hi [#Nickname#]")

    assert "[#Nickname#]" in refused.value.message
    assert not Message.objects.exists()


def test_another_accounts_group_is_not_found(account, other_account):
    theirs = Group.objects.create(account=other_account, name="Theirs")

    with pytest.raises(NotFound):
        sms(account, theirs)


def test_a_fixed_sender_sends_only_with_their_fixed_name(account, group, make_member):
    member = make_member(account, role=Role.FIXED_SENDER, fixed_sender_name="MyShop")

    with pytest.raises(ApplicationError) as refused:
        sms(account, group, sender="Other", membership=member)
    message = sms(account, group, membership=member)

    assert refused.value.details == {"field": "sender"}
    assert message.sender == "MyShop"


def test_out_of_credits_sends_what_is_paid_for_and_reports_the_rest(account, group, send):
    account.sms_credits = 2
    account.save()
    for n in range(5):
        add(account, group, phone=f"+97250111111{n}")

    message = send(account, sms(account, group))

    message.refresh_from_db()
    account.refresh_from_db()
    assert len(sms_backends.outbox) == 2
    assert Recipient.objects.filter(message=message, skip_reason=Skip.OUT_OF_CREDITS).count() == 3
    assert message.stop_reason == "out_of_credits"
    assert account.sms_credits == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_never_spend_more_credits_than_the_account_has(account):
    account.sms_credits = 5
    account.save()
    group = Group.objects.create(account=account, name="All")
    for n in range(4):
        add(account, group, phone=f"+97250111111{n}")
    messages = [sms(account, group) for _ in range(2)]
    for message in messages:
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    start = threading.Barrier(2)

    def prepare(message):
        start.wait()
        try:
            message_prepare(message=message)
        finally:
            connection.close()

    threads = [threading.Thread(target=prepare, args=(m,)) for m in messages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    reserved = sum(Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("credits_reserved", flat=True))
    assert reserved == 5
    assert Account.objects.get(pk=account.pk).sms_credits == 0
    assert Recipient.objects.filter(status=Status.QUEUED).count() == 5


def test_history_rows_are_refused_on_delete_and_update_by_the_database(account, group, send):
    account.sms_credits = 5
    account.save()
    add(account, group, phone="+972501111111")
    message = send(account, sms(account, group))
    row = Recipient.objects.get(message=message)

    for sql in (
        f"DELETE FROM messaging_recipient WHERE id = {row.pk}",
        f"UPDATE messaging_recipient SET point = '+972509999999' WHERE id = {row.pk}",
        f"UPDATE messaging_recipient SET status = 'queued' WHERE id = {row.pk}",
        f"DELETE FROM messaging_message WHERE id = {message.pk}",
        f"UPDATE messaging_message SET body = 'changed' WHERE id = {message.pk}",
    ):
        with pytest.raises((InternalError, IntegrityError, DatabaseError)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)

    row.refresh_from_db()
    assert (row.point, row.status) == ("+972501111111", Status.SENT)


def test_deleting_a_contact_keeps_its_send_history(account, group, send):
    account.sms_credits = 5
    account.save()
    contact = add(account, group, phone="+972501111111")
    message = send(account, sms(account, group))

    contact_delete(account=account, actor=None, contact=contact)

    row = Recipient.objects.get(message=message)
    assert (row.contact_id, row.point, row.status) == (None, "+972501111111", Status.SENT)


def test_a_worker_killed_mid_batch_never_sends_those_rows_again(account, group):
    account.sms_credits = 5
    account.save()
    add(account, group, phone="+972501111111")
    add(account, group, phone="+972502222222")
    message = sms(account, group)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    message_prepare(message=message)
    in_flight = Recipient.objects.filter(message=message).order_by("pk").first()
    Recipient.objects.filter(pk=in_flight.pk).update(status=Status.SENDING, attempted_at="2026-01-01T00:00Z")

    message_deliver(message=message)

    assert [m.to for m in sms_backends.outbox] == ["+972502222222"]
    assert Recipient.objects.get(pk=in_flight.pk).status == Status.UNKNOWN
    assert recipients_interrupted(message=message) == 0


def test_cancelling_skips_what_is_queued_and_gives_its_credits_back(account, group):
    account.sms_credits = 5
    account.save()
    add(account, group, phone="+972501111111")
    message = sms(account, group)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    message_prepare(message=message)

    message_cancel(account=account, message=message)

    account.refresh_from_db()
    assert by_point(message) == {"+972501111111": (Status.SKIPPED, Skip.CANCELLED)}
    assert account.sms_credits == 5
    assert sms_backends.outbox == []


def test_another_account_cannot_send_or_cancel_the_message(account, other_account, group):
    message = sms(account, group)

    with pytest.raises(NotFound):
        message_send(account=other_account, message=message)
    with pytest.raises(ApplicationError):
        message_cancel(account=other_account, message=message)
