"""The one definition of the contact fields (contacts/schema.py) and the Source catalogue: every copy follows them.

Each test compares a place against the schema rather than against a list of its own, so a field added to the
schema shows up in the model check, the importer, the API, the legacy endpoint, the screens and the exports.
"""

import datetime as dt
import io

import pytest
from django.utils import translation
from django.utils.text import capfirst
from rest_framework.test import APIClient

from contacts import schema
from contacts.exports import contacts_export_rows
from contacts.fields import custom_field_create
from contacts.forms import FILTER_FIELDS, ContactForm
from contacts.importers import FIELDS, read_table, suggest_mapping
from contacts.imports import STANDARD_KEYS as IMPORT_KEYS
from contacts.imports import import_table, mapping_suggest
from contacts.legacy_api import KNOWN, LegacyContactSerializer
from contacts.models import Contact, CustomField, GroupMembership, Suppression
from contacts.schema import Kind
from contacts.selectors import contact_list
from contacts.serializers import STANDARD_KEYS, ContactInput, ContactOutput
from contacts.services import contacts_upsert, group_create, group_merge
from contacts.sources import Source, source_label
from contacts.storage import COLUMNS, READ_COLUMNS, _record_of, record_new
from contacts.upsert import MAX_LENGTH, FieldCatalog, Policy, RowRejected, clean_row
from contacts.wizard import STANDARD_CHOICES
from integrations.salesforce.forms.salesforce_settings import PLATFORM_FIELDS
from marketing.tokens.services import token_create

# What each kind of field is sent as, and what the contact then holds.
_SENT = {
    Kind.TEXT: "Dana",
    Kind.EMAIL: "Dana@Example.com",
    Kind.PHONE: "050-1234567",
    Kind.CHOICE: None,  # the field's first choice
    Kind.DATE: "1990-05-17",
}
_STORED = {
    Kind.TEXT: "Dana",
    Kind.EMAIL: "dana@example.com",
    Kind.PHONE: "+972501234567",
    Kind.DATE: dt.date(1990, 5, 17),
}


def _sent(field: schema.Field):
    return field.choices.values[0] if field.kind == Kind.CHOICE else _SENT[field.kind]


def _stored(field: schema.Field):
    return field.choices.values[0] if field.kind == Kind.CHOICE else _STORED[field.kind]


def _keys(entries) -> list[str]:
    return [entry.key for entry in entries]


# --- the schema and the model -------------------------------------------------------------------------


def test_every_built_in_column_of_the_model_is_in_the_schema_and_nothing_else():
    own = {"id", "account", "custom", "source", "created_at", "updated_at"}
    model_columns = {f.name for f in Contact._meta.concrete_fields} - own

    assert model_columns == set(schema.columns())


@pytest.mark.parametrize("field", schema.fields(), ids=lambda f: f.key)
def test_the_models_column_has_the_schemas_length_type_choices_and_name(field):
    column = Contact._meta.get_field(field.column)

    assert column.max_length == field.max_length
    assert column.get_internal_type() == ("DateField" if field.kind == Kind.DATE else "CharField")
    assert list(column.choices or []) == list(field.choices.choices if field.choices else [])
    with translation.override("en"):
        assert capfirst(str(column.verbose_name)) == str(field.label)


def test_the_queries_answer_from_the_one_list():
    assert schema.field("phone").accepts == 40 and schema.field("first_name").accepts == 100
    assert schema.by_legacy_name("PHONENUMBER") is schema.field("phone")
    assert schema.by_legacy_name("Nope") is None
    assert all(f.stored for f in schema.fields())
    assert {f.key for f in schema.entries()} - {f.key for f in schema.fields()} == {"full_name", "known_id", "group"}
    assert sorted(f.position for f in schema.entries()) == list(range(len(schema.entries())))
    assert set(CustomField.Kind.values) <= {kind.value for kind in Kind}


def test_account_fields_are_the_built_ins_then_the_accounts_own(account, other_account):
    custom_field_create(account=account, actor=None, label="Shoe size", api_name="shoe_size", kind="number")
    custom_field_create(account=other_account, actor=None, label="Not ours", api_name="other", kind="text")

    found = schema.account_fields(account)

    assert [f.key for f in found] == [*(f.key for f in schema.fields()), "custom:shoe_size"]
    assert (found[-1].label, found[-1].kind, found[-1].api_name, found[-1].custom) == (
        "Shoe size",
        "number",
        "shoe_size",
        True,
    )
    gender = next(f for f in found if f.key == "gender")
    assert (gender.kind, gender.choices) == ("choice", ("male", "female", "other"))


# --- the upsert engine: cleaning and storage ----------------------------------------------------------


