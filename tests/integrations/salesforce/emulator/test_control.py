from .support import lead


def _control(sf, http, name: str, body: dict | None = None, method: str = "POST"):
    response = http.request(method, f"{sf.base_url}/__emulator__/{name}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_seed_creates_records_as_the_chosen_user(sf_emulator, http):
    body = _control(
        sf_emulator,
        http,
        "seed",
        {"sobject": "Contact", "by_user": "integration", "records": [{"LastName": "A"}, {"LastName": "B"}]},
    )

    records = sf_emulator.org.records("Contact")
    assert body["ids"] == [record["Id"] for record in records]
    assert {record["LastModifiedById"] for record in records} == {sf_emulator.org.integration_user_id}


def test_seed_refuses_invalid_records(sf_emulator, http):
    response = http.post(
        f"{sf_emulator.base_url}/__emulator__/seed", json={"sobject": "Lead", "records": [{"LastName": "A"}]}
    )

    assert response.status_code == 400 and response.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_faults_can_be_switched_over_http(sf_emulator, http, rest):
    state = _control(sf_emulator, http, "faults", {"limit_after_calls": 0, "lock_rows": 2})
    refused = rest("GET", "/limits")
    cleared = _control(sf_emulator, http, "faults", {"clear": True})

    assert state["limit_after_calls"] == 0 and state["lock_rows"] == 2
    assert refused.status_code == 403 and cleared["lock_rows"] == 0
    assert _control(sf_emulator, http, "faults", method="GET") == cleared


def test_sessions_can_be_expired_over_http(sf_emulator, http, rest):
    _control(sf_emulator, http, "faults", {"expire_sessions": True})

    assert rest("GET", "/limits").status_code == 401


def test_convert_update_and_delete_act_like_users(sf_emulator, http):
    first, second = lead(sf_emulator, 1), lead(sf_emulator, 2)

    converted = _control(sf_emulator, http, "convert_lead", {"id": first})
    _control(sf_emulator, http, "update", {"sobject": "Lead", "id": second, "fields": {"FirstName": "Zed"}})
    _control(sf_emulator, http, "delete", {"sobject": "Lead", "id": second})

    assert sf_emulator.org.get("Lead", first)["ConvertedContactId"] == converted["contactId"]
    assert converted["accountId"] == sf_emulator.org.records("Account")[0]["Id"]
    updated = sf_emulator.org.get("Lead", second)
    assert updated["FirstName"] == "Zed" and updated["IsDeleted"] is True
    assert updated["LastModifiedById"] == sf_emulator.org.admin_user_id


def test_stats_count_api_calls_and_records(sf_emulator, http, rest):
    lead(sf_emulator, 1)
    sf_emulator.org.delete("Lead", lead(sf_emulator, 2))
    rest("GET", "/limits")

    stats = _control(sf_emulator, http, "stats", method="GET")

    assert stats["api_calls"] == 1
    assert (stats["counts"]["Lead"], stats["deleted"]["Lead"], stats["counts"]["User"]) == (1, 1, 2)


def test_reset_wipes_records_tokens_counters_and_faults(sf_emulator, http, rest):
    lead(sf_emulator)
    rest("GET", "/limits")
    sf_emulator.faults.set(lock_rows=3)

    _control(sf_emulator, http, "reset")

    assert sf_emulator.org.records("Lead") == [] and sf_emulator.api_calls == 0
    assert sf_emulator.faults.lock_rows == 0
    assert rest("GET", "/limits").status_code == 401


def test_unknown_control_endpoints_are_not_found(sf_emulator, http):
    assert http.post(f"{sf_emulator.base_url}/__emulator__/explode").status_code == 404
