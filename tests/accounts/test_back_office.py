"""The back office for the people who run the platform (ACC-1, UX-3): a documented command makes an operator,
and the pages he needs — accounts, users, failed jobs, sync errors, events — show what went wrong, each cut to
an account manager's own accounts (DECISIONS: the back office has two kinds of operator)."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils.translation import gettext_noop

from automations.models import Event, EventDelivery
from contacts.models import BulkJob, ImportJob
from integrations.models import Connection, SyncError
from marketing.accounts.models import User
from marketing.core.models import BackgroundJob
from marketing.core.texts import stored

from ..factories import PASSWORD

FAILED = BackgroundJob.Status.FAILED
OPERATOR_PASSWORD = "Operator-pass-2024"


def test_createsuperuser_makes_an_operator_who_opens_the_back_office(db, monkeypatch):
    """The command README and OPERATIONS give, without questions."""
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "operator")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OPERATOR_PASSWORD)

    call_command("createsuperuser", "--noinput", stdout=StringIO())

    client = Client()
    signed_in = client.post("/admin/login/", {"username": "operator", "password": OPERATOR_PASSWORD, "next": "/admin/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    page = index.content.decode()
    for section in (
        "accounts/account",
        "accounts/user",
        "contacts/importjob",
        "contacts/bulkjob",
        "integrations/syncerror",
        "automations/event",
        "automations/eventdelivery",
        "django_celery_results/taskresult",
    ):
        assert f'href="/admin/{section}/"' in page, section


# --- what went wrong, in two accounts ---------------------------------------------------------------------------


def _troubles(account, tag: str) -> Connection:
    """A failed and a finished import, a failed bulk action, a sync error that gave up and a delivery that gave up."""
    connection = Connection.objects.create(account=account, provider="salesforce")
    ImportJob.objects.create(account=account, filename=f"{tag}-broken.csv", status=FAILED, error=f"{tag} unreadable")
    ImportJob.objects.create(account=account, filename=f"{tag}-fine.csv", status=BackgroundJob.Status.DONE)
    BulkJob.objects.create(account=account, action=BulkJob.Action.DELETE, status=FAILED, error=f"{tag} bulk broke")
    SyncError.objects.create(
        account=account,
        connection=connection,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_id=f"00Q{tag}",
        code="INVALID_EMAIL_ADDRESS",
        message=f"{tag} bad email",
        state=SyncError.State.DEAD,
    )
    event = Event.objects.create(account=account, kind="contact.unsubscribed", payload={"tag": tag})
    EventDelivery.objects.create(
        account=account,
        event=event,
        consumer="salesforce.optouts",
        state=EventDelivery.State.DEAD,
        attempts=5,
        last_error=f'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: {tag} consumer broke\n',
    )
    return connection


@pytest.fixture
def connections(account, other_account):
    return _troubles(account, "alpha"), _troubles(other_account, "beta")


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", "ops@example.com", PASSWORD)


@pytest.fixture
def staff_of_b(other_account):
    """The manager of account B with every model permission, but not a superuser."""
    user = other_account.owner
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    return user


def test_the_operators_lists_show_every_accounts_rows_and_what_went_wrong(
    operator, client_for, account, other_account, connections
):
    alpha, beta = connections
    client = client_for(operator)
    pages = {
        "/admin/accounts/account/": ["Account A", "Account B"],
        "/admin/accounts/user/": [account.owner.username, other_account.owner.username],
        "/admin/contacts/importjob/?status__exact=failed": ["alpha-broken.csv", "alpha unreadable", "beta unreadable"],
        "/admin/contacts/bulkjob/?status__exact=failed": ["alpha bulk broke", "beta bulk broke"],
        "/admin/integrations/syncerror/?state__exact=dead": ["alpha bad email", "beta bad email"],
        "/admin/automations/event/": ["contact.unsubscribed"],
        "/admin/automations/eventdelivery/?state__exact=dead": [
            "ValueError: alpha consumer broke",
            "ValueError: beta consumer broke",
        ],
    }

    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for text in shown:
            assert text in page, (url, text)

    failed_only = client.get("/admin/contacts/importjob/?status__exact=failed").content.decode()
    assert "alpha-fine.csv" not in failed_only


def test_sync_errors_filter_by_connection_named_with_its_account(operator, client_for, connections):
    alpha, beta = connections
    client = client_for(operator)

    listing = client.get("/admin/integrations/syncerror/").content.decode()
    filtered = client.get(f"/admin/integrations/syncerror/?connection__id__exact={alpha.pk}").content.decode()

    assert "Account A · salesforce" in listing and "Account B · salesforce" in listing
    assert "alpha bad email" in filtered and "beta bad email" not in filtered


def test_a_failed_imports_page_tells_its_error_in_the_readers_language(operator, client_for, account):
    job = ImportJob.objects.create(
        account=account,
        filename="stopped.csv",
        status=FAILED,
        error=stored(gettext_noop("The import stopped on an unexpected error: %(error)s"), error="disk full"),
    )
    client = client_for(operator)

    listing = client.get("/admin/contacts/importjob/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    detail = client.get(f"/admin/contacts/importjob/{job.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")

    assert "The import stopped on an unexpected error: disk full" in listing
    assert detail.status_code == 200
    assert "The import stopped on an unexpected error: disk full" in detail.content.decode()


def test_an_account_manager_sees_only_his_accounts_rows(staff_of_b, client_for, connections):
    client = client_for(staff_of_b)
    pages = {
        "/admin/contacts/importjob/?status__exact=failed": ("beta unreadable", "alpha"),
        "/admin/contacts/bulkjob/?status__exact=failed": ("beta bulk broke", "alpha"),
        "/admin/integrations/syncerror/?state__exact=dead": ("beta bad email", "alpha"),
        "/admin/automations/eventdelivery/?state__exact=dead": ("beta consumer broke", "alpha"),
    }

    for url, (own, others) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert own in page, url
        assert others not in page and "Account A" not in page, url


def test_jobs_are_the_workers_to_change(operator, client_for, connections):
    client = client_for(operator)
    job = ImportJob.objects.filter(status=FAILED).first()

    changed = client.post(f"/admin/contacts/importjob/{job.pk}/change/", {"status": "done"})
    deleted = client.post(f"/admin/contacts/importjob/{job.pk}/delete/", {"post": "yes"})

    assert changed.status_code == 403 and deleted.status_code == 403
    job.refresh_from_db()
    assert job.status == FAILED
