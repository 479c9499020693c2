"""INT-1 connections, runs and per-record errors; INT-2 credentials encrypted at rest."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.db import connection as db
from django.utils import timezone

from contacts.models import Contact, Group
from integrations import registry, selectors, services
from integrations.models import Connection, SyncError, SyncRun
from integrations.salesforce import auth
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.models import SalesforceConnection, SalesforceSettings
from integrations.salesforce.provider import SalesforceProvider
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.fields import decrypt_text
from marketing.core.models import AuditEntry

SECRETS = {
    "client_secret": "client-secret-value-1234",
    "password": "hunter2SECURITYTOKEN",
    "jwt_private_key": "-----BEGIN PRIVATE KEY-----not-a-real-key",
}


@pytest.fixture
def connection(account) -> Connection:
    return salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        client_id="client-id",
        client_secret=SECRETS["client_secret"],
    )


def _raw(pk: int, column: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- INT-2 --------------------------------------------------------------------------------------------


def test_credentials_and_tokens_are_encrypted_at_rest(account, connection):
    salesforce_services.salesforce_connection_save(
        account=account,
        auth_flow=SalesforceConnection.AuthFlow.PASSWORD,
        username="integration@example.com",
        password=SECRETS["password"],
        jwt_private_key=SECRETS["jwt_private_key"],
    )
    salesforce_services.salesforce_tokens_save(
        account=account, connection=connection, access_token="00Dxx!access-token", refresh_token="5Aep-refresh-token"
    )

    plain = {**SECRETS, "access_token": "00Dxx!access-token", "refresh_token": "5Aep-refresh-token"}
    stored = _raw(connection.pk, "credentials") + _raw(connection.pk, "config::text")
    for name, value in plain.items():
        assert value not in stored, name
    assert json.loads(decrypt_text(_raw(connection.pk, "credentials"))) == plain
    fresh = SalesforceConnection.objects.get(pk=connection.pk)
    assert {name: getattr(fresh, name) for name in plain} == plain


def test_the_config_keeps_the_settings_in_the_clear_and_they_read_back(account, connection):
    salesforce_services.salesforce_tokens_save(
        account=account, connection=connection, access_token="a", instance_url="https://org.example.test/"
    )

    assert json.loads(_raw(connection.pk, "config::text")) == {
        "auth_flow": "client_credentials",
        "client_id": "client-id",
        "instance_url": "https://org.example.test",
        "login_url": "https://login.example.test",
    }
    fresh = SalesforceConnection.objects.get(pk=connection.pk)
    assert (fresh.login_url, fresh.instance_url, fresh.auth_flow, fresh.client_id, fresh.ca_bundle) == (
        "https://login.example.test",
        "https://org.example.test",
        SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        "client-id",
        "",
    )


def test_a_generic_connection_reads_as_a_salesforce_one_without_a_query(account, connection, django_assert_num_queries):
    generic = Connection.objects.select_related("account").get(pk=connection.pk)

    with django_assert_num_queries(0):
        typed = SalesforceConnection.of(generic)
        assert (typed.pk, typed.client_id, typed.client_secret) == (
            connection.pk,
            "client-id",
            SECRETS["client_secret"],
        )
        assert typed.account == account
    assert SalesforceConnection.of(typed) is typed


def test_one_connection_per_account_and_provider(account, connection):
    again = salesforce_services.salesforce_connection_save(account=account, client_id="another-client-id")

    assert again.pk == connection.pk and again.client_id == "another-client-id"
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(account=account, provider="salesforce")


def test_new_credentials_drop_the_saved_tokens_and_clear_an_error(account, connection):
    salesforce_services.salesforce_tokens_save(
        account=account, connection=connection, access_token="a", refresh_token="r"
    )
    services.connection_fail(account=account, connection=connection, code="salesforce_reconnect", message="Reconnect")

    saved = salesforce_services.salesforce_connection_save(account=account, client_secret="a-new-secret")

    assert (saved.access_token, saved.refresh_token) == ("", "")
    assert saved.state == Connection.State.ACTIVE and saved.status_message == ""


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"login_url": "http://login.example.test"}, "login_url"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle"),
        ({"daily_share_percent": 0}, "daily_share_percent"),
        ({"auth_flow": SalesforceConnection.AuthFlow.PASSWORD}, "username"),
    ],
)
def test_connection_save_refuses_what_cannot_work(account, connection, values, field):
    with pytest.raises(ApplicationError) as refused:
        salesforce_services.salesforce_connection_save(account=account, **values)

    assert refused.value.details == {"field": field}


def test_connection_save_refuses_an_unknown_provider(account):
    with pytest.raises(NotFound):
        services.connection_save(account=account, provider="nowhere", config={"login_url": "https://x.example.test"})


def test_saving_is_audited_without_secret_values(account, connection):
    entry = AuditEntry.objects.filter(account=account, action="connection.create").get()

    assert "client_secret" in entry.data["changed"]
    assert SECRETS["client_secret"] not in str(entry.data)


def test_disconnect_revokes_wipes_tokens_and_cancels_running_runs(account, connection, monkeypatch):
    revoked = []
    monkeypatch.setattr(auth, "revoke", lambda **kw: revoked.append(kw["token"]) or True)
    salesforce_services.salesforce_tokens_save(
        account=account, connection=connection, access_token="a", refresh_token="r"
    )
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)

    services.connection_disconnect(account=account, connection=connection)

    connection.refresh_from_db()
    run.refresh_from_db()
    assert revoked == ["r"]
    assert (connection.access_token, connection.refresh_token) == ("", "")
    assert connection.client_secret == SECRETS["client_secret"]  # reconnecting reuses the app's secret
    assert connection.state == Connection.State.DISCONNECTED
    assert run.state == SyncRun.State.CANCELLED
    assert AuditEntry.objects.filter(account=account, action="connection.disconnect").exists()


def test_disconnect_goes_through_when_the_provider_cannot_be_reached(account, connection, monkeypatch):
    def unreachable(**kwargs):
        raise auth.SalesforceUnavailable("down")

    monkeypatch.setattr(auth, "revoke", unreachable)
    salesforce_services.salesforce_tokens_save(account=account, connection=connection, access_token="a")

    services.connection_disconnect(account=account, connection=connection)

    assert Connection.objects.get(pk=connection.pk).state == Connection.State.DISCONNECTED


def test_a_paused_connection_refuses_runs_until_its_pause_ends(account, connection):
    services.connection_pause(
        account=account, connection=connection, until=timezone.now() + dt.timedelta(hours=1), reason="limit"
    )
    with pytest.raises(ApplicationError) as refused:
        services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    assert refused.value.code == "connection_paused"

    Connection.objects.filter(pk=connection.pk).update(paused_until=timezone.now() - dt.timedelta(seconds=1))
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)

    assert run.state == SyncRun.State.RUNNING
    assert Connection.objects.get(pk=connection.pk).state == Connection.State.ACTIVE


def test_resume_ends_a_pause_at_once(account, connection):
    services.connection_pause(account=account, connection=connection, until=None, reason="by hand")

    services.connection_resume(account=account, connection=connection)

    connection.refresh_from_db()
    assert (connection.state, connection.paused_until, connection.status_message) == ("active", None, "")


@pytest.mark.parametrize("state", [Connection.State.DISCONNECTED, Connection.State.ERROR])
def test_runs_do_not_start_on_a_connection_that_needs_a_person(account, connection, state):
    Connection.objects.filter(pk=connection.pk).update(state=state)

    with pytest.raises(ApplicationError):
        services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.FULL)


@pytest.mark.parametrize(
    ("kwargs", "state"),
    [
        ({"records_in": 10}, SyncRun.State.SUCCEEDED),
        ({"records_in": 10, "records_failed": 2}, SyncRun.State.PARTIAL),
        ({"records_in": 3, "stop_reason": "hourly API budget reached"}, SyncRun.State.STOPPED),
        ({"state": SyncRun.State.FAILED}, SyncRun.State.FAILED),
    ],
)
def test_finishing_a_run_records_its_totals_and_outcome(account, connection, kwargs, state):
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INITIAL)

    run = services.sync_run_finish(account=account, run=run, api_calls=7, watermark={"Lead": "x"}, **kwargs)

    assert run.state == state and run.finished_at is not None and run.api_calls == 7
    assert run.watermark == {"Lead": "x"}
    synced = Connection.objects.get(pk=connection.pk).last_sync_at
    assert (synced is not None) == (state != SyncRun.State.FAILED)


def test_a_cancelled_run_stays_cancelled_when_the_engine_finishes(account, connection):
    run = services.sync_run_start(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    services.sync_run_cancel(account=account, run=run)

    run = services.sync_run_finish(account=account, run=run, records_in=5)

    assert run.state == SyncRun.State.CANCELLED


# --- per-record errors --------------------------------------------------------------------------------


def _fail(account, connection, external_id="00Q000000000001AAA", **kw):
    return services.sync_error_record(
        account=account,
        connection=connection,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_id=external_id,
        code=kw.pop("code", "INVALID_EMAIL"),
        message=kw.pop("message", "Bad email"),
        **kw,
    )


def test_a_failing_record_backs_off_exponentially_then_gives_up_after_five_attempts(account, connection):
    waits = []
    for attempt in range(1, 5):
        before = timezone.now()
        error = _fail(account, connection)
        assert (error.attempts, error.state) == (attempt, SyncError.State.PENDING)
        waits.append((error.next_attempt_at - before).total_seconds())
        expected = 60 * 2 ** (attempt - 1)
        assert expected * 0.75 - 1 <= waits[-1] <= expected * 1.25 + 1

    error = _fail(account, connection, code="STILL_BAD", message="Still bad")

    assert (error.attempts, error.state, error.next_attempt_at) == (5, SyncError.State.DEAD, None)
    assert (error.code, error.message) == ("STILL_BAD", "Still bad")
    assert SyncError.objects.filter(connection=connection).count() == 1


def test_the_backoff_never_exceeds_six_hours():
    assert all(services.sync_error_backoff(n) <= dt.timedelta(hours=6) for n in range(1, 40))
    assert services.sync_error_backoff(30) >= dt.timedelta(hours=6) * 0.75


def test_a_record_failing_again_after_giving_up_opens_a_new_error(account, connection):
    for _ in range(5):
        _fail(account, connection)

    fresh = _fail(account, connection)

    assert fresh.attempts == 1 and fresh.state == SyncError.State.PENDING
    assert SyncError.objects.filter(connection=connection, state=SyncError.State.DEAD).count() == 1


def test_at_most_one_pending_error_per_record(account, connection):
    _fail(account, connection)

    with pytest.raises(IntegrityError), transaction.atomic():
        SyncError.objects.create(
            account=account,
            connection=connection,
            direction=SyncError.Direction.IN,
            object_type="Lead",
            external_id="00Q000000000001AAA",
            code="X",
            message="x",
        )


def test_outgoing_errors_of_contacts_not_yet_in_salesforce_are_kept_per_contact(account, connection):
    one = Contact.objects.create(account=account, email="one@example.com")
    two = Contact.objects.create(account=account, email="two@example.com")

    for contact in (one, two, one):
        services.sync_error_record(
            account=account,
            connection=connection,
            direction=SyncError.Direction.OUT,
            object_type="Lead",
            contact=contact,
            code="REQUIRED_FIELD_MISSING",
            message="Company missing",
        )

    by_contact = dict(SyncError.objects.values_list("contact_id", "attempts"))
    assert by_contact == {one.pk: 2, two.pk: 1}


def test_retry_makes_a_dead_error_due_now(account, connection):
    for _ in range(5):
        error = _fail(account, connection)

    retried = services.sync_error_retry(account=account, error=error)

    assert retried.state == SyncError.State.PENDING and retried.next_attempt_at <= timezone.now()
    assert list(selectors.sync_errors_due(account=account, connection=connection)) == [retried]


def test_a_record_that_syncs_fine_resolves_its_errors(account, connection):
    _fail(account, connection)
    _fail(account, connection, external_id="00Q000000000002AAA")
    _fail(account, connection, external_id="00Q000000000003AAA")

    one = services.sync_error_resolve(
        account=account,
        connection=connection,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_id="00Q000000000001AAA",
    )
    many = services.sync_errors_resolve(
        account=account,
        connection=connection,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_ids=["00Q000000000002AAA", "00Q000000000003AAA", "00Q000000000009AAA"],
    )

    assert (one, many) == (1, 2)
    assert not selectors.sync_errors_list(account=account, state=SyncError.State.PENDING).exists()


# --- settings and registry ----------------------------------------------------------------------------


def test_salesforce_settings_keep_what_is_given_and_refuse_unknown_keys(account, connection):
    group = Group.objects.create(account=account, name="From Salesforce")

    settings = salesforce_services.salesforce_settings_save(
        account=account,
        connection=connection,
        values={"unique_key": "email", "delete_mode": "delete_contact"},
        synced_groups=[group],
        inbound_group=group,
    )

    assert settings.unique_key == "email" and list(settings.synced_groups.all()) == [group]
    assert settings.field_map["Lead"][0] == {"remote": "Email", "local": "email", "translate": {}}
    with pytest.raises(ApplicationError):
        salesforce_services.salesforce_settings_save(account=account, connection=connection, values={"bogus": 1})
    with pytest.raises(ApplicationError):
        salesforce_services.salesforce_settings_save(
            account=account, connection=connection, values={"unique_key": "phone"}
        )
    assert SalesforceSettings.objects.get(connection=connection).unique_key == "email"


def test_salesforce_registers_itself_with_the_registry():
    provider = registry.get("salesforce")

    assert isinstance(provider, SalesforceProvider) and provider in registry.all()
    assert provider.features == {"contacts.pull", "contacts.push", "optout.sync"}  # only what is built
    with pytest.raises(NotFound):
        registry.get("nowhere")
