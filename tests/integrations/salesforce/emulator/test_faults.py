import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession

from .support import CLIENT, error_of, grant, lead


def _statuses(rest, count: int) -> list[int]:
    return [rest("GET", "/limits").status_code for _ in range(count)]


def test_the_error_rate_fails_a_share_of_calls_the_same_way_for_a_seed(sf_emulator, rest):
    sf_emulator.faults.set(error_rate=0.5, seed=7)
    first = _statuses(rest, 20)
    sf_emulator.faults.set(error_rate=0.5, seed=7)
    second = _statuses(rest, 20)

    assert first == second and set(first) == {200, 500}
    sf_emulator.faults.set(error_rate=1.0)
    failed = rest("GET", "/limits")
    assert failed.status_code == 500 and error_of(failed)["errorCode"] == "UNKNOWN_EXCEPTION"
    assert sf_emulator.api_calls == 41  # failed calls count too


def test_latency_slows_calls_without_failing_them(sf_emulator, rest):
    sf_emulator.faults.set(latency_ms=5)

    assert _statuses(rest, 2) == [200, 200]


def test_expired_sessions_answer_401_and_a_refresh_token_still_works(sf_emulator, http):
    code_response = http.get(
        f"{sf_emulator.base_url}/services/oauth2/authorize",
        allow_redirects=False,
        params={
            "response_type": "code",
            "client_id": CLIENT["client_id"],
            "redirect_uri": "https://app.example.test/cb",
        },
    )
    code = code_response.headers["Location"].split("code=")[1]
    tokens = grant(
        sf_emulator,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example.test/cb",
        **CLIENT,
    ).json()
    sf_emulator.faults.expire_sessions()

    refused = http.get(
        f"{sf_emulator.base_url}/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    renewed = grant(sf_emulator, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **CLIENT)
    again = http.get(
        f"{sf_emulator.base_url}/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {renewed.json()['access_token']}"},
    )

    assert refused.status_code == 401
    assert refused.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert again.status_code == 200


def test_simple_salesforce_sees_an_expired_session(sf_emulator, api):
    sf_emulator.faults.expire_sessions()

    with pytest.raises(SalesforceExpiredSession):
        api.query("SELECT Id FROM Lead")


def test_revoked_refresh_tokens_stop_working(sf_emulator, http):
    code = (
        http.get(
            f"{sf_emulator.base_url}/services/oauth2/authorize",
            allow_redirects=False,
            params={
                "response_type": "code",
                "client_id": CLIENT["client_id"],
                "redirect_uri": "https://app.example.test/cb",
            },
        )
        .headers["Location"]
        .split("code=")[1]
    )
    tokens = grant(
        sf_emulator,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example.test/cb",
        **CLIENT,
    ).json()

    sf_emulator.faults.revoke_refresh_tokens()

    renewal = grant(sf_emulator, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **CLIENT)
    assert renewal.json()["error"] == "invalid_grant"


def test_after_n_calls_every_call_exceeds_the_request_limit_until_cleared(sf_emulator, rest):
    sf_emulator.faults.set(limit_after_calls=2)

    statuses = _statuses(rest, 4)
    refused = rest("GET", "/limits")
    sf_emulator.faults.clear()

    assert statuses == [200, 200, 403, 403]
    assert error_of(refused) == {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=2/100000"
    assert rest("GET", "/limits").status_code == 200


def test_the_daily_limit_runs_out(sf_emulator, rest):
    sf_emulator.org.daily_api_limit = 3

    assert _statuses(rest, 4) == [200, 200, 200, 403]
    assert sf_emulator.api_calls == 3


def test_a_locked_row_fails_a_single_record_write(sf_emulator, rest):
    lead_id = lead(sf_emulator)
    sf_emulator.faults.set(lock_rows=1)

    locked = rest("PATCH", f"/sobjects/Lead/{lead_id}", json={"FirstName": "Locked"})
    retried = rest("PATCH", f"/sobjects/Lead/{lead_id}", json={"FirstName": "Retried"})

    assert locked.status_code == 400
    assert error_of(locked)["errorCode"] == "UNABLE_TO_LOCK_ROW" and lead_id in error_of(locked)["message"]
    assert retried.status_code == 204 and sf_emulator.org.get("Lead", lead_id)["FirstName"] == "Retried"


def test_locked_rows_fail_records_one_by_one_in_a_collection(sf_emulator, rest):
    first, second, third = (lead(sf_emulator, n) for n in range(3))
    sf_emulator.faults.set(lock_rows=2)
    records = [
        {"attributes": {"type": "Lead"}, "Id": record_id, "FirstName": "New"} for record_id in (first, second, third)
    ]

    results = rest("PATCH", "/composite/sobjects", json={"allOrNone": False, "records": records}).json()

    assert [result["errors"][0]["statusCode"] if result["errors"] else None for result in results] == [
        "UNABLE_TO_LOCK_ROW",
        "UNABLE_TO_LOCK_ROW",
        None,
    ]


def test_an_org_without_api_access(sf_emulator, rest):
    sf_emulator.faults.set(api_disabled=True)

    response = rest("GET", "/limits")

    assert response.status_code == 403
    assert error_of(response) == {
        "message": "The REST API is not enabled for this Organization.",
        "errorCode": "API_DISABLED_FOR_ORG",
    }
    assert sf_emulator.api_calls == 0


def test_an_unknown_switch_is_refused(sf_emulator):
    with pytest.raises(TypeError):
        sf_emulator.faults.set(errors=True)
