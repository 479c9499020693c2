"""SPEC MSG-6, CON-6: send history is kept by PostgreSQL itself, live and archived, and a contact's screen
shows every message sent to the contact."""

import re
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Group, GroupMembership
from contacts.services import contact_delete, contacts_delete
from marketing.accounts.roles import Role
from marketing.messaging.archive import messages_archive
from marketing.messaging.models import ArchivedRecipient, Message, Recipient
from marketing.messaging.selectors import contact_history
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


def sent_sms(account, group, send, *, name: str, finished_days_ago: int = 0) -> Message:
    message = message_create(
        account=account, membership=None, channel="sms", name=name, body="Hi", group_ids=[group.pk]
    )
    message = send(account, message)
    if finished_days_ago:
        Message.objects.filter(pk=message.pk).update(finished_at=timezone.now() - timedelta(days=finished_days_ago))
    message.refresh_from_db()
    return message


@pytest.fixture
def history(account, group, send):
    """Dana got an old message (archived) and a new one (live)."""
    account.sms_credits = 10
    account.save()
    dana = add(account, group, first_name="Dana", phone="+972501111111")
    old = sent_sms(account, group, send, name="Spring sale", finished_days_ago=120)
    messages_archive()
    new = sent_sms(account, group, send, name="Summer sale")
    old.refresh_from_db()
    assert old.archived_at is not None and new.archived_at is None
    return dana, old, new


