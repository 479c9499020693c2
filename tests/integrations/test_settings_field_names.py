"""SF-2 … SF-6: a Salesforce field name reaches SOQL only as an API name. The settings service refuses any
other, whoever calls it, and the settings form checks names with the same rule."""

import pytest
from django.core.exceptions import ValidationError

from contacts.models import CustomField
from integrations.models import Connection
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.forms.salesforce_settings import SalesforceSettingsForm
from integrations.salesforce.models import SalesforceConnection, SalesforceSettings
from integrations.salesforce.names import is_api_name, validate_api_name
from marketing.core.errors import ApplicationError
from marketing.core.models import AuditEntry

HOSTILE = ["Email, (SELECT Id FROM User)", "Name'--", "a b", "Account.Name", "Email\n", "1Field", "Opt_Out__c)"]


@pytest.fixture
def connection(account) -> Connection:
    connection = salesforce_services.salesforce_connection_save(
        account=account,
        login_url="https://login.example.test",
        auth_flow=SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS,
        client_id="client-id",
        client_secret="client-secret",
    )
    salesforce_services.salesforce_settings_save(account=account, connection=connection, values={})
    return connection


def _values(setting: str, name: str) -> dict:
    if setting == "field_map":
        return {"field_map": {"Lead": [{"remote": name, "local": "email", "translate": {}}]}}
    if setting == "fallback":
        row = {"remote": "MobilePhone", "local": "phone", "translate": {}, "fallback": name}
        return {"field_map": {"Contact": [row]}}
    if setting == "optout_fields":
        return {"optout_fields": {"email": "HasOptedOutOfEmail", "sms": name}}
    return {setting: name}


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize(
    "setting", ["field_map", "fallback", "status_field", "sync_flag_field", "deleted_marker_field", "optout_fields"]
)
def test_the_service_refuses_a_name_that_is_not_an_api_name_and_saves_nothing(account, connection, setting, name):
    before = SalesforceSettings.objects.filter(connection=connection).values().get()
    audited = AuditEntry.objects.filter(account=account).count()

    with pytest.raises(ApplicationError) as refused:
        salesforce_services.salesforce_settings_save(
            account=account, connection=connection, values={"pull_leads": False, **_values(setting, name)}
        )

    error = refused.value
    assert (error.code, error.details["value"]) == ("invalid_field_name", name)
    assert error.details["field"] == ("field_map" if setting == "fallback" else setting)
    assert f"“{name}”" in error.message and "not a valid field API name" in error.message
    assert SalesforceSettings.objects.filter(connection=connection).values().get() == before
    assert AuditEntry.objects.filter(account=account).count() == audited


def test_the_message_names_the_setting_and_where(account, connection):
    with pytest.raises(ApplicationError) as refused:
        salesforce_services.salesforce_settings_save(
            account=account, connection=connection, values=_values("optout_fields", "a b")
        )

    assert refused.value.message.startswith("Opt-out fields (sms): “a b”")


def test_api_names_are_saved(account, connection):
    settings = salesforce_services.salesforce_settings_save(
        account=account,
        connection=connection,
        values={
            "field_map": {"Lead": [{"remote": "ns__Email__c", "local": "email", "translate": {}, "fallback": "Email"}]},
            "sync_flag_field": "Sync_Me__c",
            "deleted_marker_field": "GRdeleted__c",
            "status_field": "status",
            "optout_fields": {"email": "HasOptedOutOfEmail", "sms": ""},
        },
    )

    assert settings.sync_flag_field == "Sync_Me__c" and settings.field_map["Lead"][0]["remote"] == "ns__Email__c"


def test_the_opt_out_fields_must_be_names_per_channel(account, connection):
    with pytest.raises(ApplicationError):
        salesforce_services.salesforce_settings_save(
            account=account, connection=connection, values={"optout_fields": ["Email"]}
        )


@pytest.mark.parametrize("name", HOSTILE)
def test_the_form_uses_the_same_rule(account, connection, name):
    assert not is_api_name(name)
    with pytest.raises(ValidationError):
        validate_api_name(name)
    form = SalesforceSettingsForm(
        data={"sync_flag_field": name, "map-Lead-0": name},
        account=account,
        connection=connection,
        settings=SalesforceSettings.objects.get(connection=connection),
        remote=None,  # Salesforce unreachable: the names are typed
        custom_fields=CustomField.objects.none(),
    )

    assert not form.is_valid()
    assert validate_api_name in form.fields["sync_flag_field"].validators
    # A typed name loses surrounding spaces in the form; what is left must still be an API name.
    assert "sync_flag_field" in form.errors or is_api_name(name.strip())
