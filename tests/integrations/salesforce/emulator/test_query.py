import re
from datetime import UTC, datetime, timedelta

import pytest

from .support import API, error_of, lead

T0 = datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["LastName"] for record in response.json()["records"]]


@pytest.fixture
def people(sf_emulator):
    """Five leads at known times (one minute apart from T0)."""
    org = sf_emulator.org
    rows = [
        {
            "FirstName": "Ann",
            "LastName": "Able",
            "Email": "ann@example.com",
            "HasOptedOutOfEmail": False,
            "Phone": "+1 555 0001",
        },
        {"FirstName": "Bob", "LastName": "Baker", "Email": "BOB@Example.com", "HasOptedOutOfEmail": True},
        {"FirstName": None, "LastName": "Cole", "Email": "cole@other.org", "HasOptedOutOfEmail": False},
        {
            "FirstName": "Dee",
            "LastName": "Dunn",
            "Email": None,
            "HasOptedOutOfEmail": True,
            "LeadSource": "Phone Inquiry",
        },
        {"FirstName": "Eve", "LastName": "O'Neil", "Email": "eve@example.com", "HasOptedOutOfEmail": False},
    ]
    for minute, row in enumerate(rows):
        org.clock = lambda minute=minute: T0 + timedelta(minutes=minute)
        org.create("Lead", {"Company": "Acme", **row})
    org.clock = None


def test_three_pages_of_a_result_set_fixed_when_the_query_ran(sf_emulator, rest):
    sf_emulator.org.bulk_create("Lead", [{"LastName": f"L{n:03d}", "Company": "Acme"} for n in range(450)])
    query = {"q": "SELECT Id, LastName FROM Lead ORDER BY LastName"}
    small = {"Sforce-Query-Options": "batchSize=200"}

    first = rest("GET", "/query", params=query, headers=small).json()
    sf_emulator.org.create("Lead", {"LastName": "L000-new", "Company": "Acme"})
    last_id = sf_emulator.org.records("Lead")[449]["Id"]
    sf_emulator.org.delete("Lead", last_id)
    second = rest("GET", first["nextRecordsUrl"]).json()
    third = rest("GET", second["nextRecordsUrl"]).json()

    assert [len(page["records"]) for page in (first, second, third)] == [200, 200, 50]
    assert [page["done"] for page in (first, second, third)] == [False, False, True]
    assert {page["totalSize"] for page in (first, second, third)} == {450}
    assert re.fullmatch(rf"{API}/query/01g\w{{15}}-200", first["nextRecordsUrl"])
    assert second["nextRecordsUrl"].endswith("-400") and "nextRecordsUrl" not in third
    names = [record["LastName"] for page in (first, second, third) for record in page["records"]]
    assert names == [f"L{n:03d}" for n in range(450)]
    assert third["records"][-1]["Id"] == last_id


def test_pages_are_2000_records_by_default_and_query_all_iter_reads_them_all(sf_emulator, api):
    sf_emulator.org.bulk_create("Lead", [{"LastName": f"L{n}", "Company": "Acme"} for n in range(2300)])

    first = api.query("SELECT Id FROM Lead")
    everything = list(api.query_all_iter("SELECT Id, Email FROM Lead ORDER BY SystemModstamp, Id"))

    assert len(first["records"]) == 2000 and first["totalSize"] == 2300
    assert len({record["Id"] for record in everything}) == 2300


def test_an_unknown_query_locator_is_refused(rest):
    response = rest("GET", "/query/01g5g0000000001AAA-2000")

    assert response.status_code == 400
    assert error_of(response)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_records_carry_attributes_and_salesforce_datetimes(sf_emulator, rest):
    lead_id = lead(sf_emulator)

    record = rest("GET", "/query", params={"q": "select id, email, systemmodstamp from lead"}).json()["records"][0]

    assert record["attributes"] == {"type": "Lead", "url": f"{API}/sobjects/Lead/{lead_id}"}
    assert list(record) == ["attributes", "Id", "Email", "SystemModstamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", record["SystemModstamp"])


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Email = 'bob@example.com'", ["Baker"]),
        ("Email != 'ann@example.com'", ["Baker", "Cole", "Dunn", "O'Neil"]),
        ("Email <> 'ann@example.com'", ["Baker", "Cole", "Dunn", "O'Neil"]),
        ("LastName < 'Cole'", ["Able", "Baker"]),
        ("LastName <= 'Cole'", ["Able", "Baker", "Cole"]),
        ("LastName > 'Cole'", ["Dunn", "O'Neil"]),
        ("LastName >= 'Dunn'", ["Dunn", "O'Neil"]),
        ("LastName = 'O\\'Neil'", ["O'Neil"]),
        ("Email IN ('ann@example.com', 'eve@example.com')", ["Able", "O'Neil"]),
        ("Email NOT IN ('ann@example.com', 'eve@example.com')", ["Baker", "Cole", "Dunn"]),
        ("Email LIKE '%@example.com'", ["Able", "Baker", "O'Neil"]),
        ("Email LIKE 'c_le%'", ["Cole"]),
        ("Email = null", ["Dunn"]),
        ("FirstName != null AND Email != null", ["Able", "Baker", "O'Neil"]),
        ("HasOptedOutOfEmail = true", ["Baker", "Dunn"]),
        ("HasOptedOutOfEmail = false AND (Email LIKE 'a%' OR Email LIKE 'e%')", ["Able", "O'Neil"]),
        ("NOT HasOptedOutOfEmail = true", ["Able", "Cole", "O'Neil"]),
        ("NOT (LastName = 'Able' OR LastName = 'Baker')", ["Cole", "Dunn", "O'Neil"]),
        ("LeadSource = 'Phone Inquiry' OR Phone = '+1 555 0001'", ["Able", "Dunn"]),
        ("CreatedDate >= 2024-05-01T09:03:00Z", ["Dunn", "O'Neil"]),
        ("CreatedDate > 2024-05-01T09:03:00+00:00", ["O'Neil"]),
        ("CreatedDate < 2024-05-01T11:01:00+0200", ["Able"]),
        ("SystemModstamp <= 2024-05-01T09:01:00.000Z", ["Able", "Baker"]),
        ("Status = 'Open - Not Contacted' AND IsConverted = false", ["Able", "Baker", "Cole", "Dunn", "O'Neil"]),
    ],
)
def test_where_operators(people, rest, where, expected):
    response = rest("GET", "/query", params={"q": f"SELECT LastName FROM Lead WHERE {where} ORDER BY LastName"})

    assert _names(response) == expected


