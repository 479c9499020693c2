"""SPEC MSG-6: send history moves into the archive after three months and reads as before."""

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from contacts.models import Contact, Group, GroupMembership
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.schedules import schedules_declared
from marketing.messaging import archive, tasks
from marketing.messaging.archive import message_archive, messages_archive
from marketing.messaging.models import ArchivedRecipient, Message, Recipient
from marketing.messaging.selectors import contact_history, message_counts, recipient_list
from marketing.messaging.services import message_create, message_send

Status = Recipient.Status


@pytest.fixture
def group(account):
    return Group.objects.create(account=account, name="Customers")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
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


def sent_sms(account, group, send, *, name="Sale", finished_days_ago=91) -> Message:
    message = message_create(
        account=account, membership=None, channel="sms", name=name, body="Hi", group_ids=[group.pk]
    )
    message = send(account, message)
    assert message.status == Message.Status.SENT
    Message.objects.filter(pk=message.pk).update(finished_at=timezone.now() - timedelta(days=finished_days_ago))
    message.refresh_from_db()
    return message


@pytest.fixture
def sent(account, group, send):
    """A message sent 91 days ago to two phones, one of them suppressed-free and one with no credits left."""
    account.sms_credits = 1
    account.save()
    dana = add(account, group, first_name="Dana", phone="+972501111111")
    add(account, group, first_name="Avi", phone="+972502222222")
    message = sent_sms(account, group, send)
    return message, dana


def rows(queryset):
    return sorted((r.pk, r.point, r.status, r.skip_reason) for r in queryset)


def test_the_daily_task_moves_old_history_into_the_archive_and_every_reader_still_shows_it(account, sent):
    message, dana = sent
    before_rows = rows(recipient_list(account=account, message=message))
    before_counts = message_counts(message=message)
    before_history = list(contact_history(account=account, contact=dana))
    assert before_counts["sent"] == 1 and before_counts["skipped"] == 1

    assert tasks.messages_archive.delay().get() == 1

    message.refresh_from_db()
    assert message.archived_at is not None
    assert not Recipient.objects.filter(message=message).exists()
    assert rows(ArchivedRecipient.objects.filter(message=message)) == before_rows  # same ids, same content
    assert rows(recipient_list(account=account, message=message)) == before_rows
    assert rows(recipient_list(account=account, message=message, status="sent")) == [
        r for r in before_rows if r[2] == "sent"
    ]
    assert message_counts(message=message) == before_counts
    history = list(contact_history(account=account, contact=dana))
    assert [(h["id"], h["message_name"], h["status"]) for h in history] == [
        (h["id"], h["message_name"], h["status"]) for h in before_history
    ]
    assert [h["archived"] for h in history] == [True]


def test_recent_and_unfinished_messages_stay_where_they_are(account, group, send, settings):
    settings.MESSAGING_ARCHIVE_AFTER_DAYS = 30
    account.sms_credits = 10
    account.save()
    add(account, group, phone="+972501111111")
    recent = sent_sms(account, group, send, name="Recent", finished_days_ago=29)
    old = sent_sms(account, group, send, name="Old", finished_days_ago=31)
    draft = message_create(
        account=account, membership=None, channel="sms", name="Draft", body="Hi", group_ids=[group.pk]
    )

    assert messages_archive() == [old.pk]

    assert Message.objects.filter(archived_at__isnull=False).get() == old
    assert Recipient.objects.filter(message=recent).count() == 1
    with pytest.raises(ApplicationError):
        message_archive(message=draft)


def test_archiving_twice_changes_nothing_the_second_time(account, sent):
    message, _dana = sent
    messages_archive()
    message.refresh_from_db()
    first = (message.archived_at, rows(ArchivedRecipient.objects.filter(message=message)))

    assert messages_archive() == []
    assert message_archive(message=message) is True

    message.refresh_from_db()
    assert (message.archived_at, rows(ArchivedRecipient.objects.filter(message=message))) == first


def test_a_run_stopped_between_chunks_loses_nothing_and_the_next_run_finishes(account, group, send):
    account.sms_credits = 10
    account.save()
    for i in range(5):
        add(account, group, phone=f"+97250111111{i}")
    message = sent_sms(account, group, send)
    everything = rows(Recipient.objects.filter(message=message))

    moved, done = archive._move_chunk(message.pk, now=timezone.now(), batch=2)  # then the worker dies

    assert (moved, done) == (2, False)
    message.refresh_from_db()
    assert message.archived_at is None
    assert Recipient.objects.filter(message=message).count() == 3
    assert message_counts(message=message)["recipients"] == 5  # counted across both tables meanwhile

    assert messages_archive(batch=2) == [message.pk]

    message.refresh_from_db()
    assert message.archived_at is not None
    assert rows(ArchivedRecipient.objects.filter(message=message)) == everything
    assert not Recipient.objects.filter(message=message).exists()


def test_a_message_of_one_chunk_moves_and_is_marked_in_one_transaction(account, sent):
    message, _dana = sent

    moved, done = archive._move_chunk(message.pk, now=timezone.now(), batch=100)

    assert (moved, done) == (2, True)


def test_the_archive_bypass_ends_with_the_move(account, group, send, sent):
    message, _dana = sent
    recent = sent_sms(account, group, send, name="Recent", finished_days_ago=1)

    messages_archive()

    for table, message_id in (("messaging_recipient", recent.pk), ("messaging_archivedrecipient", message.pk)):
        with pytest.raises(DatabaseError, match="Cannot delete"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE message_id = %s", [message_id])
    assert Recipient.objects.filter(message=recent).count() == 2
    assert ArchivedRecipient.objects.filter(message=message).count() == 2


def test_the_archive_has_the_live_tables_columns():
    live = {(f.column, f.get_internal_type()) for f in Recipient._meta.concrete_fields}
    archived = {(f.column, f.get_internal_type()) for f in ArchivedRecipient._meta.concrete_fields}
    assert archived == live


def test_the_archive_runs_daily():
    assert any(
        s.task == "marketing.messaging.tasks.messages_archive" and s.crontab.get("hour") is not None
        for s in schedules_declared()
    )


def test_another_account_reads_none_of_the_archived_history(account, other_account, sent):
    message, dana = sent
    messages_archive()
    message.refresh_from_db()

    assert not recipient_list(account=other_account, message=message).exists()
    with pytest.raises(NotFound):
        contact_history(account=other_account, contact=dana)


@pytest.mark.django_db(transaction=True)
def test_a_row_held_by_another_transaction_waits_for_the_next_run_and_nothing_is_lost(account, group, send):
    account.sms_credits = 10
    account.save()
    for i in range(3):
        add(account, group, phone=f"+97250222222{i}")
    message = sent_sms(account, group, send)
    everything = rows(Recipient.objects.filter(message=message))
    held = everything[0][0]
    locked, release = threading.Event(), threading.Event()

    def hold_a_row():  # a late click or another archive run holding one row
        try:
            with transaction.atomic():
                list(Recipient.objects.select_for_update().filter(pk=held))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_a_row)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert messages_archive(batch=2) == []  # never waits on the held row

        message.refresh_from_db()
        assert message.archived_at is None
        assert list(Recipient.objects.filter(message=message).values_list("pk", flat=True)) == [held]
        assert message_counts(message=message)["recipients"] == 3
    finally:
        release.set()
        holder.join()

    assert messages_archive(batch=2) == [message.pk]
    assert rows(ArchivedRecipient.objects.filter(message=message)) == everything
