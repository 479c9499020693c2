"""SF-2 … SF-6, SF-15 through the settings screen: the mapping is chosen from the org's fields (describe, from
the emulator), checked against them, and saved through the settings service; without Salesforce it is typed."""

import re

import pytest
from django import forms

from contacts.models import CustomField, Group
from integrations.models import Connection
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.client import SalesforceClient
from integrations.salesforce.errors import SalesforceUnavailable
from integrations.salesforce.models import SalesforceSettings
from marketing.accounts.roles import Role

from ...factories import AccountFactory
from .conftest import emulator_connection

URL = "/integrations/salesforce/settings/"


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def connection(account, sf_emulator) -> Connection:
    sf_emulator.org.add_field("Lead", "Vip__c", "boolean", label="VIP")
    sf_emulator.org.add_field("Contact", "Vip__c", "boolean", label="VIP")
    sf_emulator.org.add_field("Lead", "LeadOnlyFlag__c", "boolean", label="Lead only flag")
    connection = emulator_connection(account, sf_emulator)
    salesforce_services.salesforce_settings_init(account=account, connection=connection)
    return connection


def _post_data(form) -> dict:
    """What the browser sends back for the form as it was shown."""
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.name] = [str(v) for v in value]
        elif value is not None:
            data[bound.name] = str(value)
    return data


def _row(form, sobject: str, local: str) -> int:
    return [name for name, _label in form.rows[sobject]].index(local)


def test_the_mapping_is_chosen_from_the_orgs_fields(owner_client, connection):
    response = owner_client.get(URL)

    form = response.context["form"]
    html = response.content.decode()
    assert form.remote is not None and response.context["remote_problem"] == ""
    assert '<option value="Birthdate">' in html and '<option value="Vip__c">' in html
    assert form[f"map-Lead-{_row(form, 'Lead', 'email')}"].value() == "Email"
    flags = dict(form.fields["sync_flag_field"].choices)
    assert "Vip__c" in flags and "Lead only" in str(flags["LeadOnlyFlag__c"])
    assert "IsConverted" not in flags  # not updateable


def test_email_is_found_when_the_mapping_has_none(owner_client, account, connection):
    settings = SalesforceSettings.objects.get(connection=connection)
    settings.field_map = {"Lead": [], "Contact": []}
    settings.save()

    form = owner_client.get(URL).context["form"]

    assert form[f"map-Lead-{_row(form, 'Lead', 'email')}"].value() == "Email"
    assert form[f"map-Contact-{_row(form, 'Contact', 'email')}"].value() == "Email"


def test_saving_a_mapping_built_from_describe(owner_client, account, connection):
    CustomField.objects.create(account=account, api_name="vip", label="VIP customer", kind="text")
    CustomField.objects.create(account=account, api_name="status", label="Status", kind="text")
    vip = Group.objects.create(account=account, name="VIP")
    inbound = Group.objects.create(account=account, name="From Salesforce")
    form = owner_client.get(URL).context["form"]
    data = _post_data(form)
    data[f"map-Contact-{_row(form, 'Contact', 'birth_date')}"] = "Birthdate"
    data[f"map-Lead-{_row(form, 'Lead', 'custom:vip')}"] = "Vip__c"
    data[f"tr-Lead-{_row(form, 'Lead', 'custom:vip')}"] = "true=yes, false=no"
    data.update(
        synced_groups=[str(vip.pk)],
        inbound_group=str(inbound.pk),
        unique_key="email",
        status_field="status",
        sync_flag_field="Vip__c",
        optout_email="HasOptedOutOfEmail",
        optout_sms="",
        deleted_marker_field="",
        schedule_minutes="15",
        daily_share_percent="40",
        hourly_call_cap="500",
        deleted_here="never",
        fill_salesforce_blanks="on",
    )

    response = owner_client.post(URL, data)

    assert response.status_code == 302, response.context["form"].errors
    settings = SalesforceSettings.objects.get(connection=connection)
    assert {"remote": "Birthdate", "local": "birth_date", "translate": {}} in settings.field_map["Contact"]
    assert {"remote": "Vip__c", "local": "custom:vip", "translate": {"true": "yes", "false": "no"}} in (
        settings.field_map["Lead"]
    )
    phone = next(row for row in settings.field_map["Lead"] if row["local"] == "phone")
    assert phone == {"remote": "MobilePhone", "local": "phone", "translate": {}, "fallback": "Phone"}
    assert settings.unique_key == "email" and settings.status_field == "status"
    assert settings.sync_flag_field == "Vip__c" and settings.optout_fields == {"email": "HasOptedOutOfEmail", "sms": ""}
    assert list(settings.synced_groups.all()) == [vip] and settings.inbound_group == inbound
    assert settings.deleted_here == "never" and settings.fill_salesforce_blanks is True
    connection.refresh_from_db()
    assert (connection.schedule_minutes, connection.daily_share_percent, connection.hourly_call_cap) == (15, 40, 500)
    assert connection.access_token  # saving settings keeps the sign-in


def test_an_unknown_salesforce_field_is_refused(owner_client, connection):
    before = SalesforceSettings.objects.get(connection=connection).field_map
    form = owner_client.get(URL).context["form"]
    data = _post_data(form)
    data[f"map-Lead-{_row(form, 'Lead', 'first_name')}"] = "NoSuchField__c"

    response = owner_client.post(URL, data)

    assert response.status_code == 200
    assert "Salesforce&#x27;s Lead has no field “NoSuchField__c”." in response.content.decode()
    assert SalesforceSettings.objects.get(connection=connection).field_map == before


