"""Shared pieces of the emulator tests: constants, a REST caller and record factories."""

import requests

from integrations.salesforce.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

VERSION = "59.0"
API = f"/services/data/v{VERSION}"
CLIENT = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}


def grant(sf, http, **form) -> requests.Response:
    return http.post(f"{sf.base_url}/services/oauth2/token", data=form, timeout=10)


class Rest:
    """Calls under /services/data/v59.0 with a bearer token."""

    def __init__(self, sf, http, token):
        self.sf, self.http, self.token = sf, http, token

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("/services") else API + path
        return self.http.request(method, self.sf.base_url + url, headers=headers, timeout=30, **kwargs)


def lead(sf, number: int = 1, **fields) -> str:
    values = {"LastName": f"Lead {number}", "Company": "Acme", "Email": f"lead{number}@example.com", **fields}
    return sf.org.create("Lead", values)


def error_of(response: requests.Response) -> dict:
    """The single error of a Salesforce error answer, after checking its shape."""
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert {"message", "errorCode"} <= set(body[0]), body
    return body[0]
