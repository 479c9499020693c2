from datetime import UTC, datetime, timedelta

import pytest

from .support import error_of, lead

NOW = datetime(2030, 6, 1, 12, 0, 30, tzinfo=UTC)


@pytest.fixture
def clock(sf_emulator):
    """The org's "now", moved by hand: clock.at(...)."""

    class Clock:
        moment = NOW

        def at(self, moment: datetime) -> None:
            self.moment = moment

    state = Clock()
    sf_emulator.org.clock = lambda: state.moment
    return state


def _window(start: datetime, end: datetime) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat()}


def test_a_delete_is_soft_query_all_still_sees_it(sf_emulator, api):
    kept, gone = lead(sf_emulator, 1), lead(sf_emulator, 2)
    api.Lead.delete(gone)

    live = api.query("SELECT Id FROM Lead")["records"]
    everything = api.query_all("SELECT Id, IsDeleted FROM Lead ORDER BY LastName", include_deleted=True)["records"]
    deleted_only = api.query("SELECT Id FROM Lead WHERE IsDeleted = true")
    deleted_all = api.query_all("SELECT Id FROM Lead WHERE IsDeleted = true", include_deleted=True)

    assert [record["Id"] for record in live] == [kept]
    assert [(record["Id"], record["IsDeleted"]) for record in everything] == [(kept, False), (gone, True)]
    assert deleted_only["totalSize"] == 0 and [r["Id"] for r in deleted_all["records"]] == [gone]


def test_the_deleted_resource_lists_deletions_in_the_window(sf_emulator, rest, clock):
    gone = lead(sf_emulator)
    sf_emulator.org.delete("Lead", gone)  # at 12:00:30
    clock.at(NOW + timedelta(minutes=5))

    body = rest(
        "GET",
        "/sobjects/Lead/deleted/",
        params=_window(NOW - timedelta(minutes=10), NOW + timedelta(minutes=2, seconds=10)),
    ).json()

    assert body["deletedRecords"] == [{"id": gone, "deletedDate": "2030-06-01T12:00:30.000+0000"}]
    assert body["latestDateCovered"] == "2030-06-01T12:02:00.000+0000"  # seconds are ignored
    assert body["earliestDateAvailable"] == "2030-05-17T12:05:00.000+0000"  # 15 days back


def test_the_current_minute_is_never_covered(sf_emulator, rest, clock):
    sf_emulator.org.delete("Lead", lead(sf_emulator))  # 12:00:30

    body = rest(
        "GET", "/sobjects/Lead/deleted/", params=_window(NOW - timedelta(minutes=10), NOW + timedelta(hours=1))
    ).json()

    assert body["deletedRecords"] == []
    assert body["latestDateCovered"] == "2030-06-01T12:00:00.000+0000"


def test_simple_salesforce_reads_the_deleted_resource(sf_emulator, api, clock):
    gone = lead(sf_emulator)
    sf_emulator.org.delete("Lead", gone)
    clock.at(NOW + timedelta(minutes=3))

    body = api.Lead.deleted(NOW - timedelta(minutes=5), NOW + timedelta(minutes=2))

    assert [record["id"] for record in body["deletedRecords"]] == [gone]


def test_a_start_before_the_earliest_date_available_is_refused(rest, clock):
    response = rest("GET", "/sobjects/Lead/deleted/", params=_window(NOW - timedelta(days=16), NOW))

    assert response.status_code == 400
    error = error_of(response)
    assert error["errorCode"] == "INVALID_REPLICATION_DATE" and "earliestDateAvailable" in error["message"]


def test_the_retention_start_can_be_moved(sf_emulator, rest, clock):
    sf_emulator.org.set_deleted_retention_start(NOW - timedelta(hours=1))

    refused = rest("GET", "/sobjects/Lead/deleted/", params=_window(NOW - timedelta(hours=2), NOW))
    allowed = rest("GET", "/sobjects/Lead/deleted/", params=_window(NOW - timedelta(minutes=30), NOW))

    assert error_of(refused)["errorCode"] == "INVALID_REPLICATION_DATE"
    assert allowed.json()["earliestDateAvailable"] == "2030-06-01T11:00:00.000+0000"


@pytest.mark.parametrize(
    "params",
    [
        _window(NOW - timedelta(seconds=20), NOW),  # the same minute once seconds are dropped
        _window(NOW, NOW - timedelta(minutes=5)),
        {"start": "yesterday", "end": NOW.isoformat()},
    ],
)
def test_windows_shorter_than_a_minute_or_unreadable_are_refused(rest, clock, params):
    response = rest("GET", "/sobjects/Lead/deleted/", params=params)

    assert response.status_code == 400 and error_of(response)["errorCode"] == "INVALID_REPLICATION_DATE"


def test_a_missing_bound_is_a_missing_argument(rest):
    response = rest("GET", "/sobjects/Lead/updated/", params={"start": NOW.isoformat()})

    assert response.status_code == 400 and error_of(response)["errorCode"] == "MISSING_ARGUMENT"


def test_the_updated_resource_lists_created_and_changed_records(sf_emulator, rest, clock):
    before = lead(sf_emulator, 1)
    clock.at(NOW + timedelta(minutes=10))
    created, changed = lead(sf_emulator, 2), before
    sf_emulator.org.update("Lead", changed, {"FirstName": "New"})
    clock.at(NOW + timedelta(minutes=20))

    body = rest(
        "GET", "/sobjects/Lead/updated/", params=_window(NOW + timedelta(minutes=5), NOW + timedelta(minutes=15))
    ).json()

    assert body == {"ids": [changed, created], "latestDateCovered": "2030-06-01T12:15:00.000+0000"}


def test_the_updated_resource_reaches_back_30_days_only(rest, clock):
    response = rest("GET", "/sobjects/Lead/updated/", params=_window(NOW - timedelta(days=31), NOW))

    assert error_of(response) == {
        "message": "startDate cannot be more than 30 days ago",
        "errorCode": "INVALID_REPLICATION_DATE",
    }


def test_an_undeleted_record_is_back(sf_emulator, api):
    lead_id = lead(sf_emulator)
    sf_emulator.org.delete("Lead", lead_id)

    sf_emulator.org.undelete("Lead", lead_id)

    assert [record["Id"] for record in api.query("SELECT Id FROM Lead")["records"]] == [lead_id]