def test_cleaning_takes_every_stored_field_with_the_schemas_lengths_and_labels(account):
    row = {f.key: _sent(f) for f in schema.fields()}

    clean = clean_row(0, row, region="IL", catalog=FieldCatalog(account))

    assert clean.values == {f.key: _stored(f) for f in schema.fields()}
    assert MAX_LENGTH == {f.key: f.max_length for f in schema.fields() if f.kind == Kind.TEXT}
    for key, limit in MAX_LENGTH.items():
        with pytest.raises(RowRejected, match=f"^{schema.field(key).label}: at most {limit} characters"):
            clean_row(0, {"phone": "0501234567", key: "x" * (limit + 1)}, region="IL", catalog=FieldCatalog(account))


def test_storage_reads_and_writes_the_schemas_columns():
    assert COLUMNS[: len(schema.columns())] == schema.columns()
    assert READ_COLUMNS == (*schema.columns(), "custom")
    values = {column: f"value of {column}" for column in schema.columns()}

    record = _record_of((7, *values.values(), {"size": 42}))  # spelt out for speed: it must follow the columns

    assert {column: getattr(record, column) for column in schema.columns()} == values
    assert (record.pk, record.custom) == (7, {"size": 42})
    fresh = record_new(Source.IMPORT, None)
    assert all(getattr(fresh, c) in ("", None) for c in schema.columns())


# --- imports ------------------------------------------------------------------------------------------


def test_the_importer_maps_and_stores_exactly_the_importable_fields(account):
    assert list(FIELDS) == _keys(schema.importable())
    assert IMPORT_KEYS == set(FIELDS)
    assert [key for key, _label in STANDARD_CHOICES] == _keys(schema.on_screen(schema.importable()))
    stored = [f for f in schema.importable() if f.stored]
    headers = [f.headers[0][1][0] for f in stored]  # each field's first synonym
    lines = [",".join(headers), ",".join(str(_sent(f)) for f in stored)]
    table = read_table(io.BytesIO("\n".join(lines).encode()), filename="all.csv")

    mapping = mapping_suggest(account=account, headers=headers)
    outcome = import_table(account=account, table=table, mapping=mapping, policy=Policy())

    assert mapping == _keys(stored)
    assert outcome.result.new == 1
    contact = Contact.objects.get(account=account)
    assert {f.key: getattr(contact, f.column) for f in stored} == {f.key: _stored(f) for f in stored}
    assert contact.source == "import"


@pytest.mark.parametrize("entry", schema.importable(), ids=lambda f: f.key)
def test_every_header_synonym_of_the_schema_maps_to_its_field(entry):
    for _rank, phrases in entry.headers:
        for phrase in phrases:
            assert suggest_mapping([phrase]) == [entry.key], phrase


# --- the REST API -------------------------------------------------------------------------------------


def test_the_rest_serializers_take_and_give_exactly_the_schemas_api_fields():
    own = ["custom", "add_to_groups", "remove_from_groups"]
    inputs = ContactInput().fields

    assert list(inputs) == [*(f.api_name for f in schema.api_input()), *own]
    assert list(STANDARD_KEYS) == _keys(schema.api_input())
    for f in schema.api_input():
        if f.kind in (Kind.EMAIL, Kind.PHONE):
            assert inputs[f.api_name].max_length == f.accepts
    output = ContactOutput.Meta.fields
    assert output[1 : 1 + len(schema.api_output())] == [f.api_name for f in schema.api_output()]


def test_a_rest_contact_round_trips_every_api_field(account):
    token = token_create(account=account, actor=account.owner, name="rest").plaintext
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    sent = {f.api_name: _sent(f) for f in schema.api_output()}

    response = api.post("/api/v1/contacts/", sent, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    expected = {f.api_name: _stored(f) for f in schema.api_output()}
    expected = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in expected.items()}
    assert {name: body[name] for name in expected} == expected
    assert body["source"] == "api"


# --- the legacy endpoint ------------------------------------------------------------------------------


def test_the_legacy_endpoint_knows_and_documents_every_legacy_name():
    documented = LegacyContactSerializer().fields

    for f in schema.legacy():
        assert KNOWN[f.legacy_name.casefold()] == f.legacy_name
        assert f.legacy_name in documented
    assert {f.key for f in schema.legacy()} == {f.key for f in schema.fields()}


