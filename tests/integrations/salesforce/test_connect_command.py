"""SF-1, SF-18: `manage.py salesforce_connect` — a working connection with default settings, no browser."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Connection
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.models import SalesforceConnection, SalesforceSettings


def _connect(sf, *extra: str) -> str:
    out = StringIO()
    call_command(
        "salesforce_connect",
        "--account",
        "account-a",
        "--login-url",
        sf.base_url,
        "--client-id",
        "emulator-client-id",
        "--client-secret",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_client_credentials_connection_with_working_defaults(account, sf_emulator):
    output = _connect(sf_emulator, "emulator-client-secret", "--ca-bundle", sf_emulator.ca_path)

    connection = SalesforceConnection.objects.get(account=account, provider="salesforce")
    assert connection.state == Connection.State.ACTIVE and connection.connected_at is not None
    assert connection.auth_flow == SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS
    assert connection.instance_url == sf_emulator.base_url
    assert connection.external_user_id == sf_emulator.org.integration_user_id
    assert connection.external_org_id == sf_emulator.org.organization_id
    settings = SalesforceSettings.objects.get(connection=connection)
    assert (settings.pull_leads, settings.pull_contacts, settings.unique_key) == (True, True, "id")
    for sobject in ("Lead", "Contact"):
        mapped = {row["remote"]: row for row in settings.field_map[sobject]}
        assert {r: m["local"] for r, m in mapped.items()} == {
            "Email": "email",
            "FirstName": "first_name",
            "LastName": "last_name",
            "MobilePhone": "phone",
        }
        assert mapped["MobilePhone"]["fallback"] == "Phone"
    assert settings.optout_fields == {"email": "HasOptedOutOfEmail", "sms": ""}
    assert len(output.strip().splitlines()) == 1
    assert "integration@example.com" in output and "Leads and Contacts" in output


def test_legacy_password_connection(account, sf_emulator):
    _connect(
        sf_emulator,
        "emulator-client-secret",
        "--ca-bundle",
        sf_emulator.ca_path,
        "--username",
        "integration@example.com",
        "--password",
        "password",
        "--security-token",
        "TOKEN",
    )

    connection = SalesforceConnection.objects.get(account=account)
    assert connection.auth_flow == SalesforceConnection.AuthFlow.PASSWORD
    assert connection.password == "passwordTOKEN" and connection.access_token


def test_running_it_again_keeps_settings_a_person_changed(account, sf_emulator):
    _connect(sf_emulator, "emulator-client-secret", "--ca-bundle", sf_emulator.ca_path)
    connection = SalesforceConnection.objects.get(account=account)
    salesforce_services.salesforce_settings_save(account=account, connection=connection, values={"pull_leads": False})

    output = _connect(sf_emulator, "emulator-client-secret", "--ca-bundle", sf_emulator.ca_path)

    assert SalesforceSettings.objects.get(connection=connection).pull_leads is False
    assert Connection.objects.filter(account=account).count() == 1
    assert "settings kept" in output and "pulling Contacts" in output


def test_a_wrong_secret_says_so_and_exits_non_zero(account, sf_emulator):
    with pytest.raises(CommandError, match="refused the client id and secret"):
        _connect(sf_emulator, "not-the-secret", "--ca-bundle", sf_emulator.ca_path)

    connection = SalesforceConnection.objects.get(account=account)
    assert connection.state == Connection.State.ERROR
    assert not SalesforceSettings.objects.filter(connection=connection).exists()


def test_an_org_without_api_access_says_so(account, sf_emulator):
    sf_emulator.faults.set(api_disabled=True)

    with pytest.raises(CommandError, match="API_DISABLED_FOR_ORG"):
        _connect(sf_emulator, "emulator-client-secret", "--ca-bundle", sf_emulator.ca_path)


def test_an_unknown_account_is_refused(db, sf_emulator):
    with pytest.raises(CommandError, match="No account"):
        _connect(sf_emulator, "emulator-client-secret")


def test_a_username_without_a_password_is_refused(account, sf_emulator):
    with pytest.raises(CommandError, match="both --username and --password"):
        _connect(sf_emulator, "emulator-client-secret", "--username", "integration@example.com")
