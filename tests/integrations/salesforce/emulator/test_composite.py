from .support import error_of, lead

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def _lead(**fields) -> dict:
    return {"attributes": {"type": "Lead"}, **fields}


def test_create_answers_per_record(sf_emulator, rest):
    records = [_lead(LastName="A", Company="X"), _lead(FirstName="No last name"), _lead(LastName="C", Company="X")]

    results = rest("POST", "/composite/sobjects", json={"allOrNone": False, "records": records}).json()

    assert [result["success"] for result in results] == [True, False, True]
    assert results[1] == {
        "id": None,
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName, Company]",
                "fields": ["LastName", "Company"],
            }
        ],
    }
    assert {record["Id"] for record in sf_emulator.org.records("Lead")} == {results[0]["id"], results[2]["id"]}


def test_all_or_none_rolls_every_record_back(sf_emulator, rest):
    records = [_lead(LastName="A", Company="X"), _lead(LastName="B", Company="X", Email="bad")]

    results = rest("POST", "/composite/sobjects", json={"allOrNone": True, "records": records}).json()

    assert results[0] == {
        "id": None,
        "success": False,
        "errors": [
            {
                "statusCode": ROLLED_BACK,
                "message": "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
                "fields": [],
            }
        ],
    }
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert sf_emulator.org.records("Lead") == []


def test_update_answers_per_record(sf_emulator, rest):
    kept, gone = lead(sf_emulator, 1), lead(sf_emulator, 2)
    sf_emulator.org.delete("Lead", gone)
    records = [
        _lead(id=kept, FirstName="Kept"),
        _lead(id=gone, FirstName="Gone"),
        _lead(FirstName="No id"),
        {"attributes": {"type": "Lead"}, "Id": "00Q5g000000ZZZZEAI", "FirstName": "Nobody"},
    ]

    results = rest("PATCH", "/composite/sobjects", json={"allOrNone": False, "records": records}).json()

    assert results[0] == {"id": kept, "success": True, "errors": []}
    assert (results[1]["id"], results[1]["errors"][0]["statusCode"]) == (gone, "ENTITY_IS_DELETED")
    assert results[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert results[3]["errors"][0]["statusCode"] == "NOT_FOUND"
    assert sf_emulator.org.get("Lead", kept)["FirstName"] == "Kept"


def test_update_with_all_or_none_leaves_records_untouched(sf_emulator, rest):
    first, second = lead(sf_emulator, 1), lead(sf_emulator, 2)
    before = sf_emulator.org.get("Lead", first)
    records = [_lead(id=first, FirstName="Changed"), _lead(id=second, Email="not an email")]

    results = rest("PATCH", "/composite/sobjects", json={"allOrNone": True, "records": records}).json()

    assert results[0]["errors"][0]["statusCode"] == ROLLED_BACK and results[0]["id"] == first
    assert sf_emulator.org.get("Lead", first) == before


def test_delete_takes_ids_and_answers_per_record(sf_emulator, rest):
    first, second = lead(sf_emulator, 1), lead(sf_emulator, 2)
    sf_emulator.org.delete("Lead", second)

    results = rest(
        "DELETE", "/composite/sobjects", params={"ids": f"{first},{second},bogus", "allOrNone": "false"}
    ).json()

    assert results[0] == {"id": first, "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert results[2]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert sf_emulator.org.get("Lead", first)["IsDeleted"] is True


def test_more_than_200_records_are_refused(rest):
    records = [_lead(LastName=f"L{n}", Company="X") for n in range(201)]

    response = rest("POST", "/composite/sobjects", json={"records": records})

    assert response.status_code == 400 and error_of(response)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_retrieve_several_records_at_once(sf_emulator, rest):
    first, second = lead(sf_emulator, 1), lead(sf_emulator, 2)

    body = rest(
        "GET", "/composite/sobjects/Lead", params={"ids": f"{first},{second},00Q5g000000ZZZZEAI", "fields": "Id,Email"}
    ).json()

    assert [item and item["Email"] for item in body] == ["lead1@example.com", "lead2@example.com", None]
