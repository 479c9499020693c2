import csv
import io
import re

from .support import error_of, lead

CSV = 'LastName,Company,Email\nAble,Acme,able@example.com\nBaker,,baker@example.com\n"O\'Neil, Eve",Acme,\n'


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _ingest(rest, csv_text: str, operation: str = "insert", **job) -> str:
    created = rest(
        "POST",
        "/jobs/ingest",
        json={"object": "Lead", "operation": operation, "contentType": "CSV", "lineEnding": "LF", **job},
    )
    assert created.status_code == 200, created.text
    info = created.json()
    assert info["state"] == "Open" and info["contentUrl"] == f"services/data/v59.0/jobs/ingest/{info['id']}/batches"
    uploaded = rest(
        "PUT", f"/jobs/ingest/{info['id']}/batches", data=csv_text.encode(), headers={"Content-Type": "text/csv"}
    )
    assert uploaded.status_code == 201, uploaded.text
    closed = rest("PATCH", f"/jobs/ingest/{info['id']}", json={"state": "UploadComplete"})
    assert closed.json()["state"] == "UploadComplete"
    return info["id"]


def test_ingest_insert_reports_successes_and_failures(sf_emulator, rest):
    job = _ingest(rest, CSV)

    info = rest("GET", f"/jobs/ingest/{job}").json()
    successes = rest("GET", f"/jobs/ingest/{job}/successfulResults/")
    failures = rest("GET", f"/jobs/ingest/{job}/failedResults/")

    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == ("JobComplete", 3, 1)
    assert job.startswith("750") and successes.headers["Content-Type"].startswith("text/csv")
    assert successes.text.splitlines()[0] == '"sf__Id","sf__Created",LastName,Company,Email'
    created = _rows(successes.text)
    assert [(row["LastName"], row["sf__Created"]) for row in created] == [("Able", "true"), ("O'Neil, Eve", "true")]
    assert {row["sf__Id"] for row in created} == {record["Id"] for record in sf_emulator.org.records("Lead")}
    failed = _rows(failures.text)
    assert failed[0]["LastName"] == "Baker" and failed[0]["sf__Id"] == ""
    assert failed[0]["sf__Error"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --"
    assert _rows(rest("GET", f"/jobs/ingest/{job}/unprocessedrecords/").text) == []


def test_ingest_update_and_delete(sf_emulator, rest):
    first, second = lead(sf_emulator, 1), lead(sf_emulator, 2)

    _ingest(rest, f"Id,FirstName,Email\n{first},Fay,#N/A\n{second},,\n", operation="update")
    _ingest(rest, f"Id\n{second}\n", operation="delete")

    one, two = sf_emulator.org.get("Lead", first), sf_emulator.org.get("Lead", second)
    assert (one["FirstName"], one["Email"]) == ("Fay", None)
    assert two["Email"] == "lead2@example.com" and two["IsDeleted"] is True
    assert one["LastModifiedById"] == sf_emulator.org.integration_user_id


def test_ingest_upsert_on_an_external_id_field(sf_emulator, rest):
    sf_emulator.org.add_field("Lead", "Platform_Id__c", "string", external_id=True)
    existing = lead(sf_emulator, 1, Platform_Id__c="P-1")

    job = _ingest(
        rest,
        "Platform_Id__c,LastName,Company\nP-1,Renamed,Acme\nP-2,Brand New,Acme\n",
        operation="upsert",
        externalIdFieldName="Platform_Id__c",
    )

    results = _rows(rest("GET", f"/jobs/ingest/{job}/successfulResults").text)
    assert [(row["sf__Id"] == existing, row["sf__Created"]) for row in results] == [(True, "false"), (False, "true")]
    assert sf_emulator.org.get("Lead", existing)["LastName"] == "Renamed"


def test_an_unknown_column_fails_the_job(rest):
    job = _ingest(rest, "LastName,Colour\nAble,red\n")

    info = rest("GET", f"/jobs/ingest/{job}").json()

    assert info["state"] == "Failed" and "Colour" in info["errorMessage"]
    assert len(_rows(rest("GET", f"/jobs/ingest/{job}/unprocessedrecords").text)) == 1


def test_a_job_takes_one_upload(rest):
    job = rest("POST", "/jobs/ingest", json={"object": "Lead", "operation": "insert"}).json()["id"]
    rest("PUT", f"/jobs/ingest/{job}/batches", data=b"LastName,Company\nA,B\n")

    again = rest("PUT", f"/jobs/ingest/{job}/batches", data=b"LastName,Company\nC,D\n")

    assert again.status_code == 409 and error_of(again)["errorCode"] == "INVALIDJOBSTATE"


def test_simple_salesforce_bulk2_ingest_round_trip(sf_emulator, api):
    results = api.bulk2.Lead.insert(records=[{"LastName": f"L{n}", "Company": "Acme"} for n in range(5)], wait=0)

    assert results[0]["numberRecordsProcessed"] == 5 and results[0]["numberRecordsFailed"] == 0
    assert len(sf_emulator.org.records("Lead")) == 5


def test_bulk_query_serves_csv_in_sets_with_a_locator(sf_emulator, rest):
    sf_emulator.org.bulk_create(
        "Lead", [{"LastName": f"L{n}", "Company": "Acme", "HasOptedOutOfEmail": n == 1} for n in range(5)]
    )
    job = rest(
        "POST",
        "/jobs/query",
        json={
            "operation": "query",
            "query": "SELECT Id, LastName, Email, HasOptedOutOfEmail, CreatedDate FROM Lead ORDER BY LastName",
        },
    ).json()
    assert (job["state"], job["object"], job["id"][:3]) == ("UploadComplete", "Lead", "750")

    info = rest("GET", f"/jobs/query/{job['id']}").json()
    first = rest("GET", f"/jobs/query/{job['id']}/results", params={"maxRecords": 3})
    second = rest(
        "GET", f"/jobs/query/{job['id']}/results", params={"maxRecords": 3, "locator": first.headers["Sforce-Locator"]}
    )

    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 5)
    assert first.text.splitlines()[0] == '"Id","LastName","Email","HasOptedOutOfEmail","CreatedDate"'
    assert (first.headers["Sforce-NumberOfRecords"], second.headers["Sforce-NumberOfRecords"]) == ("3", "2")
    assert second.headers["Sforce-Locator"] == "null" and first.headers["Sforce-Locator"] != "null"
    rows = _rows(first.text) + _rows(second.text)
    assert [row["LastName"] for row in rows] == ["L0", "L1", "L2", "L3", "L4"]
    assert rows[1]["HasOptedOutOfEmail"] == "true" and rows[1]["Email"] == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rows[0]["CreatedDate"])


