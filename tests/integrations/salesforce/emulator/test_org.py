from datetime import UTC, datetime, timedelta

import pytest

from integrations.salesforce.emulator import ApiError

from .support import lead


def test_python_writes_look_like_the_admin_users_edits(sf_emulator):
    org = sf_emulator.org

    record = org.get("Lead", lead(sf_emulator))

    assert record["CreatedById"] == record["LastModifiedById"] == record["OwnerId"] == org.admin_user_id


def test_by_user_names_who_writes(sf_emulator):
    org = sf_emulator.org
    lead_id = lead(sf_emulator)

    org.update("Lead", lead_id, {"FirstName": "Ivy"}, by_user=org.integration_user_id)

    assert org.get("Lead", lead_id)["LastModifiedById"] == org.integration_user_id
    with pytest.raises(ValueError, match="No such user"):
        org.update("Lead", lead_id, {"FirstName": "Ivy"}, by_user="00558000000ZZZZAAA")


def test_timestamps_have_milliseconds_and_never_go_back(sf_emulator):
    org = sf_emulator.org
    moments = iter([datetime(2030, 1, 1, 10, 0, 0, 123456, tzinfo=UTC), datetime(2030, 1, 1, 9, 0, tzinfo=UTC)])
    org.clock = lambda: next(moments)
    lead_id = lead(sf_emulator)

    org.update("Lead", lead_id, {"FirstName": "Later"})  # the clock went back an hour

    record = org.get("Lead", lead_id)
    assert record["CreatedDate"] == "2030-01-01T10:00:00.123+0000"
    assert record["SystemModstamp"] == record["LastModifiedDate"] == "2030-01-01T10:00:00.123+0000"


def test_setting_the_clock_moves_time_for_the_next_writes(sf_emulator):
    org = sf_emulator.org
    org.clock = lambda: datetime(2020, 1, 1, tzinfo=UTC)

    assert org.get("Lead", lead(sf_emulator))["CreatedDate"] == "2020-01-01T00:00:00.000+0000"


def test_custom_fields_appear_in_describe_queries_and_writes(sf_emulator, api):
    lead_id = lead(sf_emulator)
    sf_emulator.org.add_field("Lead", "Newsletter__c", "boolean", label="Newsletter")

    api.Lead.update(lead_id, {"Newsletter__c": True})
    fields = {field["name"]: field for field in api.Lead.describe()["fields"]}
    found = api.query("SELECT Id, Newsletter__c FROM Lead WHERE Newsletter__c = true")["records"]

    assert fields["Newsletter__c"]["custom"] is True and fields["Newsletter__c"]["label"] == "Newsletter"
    assert [record["Id"] for record in found] == [lead_id]
    with pytest.raises(ValueError):
        sf_emulator.org.add_field("Lead", "Newsletter", "boolean")


def test_a_unique_custom_field_refuses_duplicates(sf_emulator):
    sf_emulator.org.add_field("Contact", "External_Key__c", "string", unique=True)
    sf_emulator.org.create("Contact", {"LastName": "A", "External_Key__c": "K-1"})

    with pytest.raises(ApiError) as refused:
        sf_emulator.org.create("Contact", {"LastName": "B", "External_Key__c": "k-1"})

    assert refused.value.code == "DUPLICATE_VALUE"


def test_bulk_create_is_all_or_nothing(sf_emulator):
    with pytest.raises(ApiError):
        sf_emulator.org.bulk_create("Lead", [{"LastName": "A", "Company": "X"}, {"LastName": "B"}])

    assert sf_emulator.org.records("Lead") == []


def test_bulk_create_shares_one_timestamp_and_keeps_order(sf_emulator):
    ids = sf_emulator.org.bulk_create("Lead", [{"LastName": f"L{n}", "Company": "X"} for n in range(100)])

    records = sf_emulator.org.records("Lead")
    assert [record["Id"] for record in records] == ids
    assert len({record["SystemModstamp"] for record in records}) == 1


def test_get_returns_a_copy(sf_emulator):
    lead_id = lead(sf_emulator)

    sf_emulator.org.get("Lead", lead_id)["Email"] = "changed@example.com"

    assert sf_emulator.org.get("Lead", lead_id)["Email"] == "lead1@example.com"


def test_records_can_include_deleted_ones(sf_emulator):
    kept, gone = lead(sf_emulator, 1), lead(sf_emulator, 2)
    sf_emulator.org.delete("Lead", gone)

    assert [r["Id"] for r in sf_emulator.org.records("Lead")] == [kept]
    assert [r["Id"] for r in sf_emulator.org.records("Lead", include_deleted=True)] == [kept, gone]


def test_undeleting_a_live_record_is_refused(sf_emulator):
    with pytest.raises(ApiError) as refused:
        sf_emulator.org.undelete("Lead", lead(sf_emulator))

    assert refused.value.code == "UNDELETE_FAILED"


def test_the_deleted_window_defaults_to_fifteen_days(sf_emulator):
    org = sf_emulator.org
    org.clock = lambda: datetime(2030, 1, 16, tzinfo=UTC)

    assert org.deleted_retention_start() == datetime(2030, 1, 1, tzinfo=UTC)
    assert org.deleted_retention_start() - timedelta(days=1) < org.now()
