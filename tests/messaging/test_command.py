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
