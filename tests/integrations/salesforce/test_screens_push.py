"""SF-10, SF-16 and SF-7 on the screens: past unsubscribes sent to Salesforce from a chosen date, stopping the
sync of one group, and a run's fields changed on both sides."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contacts.models import Contact, Group, GroupMembership
from integrations import services
from integrations.models import Connection, SyncRun
from integrations.salesforce import services as salesforce_services
from integrations.salesforce import tasks
from integrations.salesforce.models import SalesforceSettings
from marketing.accounts.roles import Role
from marketing.core.models import AuditEntry

from ...factories import AccountFactory
from ..test_screens import _connect

BASE = "/integrations/salesforce/"
PAST = f"{BASE}optouts/past/"


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def vip(account) -> Group:
    group = Group.objects.create(account=account, name="VIP")
    for n in range(2):
        contact = Contact.objects.create(account=account, email=f"vip{n}@example.com")
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return group


@pytest.fixture
def connection(account, vip) -> Connection:
    connection = _connect(account)
    salesforce_services.salesforce_settings_save(account=account, connection=connection, values={}, synced_groups=[vip])
    return connection


@pytest.fixture
def queued(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(tasks.salesforce_past_optouts_push, "delay", lambda *args: calls.append(args))
    return calls


def _local(account, when):
    """As the screen shows and reads it: in the account's time zone, to the minute."""
    return timezone.localtime(when, ZoneInfo(account.time_zone)).replace(second=0, microsecond=0)


def _settings(connection) -> SalesforceSettings:
    return SalesforceSettings.objects.get(connection=connection)


# --- past unsubscribes (SF-10) ---


def test_the_connection_screen_offers_a_year_back_when_never_sent(owner_client, account, connection):
    html = owner_client.get(BASE).content.decode()

    year_ago = _local(account, timezone.now() - timedelta(days=365)).strftime("%Y-%m-%dT")
    assert 'id="past-optouts"' in html and "Send unsubscribes since" in html
    assert "Last sent: never" in " ".join(html.split())
    assert f'value="{year_ago}' in html


def test_a_manager_sends_past_unsubscribes(
    owner_client, account, connection, queued, django_capture_on_commit_callbacks
):
    since = _local(account, timezone.now() - timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(PAST, {"since": since.strftime("%Y-%m-%dT%H:%M")}, follow=True)

    assert response.status_code == 200
    assert _settings(connection).optouts_pushed_at == since
    assert queued == [(connection.pk, since.isoformat())]
    assert "are being sent to Salesforce" in response.content.decode()
    assert AuditEntry.objects.filter(account=account, action="salesforce.past_optouts").count() == 1
    # the next send starts where this one did, and the screen says when it was
    html = owner_client.get(BASE).content.decode()
    assert f'value="{since.strftime("%Y-%m-%dT%H:%M")}"' in html and "Last sent: never" not in html


def test_a_date_in_the_future_is_refused(owner_client, account, connection, queued, django_capture_on_commit_callbacks):
    future = _local(account, timezone.now() + timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(PAST, {"since": future.strftime("%Y-%m-%dT%H:%M")}, follow=True)

    assert "Unsubscribes can only be sent from a date in the past" in response.content.decode()
    assert _settings(connection).optouts_pushed_at is None and queued == []


def test_a_member_who_is_not_a_manager_cannot_send(client_for, make_member, account, connection, queued):
    client = client_for(make_member(account, role=Role.USER).user)

    page = client.get(BASE).content.decode()
    response = client.post(PAST, {"since": "2024-01-01T10:00"})

    assert 'id="past-optouts"' in page and f'action="{PAST}"' not in page
    assert response.status_code == 403
    assert _settings(connection).optouts_pushed_at is None and queued == []


# --- synced groups (SF-16) ---


def test_stop_syncing_a_group_keeps_its_contacts(owner_client, account, connection, vip):
    html = owner_client.get(BASE).content.decode()
    assert f'id="synced-group-{vip.pk}"' in html and "Stop syncing" in html

    response = owner_client.post(f"{BASE}groups/{vip.pk}/unsync/", follow=True)

    assert response.status_code == 200 and "no longer syncs with Salesforce" in response.content.decode()
    assert list(_settings(connection).synced_groups.all()) == []
    assert Group.objects.filter(pk=vip.pk).exists() and vip.memberships.count() == 2
    assert Contact.objects.filter(account=account).count() == 2
    assert AuditEntry.objects.filter(account=account, action="salesforce.group_unsync").count() == 1


def test_another_accounts_group_is_not_found(owner_client, connection, vip, other_account):
    theirs = Group.objects.create(account=other_account, name="Theirs")

    response = owner_client.post(f"{BASE}groups/{theirs.pk}/unsync/")

    assert response.status_code == 404
    assert list(_settings(connection).synced_groups.all()) == [vip]


def test_another_accounts_user_cannot_unsync_this_accounts_group(client_for, connection, vip, other_account):
    _connect(other_account, "b-org.example.test")
    client = client_for(other_account.owner)

    response = client.post(f"{BASE}groups/{vip.pk}/unsync/")

    assert response.status_code == 404
    assert list(_settings(connection).synced_groups.all()) == [vip]


def test_a_member_who_is_not_a_manager_cannot_unsync(client_for, make_member, account, connection, vip):
    client = client_for(make_member(account, role=Role.USER).user)

    assert "Stop syncing" not in client.get(BASE).content.decode()
    assert client.post(f"{BASE}groups/{vip.pk}/unsync/").status_code == 403
    assert list(_settings(connection).synced_groups.all()) == [vip]


# --- conflicts in the run detail ---


def test_the_run_detail_lists_fields_changed_on_both_sides(owner_client, account, connection):
    contact = Contact.objects.create(account=account, email="dana@example.com", first_name="Dana")
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    conflict = {
        "contact_id": contact.pk,
        "object": "Lead",
        "record": "00Q000000000001AAA",
        "field": "first_name",
        "winner": "platform",
        "kept": "Dana",
        "lost": "Danielle",
    }
    services.sync_run_finish(account=account, run=run, details={"conflicts": [conflict], "pages": 1})

    html = owner_client.get(f"{BASE}runs/{run.pk}/").content.decode()

    assert "Fields changed on both sides" in html and 'id="run-conflicts"' in html
    row = html[html.index('id="run-conflicts"') :]
    assert f'href="/contacts/{contact.pk}/"' in row and "Danielle" in row and "This platform" in row


def test_a_run_without_conflicts_shows_no_table(owner_client, account, connection):
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    services.sync_run_finish(account=account, run=run, details={"conflicts": 0})

    html = owner_client.get(f"{BASE}runs/{run.pk}/").content.decode()

    assert "Fields changed on both sides" not in html
