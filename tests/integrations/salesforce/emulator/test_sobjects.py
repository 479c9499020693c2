import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from .support import API, error_of, lead


def test_create_get_update_delete_through_simple_salesforce(sf_emulator, api):
    created = api.Lead.create(
        {"FirstName": "Ada", "LastName": "Lovelace", "Company": "Engines", "Email": "ada@example.com"}
    )
    before = api.Lead.get(created["id"])
    status = api.Lead.update(created["id"], {"Phone": "+44 20 0000"})
    after = api.Lead.get(created["id"])
    deleted = api.Lead.delete(created["id"])

    assert created["success"] is True and created["errors"] == []
    assert before["Name"] == "Ada Lovelace" and before["Status"] == "Open - Not Contacted"
    assert before["attributes"] == {"type": "Lead", "url": f"{API}/sobjects/Lead/{created['id']}"}
    assert status == deleted == 204
    assert after["Phone"] == "+44 20 0000" and after["SystemModstamp"] >= before["SystemModstamp"]
    assert sf_emulator.org.get("Lead", created["id"])["IsDeleted"] is True


def test_writes_over_the_api_carry_the_tokens_user_and_system_fields(sf_emulator, api):
    integration = sf_emulator.org.integration_user_id

    record = api.Contact.get(api.Contact.create({"LastName": "Lee"})["id"])

    assert record["CreatedById"] == record["LastModifiedById"] == record["OwnerId"] == integration
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert record["IsDeleted"] is False and record["HasOptedOutOfEmail"] is False


def test_get_can_pick_fields(sf_emulator, rest):
    lead_id = lead(sf_emulator)

    body = rest("GET", f"/sobjects/Lead/{lead_id}", params={"fields": "Email,lastname"}).json()

    assert list(body) == ["attributes", "Email", "LastName"]


@pytest.mark.parametrize(
    ("sobject", "fields", "code", "message", "error_fields"),
    [
        (
            "Lead",
            {"FirstName": "No"},
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName, Company]",
            ["LastName", "Company"],
        ),
        (
            "Contact",
            {"Email": "x@example.com"},
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
            ["LastName"],
        ),
        ("Account", {}, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"]),
        (
            "Lead",
            {"LastName": "X", "Company": "Y", "Colour": "red"},
            "INVALID_FIELD",
            "No such column 'Colour' on sobject of type Lead",
            None,
        ),
        (
            "Lead",
            {"LastName": "X", "Company": "Y", "IsConverted": True},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: IsConverted.",
            ["IsConverted"],
        ),
        (
            "Lead",
            {"LastName": "X", "Company": "Y", "Email": "not-an-address"},
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: not-an-address",
            ["Email"],
        ),
        (
            "Lead",
            {"LastName": "X" * 81, "Company": "Y"},
            "STRING_TOO_LONG",
            "Last Name: data value too large",
            ["LastName"],
        ),
        (
            "Contact",
            {"LastName": "X", "Birthdate": "31/12/1999"},
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            "Birthdate: value not of required type: 31/12/1999",
            ["Birthdate"],
        ),
        (
            "Contact",
            {"LastName": "X", "AccountId": "00Q5g0000000001EAI"},
            "MALFORMED_ID",
            "Account: id value of incorrect type",
            ["AccountId"],
        ),
    ],
)
def test_create_refusals(rest, sobject, fields, code, message, error_fields):
    response = rest("POST", f"/sobjects/{sobject}/", json=fields)

    assert response.status_code == 400
    error = error_of(response)
    assert error["errorCode"] == code and message in error["message"]
    assert error.get("fields") == error_fields


