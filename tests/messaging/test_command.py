import json

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact, Group, GroupMembership, Suppression
from marketing.messaging.backends import sms as sms_backends
from marketing.messaging.services import message_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.SMS_BACKEND = "memory"
    sms_backends.outbox.clear()


def test_send_message_waits_and_prints_counts(account, capsys):
    account.sms_credits = 10
    account.save(update_fields=["sms_credits"])
    group = Group.objects.create(account=account, name="Customers")
    for phone in ("+972501234567", "+972501234568"):
        contact = Contact.objects.create(account=account, phone=phone, first_name="Dana")
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    Suppression.objects.create(account=account, channel="sms", point="+972501234568")
    message = message_create(
        account=account, membership=None, channel="sms", name="Sale", body="Hi [#first_name#]", group_ids=[group.pk]
    )

    call_command("send_message", "--account", account.slug, "--message", str(message.pk), "--wait", "--json")

    result = json.loads(capsys.readouterr().out)
    assert result["id"] == message.pk
    assert result["counts"]["recipients"] == 2
    assert result["counts"]["sent"] + result["counts"]["delivered"] == 1
    assert result["counts"]["skipped_by_reason"] == {"suppressed": 1}
    assert result["counts"]["credits_used"] == 1
    assert len(sms_backends.outbox) == 1


def test_unknown_account_or_message(account):
    with pytest.raises(CommandError):
        call_command("send_message", "--account", "nope", "--message", "1")
    with pytest.raises(CommandError):
        call_command("send_message", "--account", account.slug, "--message", "999999")


@pytest.fixture
def queued(monkeypatch):
    """The ids the send task was queued for (instead of running it)."""
    from marketing.messaging import tasks

    ids = []
    monkeypatch.setattr(tasks.message_run, "delay", lambda message_id: ids.append(message_id))
    return ids


@pytest.fixture
def draft(account):
    account.sms_credits = 10
    account.save(update_fields=["sms_credits"])
    group = Group.objects.create(account=account, name="Customers")
    contact = Contact.objects.create(account=account, phone="+972501234567", first_name="Dana")
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    return message_create(
        account=account, membership=None, channel="sms", name="Sale", body="Hi [#first_name#]", group_ids=[group.pk]
    )


def test_wait_runs_the_message_here_and_queues_no_second_run(
    account, draft, queued, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_message", "--account", account.slug, "--message", str(draft.pk), "--wait", "--json")

    result = json.loads(capsys.readouterr().out)
    assert queued == []  # a worker that is up gets nothing to run alongside this process
    assert result["status"] == "sent" and result["counts"]["recipients"] == 1
    assert [m.to for m in sms_backends.outbox] == ["+972501234567"]


def test_without_wait_the_message_is_queued_once_for_the_workers(
    account, draft, queued, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_message", "--account", account.slug, "--message", str(draft.pk), "--json")

    result = json.loads(capsys.readouterr().out)
    assert queued == [draft.pk]
    assert result["status"] == "sending" and result["counts"]["recipients"] == 0
    assert sms_backends.outbox == []


def test_a_sent_message_is_not_sent_again(account, draft, queued):
    call_command("send_message", "--account", account.slug, "--message", str(draft.pk), "--wait")

    with pytest.raises(CommandError, match="already been sent"):
        call_command("send_message", "--account", account.slug, "--message", str(draft.pk), "--wait")
    assert len(sms_backends.outbox) == 1


def test_another_accounts_message_is_unknown(account, other_account, draft):
    with pytest.raises(CommandError):
        call_command("send_message", "--account", other_account.slug, "--message", str(draft.pk), "--wait")
    draft.refresh_from_db()
    assert draft.status == "draft"