def test_a_checkbox_missing_on_a_synced_object_is_refused(owner_client, connection):
    form = owner_client.get(URL).context["form"]
    data = {**_post_data(form), "sync_flag_field": "LeadOnlyFlag__c"}

    response = owner_client.post(URL, data)

    assert response.status_code == 200
    assert "has no checkbox field LeadOnlyFlag__c" in response.content.decode()
    assert SalesforceSettings.objects.get(connection=connection).sync_flag_field == ""


def test_a_synced_object_needs_an_email_or_phone(owner_client, connection):
    form = owner_client.get(URL).context["form"]
    data = _post_data(form)
    data[f"map-Contact-{_row(form, 'Contact', 'email')}"] = ""
    data[f"map-Contact-{_row(form, 'Contact', 'phone')}"] = ""
    data["tr-Lead-0"] = "no equals sign"

    response = owner_client.post(URL, data)

    html = response.content.decode()
    assert "Map the email or the mobile phone of Contact" in html
    assert "has no =" in html


def test_without_salesforce_the_saved_mapping_is_typed(owner_client, connection, monkeypatch):
    def offline(self, sobject):
        raise SalesforceUnavailable("Salesforce could not be reached (ConnectionError); the sync will try again.")

    monkeypatch.setattr(SalesforceClient, "describe", offline)

    response = owner_client.get(URL)

    form = response.context["form"]
    html = response.content.decode()
    assert form.remote is None and 'id="describe-warning"' in html and "could not be reached" in html
    email = f"map-Lead-{_row(form, 'Lead', 'email')}"
    assert f'<input type="text" name="{email}" value="Email"' in html
    data = {**_post_data(form), email: "Email_Address__c"}
    assert owner_client.post(URL, data).status_code == 302
    lead_map = SalesforceSettings.objects.get(connection=connection).field_map["Lead"]
    assert {"remote": "Email_Address__c", "local": "email", "translate": {}} in lead_map
    data[email] = "not a name!"
    assert "API name" in owner_client.post(URL, data).content.decode()


def test_members_see_the_settings_but_cannot_change_them(client_for, make_member, account, connection):
    client = client_for(make_member(account, role=Role.USER).user)
    before = SalesforceSettings.objects.get(connection=connection).field_map

    page = client.get(URL)
    refused = client.post(URL, _post_data(page.context["form"]))

    assert page.status_code == 200 and "Only account managers can change these settings." in page.content.decode()
    assert refused.status_code == 403
    assert SalesforceSettings.objects.get(connection=connection).field_map == before


def test_refused_checkboxes_radios_and_mapped_fields_are_marked_next_to_themselves(owner_client, connection):
    form = owner_client.get(URL).context["form"]
    first_name = f"map-Lead-{_row(form, 'Lead', 'first_name')}"
    data = {**_post_data(form), "unique_key": "nickname", first_name: "NoSuchField__c"}
    data.pop("pull_leads")
    data.pop("pull_contacts")

    html = owner_client.post(URL, data).content.decode()

    check = html[html.index('<div class="form-check">\n  <input type="checkbox" name="pull_leads"') :]
    check = check[: check.index("</div>\n</div>")]
    assert 'class="form-check-input is-invalid"' in check and 'aria-invalid="true"' in check
    assert 'aria-describedby="id_pull_leads_error"' in check
    assert '<div class="invalid-feedback d-block" id="id_pull_leads_error"><div>Choose Leads, Contacts' in check
    described = 'aria-describedby="id_unique_key_helptext id_unique_key_error"'
    radios = html[html.index(f'<fieldset class="is-invalid" {described}>') :]
    radios = radios[: radios.index("</fieldset>")]
    assert '<div class="invalid-feedback d-block" id="id_unique_key_error"><div>Select a valid choice.' in radios
    cell = html[html.index(f'name="{first_name}"') :]
    cell = cell[: cell.index("</td>")]
    assert 'class="form-select form-select-sm is-invalid"' in cell
    assert f'<div class="invalid-feedback d-block" id="id_{first_name}_error">' in cell
    assert "has no field “NoSuchField__c”." in cell
    assert "3 fields need a fix: see the messages next to them." in html


def test_a_hebrew_reader_sees_no_english_company_for_new_leads(owner_client, account, connection):
    account.language = "he"
    account.save(update_fields=["language"])

    html = owner_client.get(URL).content.decode()

    field = re.search(r'<input type="text" name="lead_company_default"[^>]*>', html).group(0)
    assert 'value="' not in field and 'placeholder="לא ידוע"' in field
    assert "ריק: „לא ידוע”" in html and "Unknown" not in html


def test_each_mapping_is_headed_by_the_objects_name_in_the_readers_language(owner_client, account, connection):
    assert "Field mapping: Lead" in owner_client.get(URL).content.decode()

    account.language = "he"
    account.save(update_fields=["language"])
    html = owner_client.get(URL).content.decode()

    assert "התאמת שדות: ליד" in html and "התאמת שדות: איש קשר" in html
    assert "Field mapping" not in html and "שדות: Lead" not in html
