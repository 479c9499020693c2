"""/__emulator__/ endpoints, for processes that drive the emulator from outside (benchmarks, the demo)."""

from .errors import ApiError
from .web import Request, Response, json_response


def _body(request: Request) -> dict:
    body = request.json() if request.body else {}
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
    return body


def reset(server, request: Request) -> Response:
    server.reset()
    return json_response({"ok": True})


def faults(server, request: Request) -> Response:
    if request.method == "POST":
        body = _body(request)
        if body.pop("clear", False):
            server.faults.clear()
        if body.pop("expire_sessions", False):
            server.faults.expire_sessions()
        if body.pop("revoke_refresh_tokens", False):
            server.faults.revoke_refresh_tokens()
        try:
            server.faults.set(**body)
        except TypeError as error:
            raise ApiError(400, "INVALID_FIELD", str(error)) from None
    return json_response(server.faults.state())


def seed(server, request: Request) -> Response:
    body = _body(request)
    records = body.get("records")
    if not isinstance(records, list):
        raise ApiError(400, "JSON_PARSER_ERROR", "records must be a list")
    return json_response(
        {"ids": server.org.bulk_create(str(body.get("sobject", "")), records, by_user=body.get("by_user"))}
    )


def convert_lead(server, request: Request) -> Response:
    body = _body(request)
    contact_id = server.org.convert_lead(str(body.get("id", "")), by_user=body.get("by_user"))
    lead = server.org.get("Lead", str(body["id"]))
    return json_response({"id": lead["Id"], "contactId": contact_id, "accountId": lead["ConvertedAccountId"]})


def update(server, request: Request) -> Response:
    body = _body(request)
    server.org.update(
        str(body.get("sobject", "")), str(body.get("id", "")), body.get("fields") or {}, by_user=body.get("by_user")
    )
    return json_response({"ok": True})


def delete(server, request: Request) -> Response:
    body = _body(request)
    server.org.delete(str(body.get("sobject", "")), str(body.get("id", "")), by_user=body.get("by_user"))
    return json_response({"ok": True})


def stats(server, request: Request) -> Response:
    org = server.org
    counts, deleted = {}, {}
    for name in org.types:
        counts[name], deleted[name] = org.count(name)
    return json_response(
        {"api_calls": org.api_calls, "daily_api_limit": org.daily_api_limit, "counts": counts, "deleted": deleted}
    )


ROUTES = {
    ("POST", "reset"): reset,
    ("GET", "faults"): faults,
    ("POST", "faults"): faults,
    ("POST", "seed"): seed,
    ("POST", "convert_lead"): convert_lead,
    ("POST", "update"): update,
    ("POST", "delete"): delete,
    ("GET", "stats"): stats,
}


def dispatch(server, request: Request, name: str) -> Response:
    handler = ROUTES.get((request.method, name))
    if handler is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    try:
        return handler(server, request)
    except ValueError as error:
        raise ApiError(400, "INVALID_FIELD", str(error)) from None