def test_date_literals_compare_with_date_fields(sf_emulator, rest):
    sf_emulator.org.create("Contact", {"LastName": "Early", "Birthdate": "1980-02-29"})
    sf_emulator.org.create("Contact", {"LastName": "Late", "Birthdate": "1999-12-31"})

    response = rest("GET", "/query", params={"q": "SELECT LastName FROM Contact WHERE Birthdate > 1990-01-01"})

    assert _names(response) == ["Late"]


def test_a_semi_join_selects_through_another_object(sf_emulator, rest):
    campaign = sf_emulator.org.create("Campaign", {"Name": "Spring"})
    member, other = lead(sf_emulator, 1), lead(sf_emulator, 2)
    sf_emulator.org.create("CampaignMember", {"CampaignId": campaign, "LeadId": member})

    q = f"SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember WHERE CampaignId = '{campaign}')"
    records = rest("GET", "/query", params={"q": q}).json()["records"]

    assert [record["Id"] for record in records] == [member] != [other]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("FirstName", ["Cole", "Able", "Baker", "Dunn", "O'Neil"]),
        ("FirstName NULLS LAST", ["Able", "Baker", "Dunn", "O'Neil", "Cole"]),
        ("FirstName DESC", ["O'Neil", "Dunn", "Baker", "Able", "Cole"]),
        ("FirstName DESC NULLS FIRST", ["Cole", "O'Neil", "Dunn", "Baker", "Able"]),
        ("HasOptedOutOfEmail DESC, LastName ASC", ["Baker", "Dunn", "Able", "Cole", "O'Neil"]),
        ("Email LIMIT 2", ["Dunn", "Able"]),
        ("CreatedDate LIMIT 2 OFFSET 3", ["Dunn", "O'Neil"]),
    ],
)
def test_order_by_limit_and_offset(people, rest, order, expected):
    assert _names(rest("GET", "/query", params={"q": f"SELECT LastName FROM Lead ORDER BY {order}"})) == expected


def test_count(people, rest):
    body = rest("GET", "/query", params={"q": "SELECT COUNT() FROM Lead WHERE HasOptedOutOfEmail = false"}).json()

    assert body == {"totalSize": 3, "done": True, "records": []}


def test_ids_match_in_their_15_and_18_character_forms(sf_emulator, rest):
    lead_id = lead(sf_emulator)

    for form in (lead_id, lead_id[:15]):
        records = rest("GET", "/query", params={"q": f"SELECT Id FROM Lead WHERE Id = '{form}'"}).json()["records"]
        assert [record["Id"] for record in records] == [lead_id]


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        ("SELECT Id, Foo FROM Lead", "INVALID_FIELD", "No such column 'Foo' on entity 'Lead'"),
        ("SELECT Id FROM Lead WHERE Bar__c = 1", "INVALID_FIELD", "No such column 'Bar__c' on entity 'Lead'"),
        ("SELECT Id FROM Leads", "INVALID_TYPE", "sObject type 'Leads' is not supported"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id Lead", "MALFORMED_QUERY", "unexpected token: Lead"),
        (
            "SELECT Id FROM Lead WHERE Email = 'a' AND LastName = 'b' OR Company = 'c'",
            "MALFORMED_QUERY",
            "unexpected token: OR",
        ),
        (
            "SELECT Id FROM Lead WHERE SystemModstamp > '2024-01-01T00:00:00Z'",
            "INVALID_FIELD",
            "must be of type dateTime and should not be enclosed in quotes",
        ),
        ("SELECT Id FROM Lead WHERE HasOptedOutOfEmail = 'true'", "INVALID_FIELD", "must be of type boolean"),
        ("SELECT Id FROM Lead WHERE Email = 5", "INVALID_FIELD", "should be enclosed in quotes"),
        ("SELECT Id FROM Lead WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nope"),
        ("SELECT Id, Id FROM Lead", "MALFORMED_QUERY", "duplicate field selected: Id"),
        ("SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000"),
        ("SELECT Owner.Name FROM Lead", "INVALID_FIELD", "Didn't understand relationship 'Owner'"),
    ],
)
def test_query_errors_answer_like_salesforce(rest, soql, code, message):
    response = rest("GET", "/query", params={"q": soql})

    assert response.status_code == 400
    error = error_of(response)
    assert error["errorCode"] == code and message in error["message"]
    assert "ERROR at Row:1:Column:" in error["message"]


def test_an_empty_query_is_malformed(rest):
    response = rest("GET", "/query", params={"q": " "})

    assert response.status_code == 400 and error_of(response)["errorCode"] == "MALFORMED_QUERY"
