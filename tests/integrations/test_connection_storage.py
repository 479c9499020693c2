"""INT-1, INT-2: what a connector alone needs lives in the connection's JSON `config` and its encrypted
`credentials`; the back office shows the settings and never a secret; the migration that moved the
Salesforce columns there carries every value across, both ways."""

import json

import pytest
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor

from integrations.models import Connection
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.models import SalesforceConnection
from marketing.accounts.models import User
from marketing.core.fields import decrypt_text

SECRETS = {
    "client_secret": "client-secret-value-1234",
    "password": "hunter2SECURITYTOKEN",
    "access_token": "00Dxx!access-token-5678",
    "refresh_token": "5Aep-refresh-token-9012",
}
BEFORE = ("integrations", "0005_connection_config_credentials")
MOVED = ("integrations", "0006_connection_settings_moved")


@pytest.fixture
def connection(account) -> SalesforceConnection:
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=SalesforceConnection.AuthFlow.PASSWORD,
        client_id="client-id-of-a",
        client_secret=SECRETS["client_secret"],
        username="integration@a-org.example.test",
        password=SECRETS["password"],
    )
    return salesforce_services.salesforce_tokens_save(
        account=account,
        connection=connection,
        access_token=SECRETS["access_token"],
        refresh_token=SECRETS["refresh_token"],
        instance_url="https://a-org.example.test",
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/admin/integrations/connection/", "Account A"),
        ("/admin/integrations/connection/{pk}/change/", "https://login.example.test"),
        ("/admin/salesforce/salesforceconnection/", "https://a-org.example.test"),
        ("/admin/salesforce/salesforceconnection/{pk}/change/", "client-id-of-a"),
    ],
)
def test_the_back_office_shows_the_settings_and_never_a_secret(connection, client_for, url, shown):
    root = User.objects.create_superuser("root", "root@example.com", "a-long-password-1")

    page = client_for(root).get(url.format(pk=connection.pk)).content.decode()

    assert shown in page
    for name, secret in SECRETS.items():
        assert secret not in page, name
    assert "credentials" not in page.lower()


def test_a_salesforce_connection_reads_its_settings_from_the_config(account, connection):
    other = Connection.objects.create(account=account, provider="other")

    fresh = SalesforceConnection.objects.get(pk=connection.pk)

    assert fresh.config == {
        "auth_flow": "password",
        "client_id": "client-id-of-a",
        "instance_url": "https://a-org.example.test",
        "login_url": "https://login.example.test",
        "username": "integration@a-org.example.test",
    }
    assert fresh.get_auth_flow_display() == "Username, password and security token (legacy)"
    assert list(SalesforceConnection.objects.filter(account=account)) == [fresh]  # not another connector's
    assert other.config == {} and other.credentials == {}


# --- the migration ------------------------------------------------------------------------------------


def _migrate(*targets):
    """Migrate the test database to `targets`; the models as they were at the first one."""
    executor = MigrationExecutor(db)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor.loader.project_state(targets[0]).apps


def _raw(pk: int) -> tuple[dict, str]:
    with db.cursor() as cursor:
        cursor.execute("SELECT config, credentials FROM integrations_connection WHERE id = %s", [pk])
        config, credentials = cursor.fetchone()
    return (json.loads(config) if isinstance(config, str) else config), credentials


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_a_connections_columns_into_config_and_credentials_and_back(account):
    leaves = MigrationExecutor(db).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE).get_model("integrations", "Connection")
        row = old.objects.create(
            account_id=account.pk,
            provider="salesforce",
            login_url="https://login.example.test",
            instance_url="https://a-org.example.test",
            auth_flow="password",
            client_id="client-id-of-a",
            username="integration@a-org.example.test",
            external_user_id="005A0000000001AAA",
            **SECRETS,
        )

        _migrate(MOVED)

        config, credentials = _raw(row.pk)
        assert config == {
            "login_url": "https://login.example.test",
            "instance_url": "https://a-org.example.test",
            "auth_flow": "password",
            "client_id": "client-id-of-a",
            "username": "integration@a-org.example.test",
            "external_user_id": "005A0000000001AAA",
        }
        assert all(secret not in credentials for secret in SECRETS.values())
        assert json.loads(decrypt_text(credentials)) == SECRETS

        old = _migrate(BEFORE).get_model("integrations", "Connection")

        back = old.objects.get(pk=row.pk)
        assert (back.config, back.credentials) == ({}, {})
        assert (back.login_url, back.auth_flow, back.username, back.external_org_id) == (
            "https://login.example.test",
            "password",
            "integration@a-org.example.test",
            "",
        )
        assert {name: getattr(back, name) for name in SECRETS} == SECRETS
    finally:
        _migrate(*leaves)

    moved = SalesforceConnection.objects.get(pk=row.pk)
    assert (moved.login_url, moved.username, moved.password, moved.refresh_token) == (
        "https://login.example.test",
        "integration@a-org.example.test",
        SECRETS["password"],
        SECRETS["refresh_token"],
    )