def test_simple_salesforce_raises_on_a_refusal(api):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        api.Lead.create({"FirstName": "No"})

    assert refused.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_unknown_id_is_not_found(rest, method):
    response = rest(method, "/sobjects/Lead/00Q5g000000ZZZZEAI", json={"FirstName": "X"})

    assert response.status_code == 404
    assert error_of(response) == {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_deleted_record_answers_entity_is_deleted(sf_emulator, rest, method):
    lead_id = lead(sf_emulator)
    sf_emulator.org.delete("Lead", lead_id)

    response = rest(method, f"/sobjects/Lead/{lead_id}", json={"FirstName": "X"})

    assert response.status_code == 404
    assert error_of(response) == {"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}


def test_a_converted_lead_cannot_be_updated(sf_emulator, api):
    lead_id = lead(sf_emulator)
    sf_emulator.org.convert_lead(lead_id)

    with pytest.raises(SalesforceMalformedRequest) as refused:
        api.Lead.update(lead_id, {"FirstName": "Late"})

    assert refused.value.content == [
        {"message": "cannot reference converted lead", "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD", "fields": []}
    ]


def test_an_unknown_object_is_not_found(api):
    with pytest.raises(SalesforceResourceNotFound):
        api.Opportunity.create({"Name": "Big"})


def test_describe_lists_fields_with_their_properties(api):
    described = api.Lead.describe()
    fields = {field["name"]: field for field in described["fields"]}

    assert (described["name"], described["keyPrefix"], described["queryable"]) == ("Lead", "00Q", True)
    assert fields["Email"]["type"] == "email" and fields["Email"]["nillable"] is True
    assert fields["LastName"]["nillable"] is False and fields["LastName"]["createable"] is True
    assert fields["SystemModstamp"]["createable"] is False and fields["SystemModstamp"]["type"] == "datetime"
    assert fields["HasOptedOutOfEmail"]["defaultedOnCreate"] is True
    assert "Open - Not Contacted" in [value["value"] for value in fields["Status"]["picklistValues"]]
    assert fields["ConvertedContactId"]["referenceTo"] == ["Contact"]
    assert {
        "name",
        "label",
        "type",
        "length",
        "nillable",
        "createable",
        "updateable",
        "unique",
        "externalId",
        "defaultedOnCreate",
        "picklistValues",
    } <= set(fields["Email"])


def test_global_describe_names_every_object(api):
    objects = {item["name"]: item["keyPrefix"] for item in api.describe()["sobjects"]}

    assert objects == {
        "Lead": "00Q",
        "Contact": "003",
        "Account": "001",
        "Campaign": "701",
        "CampaignMember": "00v",
        "Task": "00T",
        "User": "005",
        "Organization": "00D",
    }


def test_versions_need_no_token_and_any_version_is_served(sf_emulator, http, rest):
    versions = http.get(f"{sf_emulator.base_url}/services/data/").json()

    assert {"label", "url", "version"} <= set(versions[0])
    assert rest("GET", "/services/data/v61.0/limits").status_code == 200
    assert "sobjects" in rest("GET", "/").json()


def test_every_answer_carries_the_limit_header_counting_up(rest):
    seen = [rest("GET", "/limits").headers["Sforce-Limit-Info"] for _ in range(3)]
    failed = rest("GET", "/sobjects/Lead/00Q5g000000ZZZZEAI")

    assert seen == ["api-usage=1/100000", "api-usage=2/100000", "api-usage=3/100000"]
    assert failed.headers["Sforce-Limit-Info"] == "api-usage=4/100000"


def test_limits_report_the_daily_requests(sf_emulator, api):
    sf_emulator.org.daily_api_limit = 500
    api.query("SELECT Id FROM Lead")

    body = api.limits()

    assert body["DailyApiRequests"] == {"Max": 500, "Remaining": 498}
    assert api.api_usage["api-usage"].used == 2


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("PUT", "/sobjects/Lead/", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/no/such/thing", 404, "NOT_FOUND"),
        ("POST", "/sobjects/Lead/", 400, "JSON_PARSER_ERROR"),
    ],
)
def test_other_errors_are_json_arrays_too(rest, method, path, status, code):
    response = rest(method, path, data=b"{not json", headers={"Content-Type": "application/json"})

    assert response.status_code == status and error_of(response)["errorCode"] == code
