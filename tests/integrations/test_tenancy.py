"""INT-1 with ACC-1: account A reads and changes nothing of account B's connection, runs or errors."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from contacts.models import Contact, Group
from integrations import selectors, services
from integrations.models import Connection, SyncError, SyncRun
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.models import SalesforceConnection
from marketing.core.errors import NotFound

from ..tenancy import TenancyCase, assert_tenant_isolated


def _connection(account, username):
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=SalesforceConnection.AuthFlow.PASSWORD,
        client_id="client-id",
        client_secret="client-secret",
        username=username,
        password="password-and-token",
    )
    return salesforce_services.salesforce_tokens_save(
        account=account,
        connection=connection,
        access_token="access-token",
        instance_url=f"https://{username.split('@')[1]}",
    )


@pytest.fixture
def rows_of_b(other_account):
    connection = _connection(other_account, "integration@b-only.example.test")
    run = services.sync_run_start(account=other_account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    contact = Contact.objects.create(account=other_account, email="bea@b-only.example.test")
    error = services.sync_error_record(
        account=other_account,
        connection=connection,
        run=run,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_id="00QB00000000001AAA",
        contact=contact,
        code="INVALID_EMAIL",
        message="Bad email of B",
    )
    return {"connection": connection, "run": run, "error": error, "contact": contact}


@pytest.fixture
def connection_of_a(account):
    return _connection(account, "integration@a-only.example.test")


def test_selectors_show_only_the_accounts_own_rows(account, connection_of_a, rows_of_b):
    assert selectors.connection_get(account=account, provider="salesforce") == connection_of_a
    assert list(selectors.connection_list(account=account)) == [connection_of_a]
    assert not selectors.sync_runs_list(account=account).exists()
    assert not selectors.sync_errors_list(account=account).exists()
    assert not selectors.sync_errors_list(account=account, state=SyncError.State.PENDING).exists()
    assert not selectors.sync_errors_due(
        account=account, connection=rows_of_b["connection"], now=timezone.now() + timezone.timedelta(days=1)
    ).exists()
    with pytest.raises(NotFound):
        selectors.sync_run_get(account=account, pk=rows_of_b["run"].pk)
    with pytest.raises(NotFound):
        selectors.sync_error_get(account=account, pk=rows_of_b["error"].pk)


def test_without_a_connection_of_its_own_an_account_finds_none(account, rows_of_b):
    assert selectors.connection_find(account=account, provider="salesforce") is None
    with pytest.raises(NotFound):
        selectors.connection_get(account=account, provider="salesforce")


def _calls(rows, group_of_b):
    connection, run, error = rows["connection"], rows["run"], rows["error"]
    return {
        "disconnect": lambda a: services.connection_disconnect(account=a, connection=connection),
        "pause": lambda a: services.connection_pause(account=a, connection=connection, until=None, reason="x"),
        "resume": lambda a: services.connection_resume(account=a, connection=connection),
        "fail": lambda a: services.connection_fail(account=a, connection=connection, code="x", message="x"),
        "test": lambda a: services.connection_test(account=a, connection=connection),
        "tokens": lambda a: salesforce_services.salesforce_tokens_save(
            account=a, connection=connection, access_token="stolen"
        ),
        "settings": lambda a: salesforce_services.salesforce_settings_save(account=a, connection=connection, values={}),
        "run start": lambda a: services.sync_run_start(account=a, connection=connection, kind="full"),
        "run finish": lambda a: services.sync_run_finish(account=a, run=run, state="failed"),
        "run cancel": lambda a: services.sync_run_cancel(account=a, run=run),
        "error record": lambda a: services.sync_error_record(
            account=a,
            connection=connection,
            direction="in",
            object_type="Lead",
            external_id="00QB00000000001AAA",
            code="x",
            message="x",
        ),
        "error retry": lambda a: services.sync_error_retry(account=a, error=error),
        "error resolve": lambda a: services.sync_error_resolve(
            account=a, connection=connection, direction="in", object_type="Lead", external_id="00QB00000000001AAA"
        ),
        "errors resolve": lambda a: services.sync_errors_resolve(
            account=a, connection=connection, direction="in", object_type="Lead", external_ids=["00QB00000000001AAA"]
        ),
        "group of b": lambda a: salesforce_services.salesforce_settings_save(
            account=a,
            connection=selectors.connection_get(account=a, provider="salesforce"),
            values={},
            synced_groups=[group_of_b],
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "disconnect",
        "pause",
        "resume",
        "fail",
        "test",
        "tokens",
        "settings",
        "run start",
        "run finish",
        "run cancel",
        "error record",
        "error retry",
        "error resolve",
        "errors resolve",
        "group of b",
    ],
)
def test_services_refuse_another_accounts_rows(account, connection_of_a, rows_of_b, other_account, name):
    group_of_b = Group.objects.create(account=other_account, name="B's group")
    before = {
        "connection": Connection.objects.filter(pk=rows_of_b["connection"].pk).values().get(),
        "run": SyncRun.objects.filter(pk=rows_of_b["run"].pk).values().get(),
        "error": SyncError.objects.filter(pk=rows_of_b["error"].pk).values().get(),
    }

    with pytest.raises(NotFound):
        _calls(rows_of_b, group_of_b)[name](account)

    assert Connection.objects.filter(pk=rows_of_b["connection"].pk).values().get() == before["connection"]
    assert SyncRun.objects.filter(pk=rows_of_b["run"].pk).values().get() == before["run"]
    assert SyncError.objects.filter(pk=rows_of_b["error"].pk).values().get() == before["error"]


def test_staff_of_another_account_see_nothing_in_the_back_office(
    account, other_account, connection_of_a, rows_of_b, client_for
):
    staff = account.owner
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["integrations", "salesforce"]))
    rows = [rows_of_b["connection"], rows_of_b["run"], rows_of_b["error"]]
    case = TenancyCase(
        rows=rows,
        secrets=["b-only.example.test", "00QB00000000001AAA", "Bad email of B"],
        list_urls=[
            "/admin/integrations/connection/",
            "/admin/integrations/syncrun/",
            "/admin/integrations/syncerror/",
            "/admin/salesforce/apiusage/",
            "/admin/salesforce/salesforceconnection/",
        ],
        object_urls=[
            f"/admin/integrations/connection/{rows_of_b['connection'].pk}/change/",
            f"/admin/integrations/connection/{rows_of_b['connection'].pk}/delete/",
            f"/admin/salesforce/salesforceconnection/{rows_of_b['connection'].pk}/change/",
            f"/admin/integrations/syncrun/{rows_of_b['run'].pk}/change/",
            f"/admin/integrations/syncerror/{rows_of_b['error'].pk}/change/",
        ],
        methods=("get", "post"),
        payload={"post": "yes", "status_message": "taken over"},
    )

    client = client_for(staff)
    assert_tenant_isolated(client, case)
    retry = client.post(
        "/admin/integrations/syncerror/",
        {"action": "retry_now", "_selected_action": [rows_of_b["error"].pk]},
    )
    assert retry.status_code in (200, 302)
    assert SyncError.objects.get(pk=rows_of_b["error"].pk).next_attempt_at == rows_of_b["error"].next_attempt_at
    own = client.get("/admin/salesforce/salesforceconnection/")
    assert own.status_code == 200 and "a-only.example.test" in own.content.decode()