def test_bulk_query_all_includes_deleted_rows(sf_emulator, rest):
    sf_emulator.org.delete("Lead", lead(sf_emulator))
    job = rest("POST", "/jobs/query", json={"operation": "queryAll", "query": "SELECT Id, IsDeleted FROM Lead"})

    rows = _rows(rest("GET", f"/jobs/query/{job.json()['id']}/results").text)

    assert [row["IsDeleted"] for row in rows] == ["true"]


def test_bulk_query_refuses_a_bad_query(rest):
    response = rest("POST", "/jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Lead"})

    assert response.status_code == 400 and error_of(response)["errorCode"] == "INVALID_FIELD"


def test_simple_salesforce_bulk2_query_round_trip(sf_emulator, api):
    sf_emulator.org.bulk_create("Contact", [{"LastName": f"C{n}"} for n in range(7)])

    chunks = list(api.bulk2.Contact.query("SELECT Id, LastName FROM Contact", max_records=3, wait=0))

    assert len(chunks) == 3
    assert sum(len(_rows(chunk)) for chunk in chunks) == 7


def test_jobs_live_under_any_version_path(rest):
    response = rest("POST", "/services/data/v62.0/jobs/ingest", json={"object": "Contact", "operation": "insert"})

    assert response.json()["apiVersion"] == 62.0
    assert response.json()["contentUrl"].startswith("services/data/v62.0/jobs/ingest/")