def refused(sql: str, params=()) -> str:
    """PostgreSQL's refusal of the statement, or "" when it ran (the test's transaction goes on)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred foreign keys are checked here, not at commit
    except (DatabaseError, IntegrityError) as exc:
        return str(exc) or type(exc).__name__
    return ""


def snapshot(model, message):
    return sorted(model.objects.filter(message=message).values_list("pk", "contact_id", "point", "status", "values"))


# --- immutability, at the database -----------------------------------------------------------------------------


def test_live_rows_refuse_every_change_of_what_was_sent_whatever_the_path(account, history):
    dana, _old, new = history
    other = Contact.objects.create(account=account, phone="+972502222222")
    row = Recipient.objects.get(message=new)
    before = snapshot(Recipient, new)

    for sql in (
        "DELETE FROM messaging_recipient WHERE id = %s",
        "UPDATE messaging_recipient SET point = '+972509999999' WHERE id = %s",
        'UPDATE messaging_recipient SET "values" = \'["someone else"]\' WHERE id = %s',
        "UPDATE messaging_recipient SET status = 'queued' WHERE id = %s",
        "UPDATE messaging_recipient SET created_at = now() - interval '1 year' WHERE id = %s",
        "UPDATE messaging_recipient SET message_id = message_id + 1 WHERE id = %s",
        f"UPDATE messaging_recipient SET contact_id = {other.pk} WHERE id = %s",
    ):
        assert "pgtrigger: Cannot" in refused(sql, [row.pk]), sql
    with pytest.raises(DatabaseError), transaction.atomic():
        Recipient.objects.filter(pk=row.pk).delete()  # the ORM is refused as raw SQL is

    assert snapshot(Recipient, new) == before
    assert before[0][1] == dana.pk


def test_a_sent_message_can_be_neither_deleted_nor_rewritten_nor_moved_back(account, history):
    _dana, old, new = history

    for message in (old, new):
        for sql in (
            "DELETE FROM messaging_message WHERE id = %s",
            "UPDATE messaging_message SET body = 'changed' WHERE id = %s",
            "UPDATE messaging_message SET group_ids = '[]' WHERE id = %s",
            "UPDATE messaging_message SET status = 'sending' WHERE id = %s",
            "UPDATE messaging_message SET status = 'draft' WHERE id = %s",
        ):
            assert "pgtrigger: Cannot" in refused(sql, [message.pk]), sql
    new.refresh_from_db()
    assert (new.status, new.body) == (Message.Status.SENT, "Hi")


def test_archived_rows_refuse_every_change_but_losing_their_deleted_contact(account, history):
    dana, old, _new = history
    other = Contact.objects.create(account=account, phone="+972502222222")
    row = ArchivedRecipient.objects.get(message=old)
    before = snapshot(ArchivedRecipient, old)

    for sql in (
        "DELETE FROM messaging_archivedrecipient WHERE id = %s",
        "UPDATE messaging_archivedrecipient SET point = '+972509999999' WHERE id = %s",
        'UPDATE messaging_archivedrecipient SET "values" = \'["x"]\' WHERE id = %s',
        "UPDATE messaging_archivedrecipient SET status = 'delivered' WHERE id = %s",
        "UPDATE messaging_archivedrecipient SET status = 'queued' WHERE id = %s",
        "UPDATE messaging_archivedrecipient SET clicked_at = now() WHERE id = %s",
        "UPDATE messaging_archivedrecipient SET id = id + 1000000 WHERE id = %s",
        f"UPDATE messaging_archivedrecipient SET contact_id = {other.pk} WHERE id = %s",
    ):
        assert "pgtrigger: Cannot" in refused(sql, [row.pk]), sql
    assert snapshot(ArchivedRecipient, old) == before
    assert before[0][1] == dana.pk

    assert not refused("UPDATE messaging_archivedrecipient SET contact_id = NULL WHERE id = %s", [row.pk])


def test_a_draft_with_no_history_can_still_be_deleted(account, group):
    draft = message_create(
        account=account, membership=None, channel="sms", name="Draft", body="Hi", group_ids=[group.pk]
    )

    assert not refused("DELETE FROM messaging_message WHERE id = %s", [draft.pk])


# --- deleting a contact keeps its history (CON-6) --------------------------------------------------------------


def test_deleting_a_contact_keeps_its_rows_in_both_tables_without_the_contact(account, history):
    dana, old, new = history

    contact_delete(account=account, actor=None, contact=dana)

    assert snapshot(ArchivedRecipient, old)[0][1:4] == (None, "+972501111111", Status.SENT)
    assert snapshot(Recipient, new)[0][1:4] == (None, "+972501111111", Status.SENT)


def test_deleting_contacts_in_bulk_keeps_their_history_too(account, group, history):
    dana, old, new = history
    avi = add(account, group, phone="+972503333333")

    assert contacts_delete(account=account, actor=None, contact_ids=[dana.pk, avi.pk], source="") == 2

    assert ArchivedRecipient.objects.filter(message=old, contact__isnull=True).count() == 1
    assert Recipient.objects.filter(message=new, contact__isnull=True).count() == 1


def test_a_raw_sql_contact_delete_is_refused_rather_than_losing_history(account, history):
    """No path deletes contacts with raw SQL (they all go through contacts_delete and Django's collector, which
    sets contact to null). The foreign keys have no ON DELETE action in the database, so a raw DELETE of a
    contact with history fails instead of taking its history along."""
    dana, old, new = history
    GroupMembership.objects.filter(contact=dana).delete()  # only the send history still points at the contact

    refusal = refused("DELETE FROM contacts_contact WHERE id = %s", [dana.pk])

    assert "messaging_" in refusal and "contact_id" in refusal, refusal

    assert Contact.objects.filter(pk=dana.pk).exists()
    assert snapshot(ArchivedRecipient, old)[0][1] == dana.pk
    assert snapshot(Recipient, new)[0][1] == dana.pk


# --- the contact's send history ---------------------------------------------------------------------------------


def test_contact_history_lists_live_and_archived_rows_newest_first(account, history):
    dana, old, new = history

    rows = list(contact_history(account=account, contact=dana))

    assert [(r["message_name"], r["channel"], r["status"], r["archived"]) for r in rows] == [
        ("Summer sale", "sms", "sent", False),
        ("Spring sale", "sms", "sent", True),
    ]
    assert all(r["sent_at"] and r["point"] == "+972501111111" for r in rows)


def hx_get(client, url, **kwargs):
    return client.get(url, HTTP_HX_REQUEST="true", **kwargs)


def test_the_contacts_screen_loads_its_send_history_from_messaging(account, history, owner_client):
    dana, _old, _new = history
    url = reverse("messaging:contact_history", args=[dana.pk])

    page = owner_client.get(reverse("contacts:edit", args=[dana.pk]))
    assert page.status_code == 200
    assert f'hx-get="{url}"' in page.content.decode()

    partial = hx_get(owner_client, url)

    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.index("Summer sale") < html.index("Spring sale")
    assert html.count('data-status="sent"') == 2
    assert '<bdi dir="ltr">+972501111111</bdi>' in html


def test_the_history_reads_right_to_left_in_hebrew_with_numbers_and_dates_left_to_right(account, history, owner_client):
    dana, _old, _new = history
    account.language = "he"
    account.save()

    html = hx_get(owner_client, reverse("messaging:contact_history", args=[dana.pk])).content.decode()

    assert "נשלח אל" in html  # "Sent to"
    assert '<bdi dir="ltr">+972501111111</bdi>' in html
    assert len(re.findall(r'<bdi dir="ltr">\d\d/\d\d/\d{4} \d\d:\d\d</bdi>', html)) == 2  # each date isolated


def test_a_long_history_comes_in_pages(account, group, send, owner_client):
    account.sms_credits = 100
    account.save()
    dana = add(account, group, phone="+972501111111")
    for i in range(21):
        sent_sms(account, group, send, name=f"Message {i:02d}")
    url = reverse("messaging:contact_history", args=[dana.pk])

    first = hx_get(owner_client, url).content.decode()
    second = hx_get(owner_client, url, data={"page": 2}).content.decode()

    assert "Message 20" in first and "Message 01" in first and "Message 00" not in first
    assert "Message 00" in second and "Message 01" not in second
    assert f'hx-get="{url}?page=2"' in first


def test_a_contact_with_no_history_says_so(account, owner_client):
    lonely = Contact.objects.create(account=account, phone="+972504444444")

    html = hx_get(owner_client, reverse("messaging:contact_history", args=[lonely.pk])).content.decode()

    assert 'id="send-history-empty"' in html


def test_opened_without_htmx_it_goes_to_the_contacts_screen(account, history, owner_client):
    dana, _old, _new = history

    response = owner_client.get(reverse("messaging:contact_history", args=[dana.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:edit", args=[dana.pk]) + "#send-history"


def test_another_accounts_user_gets_404_and_a_role_without_contacts_403(
    account, other_account, history, client_for, make_member
):
    dana, _old, _new = history
    url = reverse("messaging:contact_history", args=[dana.pk])

    assert hx_get(client_for(other_account.owner), url).status_code == 404
    assert hx_get(client_for(make_member(account, role=Role.REPORTS_ONLY).user), url).status_code == 403
    assert hx_get(client_for(make_member(account, role=Role.USER).user), url).status_code == 200
    assert hx_get(client_for(account.owner), reverse("messaging:contact_history", args=[999999])).status_code == 404


def test_hostile_ids_and_pages_get_a_clear_answer(account, history, owner_client):
    dana, _old, _new = history

    assert hx_get(owner_client, "/messages/contact/99999999999999999999999/history/").status_code == 404
    response = hx_get(owner_client, reverse("messaging:contact_history", args=[dana.pk]), data={"page": "x' OR 1=1"})
    assert response.status_code == 200
    assert "Summer sale" in response.content.decode()
