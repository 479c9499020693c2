"""The tenancy harness: proves a user or token of account B sees and changes nothing of account A.

Give it a client logged in as B (a Django test client or a DRF APIClient), the
rows of account A with the text that identifies them, the pages that list rows,
and the URLs that address A's rows. It checks that

- no listing, search or export shows any of A's identifying text;
- no method on any URL of A's rows is served (a 2xx answer is a violation;
  refusals and redirects are not) and none shows A's text;
- with `not_found=True`, every refusal is a 404: another account's row answers
  as a missing one, never 403 (405 passes: a method the URL never serves);
- afterwards each of A's rows still exists, unchanged.

`tenancy_violations` returns what went wrong (an empty list when isolated);
`assert_tenant_isolated` fails the test with that list.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Model
from django.forms.models import model_to_dict

WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass
class TenancyCase:
    rows: Sequence[Model]
    secrets: Sequence[str]
    list_urls: Sequence[str] = ()
    object_urls: Sequence[str] = ()
    methods: Sequence[str] = ("get", *WRITE_METHODS)
    payload: dict = field(default_factory=dict)
    not_found: bool = False


def _snapshot(rows: Iterable[Model]) -> dict:
    snap = {}
    for row in rows:
        fresh = type(row)._base_manager.filter(pk=row.pk).first()
        snap[(row._meta.label, row.pk)] = model_to_dict(fresh) if fresh is not None else None
    return snap


def _body(response) -> str:
    content = getattr(response, "content", b"")
    if not content and getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    return content.decode("utf-8", errors="replace")


def _leaks(body: str, secrets: Sequence[str]) -> list[str]:
    return [s for s in secrets if s and s in body]


def _call(client, method: str, url: str, payload: dict):
    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, payload)
    return getattr(client, method)(url, data=payload, content_type="application/json")


def tenancy_violations(client, case: TenancyCase) -> list[str]:
    problems: list[str] = []
    before = _snapshot(case.rows)
    for url in case.list_urls:
        response = client.get(url)
        leaked = _leaks(_body(response), case.secrets)
        if leaked:
            problems.append(f"GET {url} shows another account's data: {leaked}")
    for url in case.object_urls:
        for method in case.methods:
            response = _call(client, method, url, case.payload)
            if 200 <= response.status_code < 300:
                problems.append(f"{method.upper()} {url} answered {response.status_code} instead of refusing")
            elif case.not_found and response.status_code not in (404, 405):
                problems.append(f"{method.upper()} {url} answered {response.status_code} instead of 404")
            leaked = _leaks(_body(response), case.secrets)
            if leaked:
                problems.append(f"{method.upper()} {url} shows another account's data: {leaked}")
    after = _snapshot(case.rows)
    for key, old in before.items():
        if after[key] is None:
            problems.append(f"{key[0]} #{key[1]} of another account was deleted")
        elif after[key] != old:
            problems.append(f"{key[0]} #{key[1]} of another account was changed: {old} -> {after[key]}")
    return problems


def assert_tenant_isolated(client, case: TenancyCase) -> None:
    problems = tenancy_violations(client, case)
    assert not problems, "Tenancy violated:\n- " + "\n- ".join(problems)