def test_a_legacy_contact_stores_every_legacy_field(account):
    token = token_create(account=account, actor=account.owner, name="legacy").plaintext
    contact = {f.legacy_name: _sent(f) for f in schema.legacy() if not f.legacy_codes}
    gender = schema.field("gender")
    contact[gender.legacy_name] = "2"
    document = {"User": {"Username": account.owner.username, "Token": token}, "Data": {"Contacts": [contact]}}

    response = APIClient().post("/api/Contact/Update", document, format="json")

    assert response.status_code == 200, response.content
    stored = Contact.objects.get(account=account)
    expected = {f.key: _stored(f) for f in schema.legacy() if not f.legacy_codes}
    assert {key: getattr(stored, key) for key in expected} == expected
    assert stored.gender == gender.legacy_codes["2"] == "female"
    assert stored.source == "api"


# --- screens and exports ------------------------------------------------------------------------------


def test_the_contact_form_and_the_filters_show_the_schemas_fields():
    form = ContactForm(custom_fields=[], groups=[])

    assert list(ContactForm.STANDARD) == _keys(schema.on_screen(schema.fields()))
    for f in schema.fields():
        assert str(form.fields[f.key].label) == str(f.label)
        if f.kind not in (Kind.DATE, Kind.CHOICE):
            assert form.fields[f.key].max_length == f.accepts
    assert [key for key, _label in FILTER_FIELDS] == _keys(schema.on_screen(schema.filterable()))


@pytest.mark.parametrize("entry", schema.filterable(), ids=lambda f: f.key)
def test_the_list_filters_by_each_filterable_field(account, entry):
    row = {f.key: _sent(f) for f in schema.fields()}
    contacts_upsert(account=account, rows=[row], source=Source.SCREEN)

    assert contact_list(account=account, field_filters={entry.key: _stored(entry)}).count() == 1


def test_the_export_has_exactly_the_exportable_fields_in_screen_order(account):
    row = {f.key: _sent(f) for f in schema.fields()}
    contacts_upsert(account=account, rows=[row], source=Source.SCREEN)
    exported = schema.on_screen(schema.exportable())

    header, values = list(contacts_export_rows(account, contact_list(account=account)))

    assert header == ["ID", *(str(f.label) for f in exported), "Groups", "Created"]
    labels = {f.key: dict(f.choices.choices) for f in exported if f.choices}
    expected = [str(labels[f.key][_stored(f)]) if f.key in labels else _stored(f) for f in exported]
    assert values[1 : 1 + len(exported)] == expected


def test_salesforce_maps_the_schemas_mappable_fields():
    assert sorted(key for key, _label in PLATFORM_FIELDS) == sorted(_keys(schema.salesforce_mappable()))
    assert PLATFORM_FIELDS[0][0] == "email"
    assert all(f.stored for f in schema.salesforce_mappable())


# --- where a change came from -------------------------------------------------------------------------


def test_the_source_values_are_the_ones_stored_since_the_start():
    assert Source.SCREEN == "manual"
    assert Source.IMPORT == "import"
    assert Source.API == "api"
    assert Source.SALESFORCE == "salesforce"
    assert Source.MERGE == "merge"
    assert Source.UNSUBSCRIBE_LINK == "email_link"
    assert Source.SMS_REPLY == "sms_reply"
    assert max(len(value) for value in Source.values) <= Contact._meta.get_field("source").max_length


def test_every_way_in_stores_its_catalogue_value(account, owner_client):
    owner_client.post("/contacts/new/", {"phone": "0501111111"})
    group_a = group_create(account=account, actor=None, name="A")
    group_b = group_create(account=account, actor=None, name="B")
    contacts_upsert(account=account, rows=[{"phone": "0502222222"}], source=Source.IMPORT, groups=[group_a])
    group_merge(account=account, source=group_a, target=group_b, actor=account.owner)

    assert Contact.objects.get(phone="+972501111111").source == "manual"
    assert set(GroupMembership.objects.filter(group=group_b).values_list("source", flat=True)) == {"merge"}


def test_screens_show_the_catalogues_label_in_the_accounts_language(account, owner_client):
    result = contacts_upsert(account=account, rows=[{"phone": "0501111111"}], source=Source.SCREEN, keep_outcomes=True)
    Suppression.objects.create(account=account, channel="sms", point="+972502222222", source="salesforce")
    Suppression.objects.create(account=account, channel="sms", point="+972503333333", source="link")  # older word

    contact = owner_client.get(f"/contacts/{result.outcomes[0].contact_id}/")
    unsubscribes = owner_client.get("/contacts/unsubscribes/")

    assert contact.context["source_label"] == Source.SCREEN.label
    assert [s.source_label for s in unsubscribes.context["page"]] == [
        Source.UNSUBSCRIBE_LINK.label,
        Source.SALESFORCE.label,
    ]
    with translation.override("he"):
        manual = str(Source.SCREEN.label)
    assert manual != "Manual" and manual in contact.content.decode()
    assert source_label("something-else") == "something-else"
