"""sObject Collections (/composite/sobjects): up to 200 records a call, per-record results, allOrNone."""

from collections.abc import Callable

from . import ids
from .errors import ApiError, not_found
from .faults import row_lock_error
from .query import serialize
from .web import Request, Response, json_response

MAX_RECORDS = 200
_ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}


def _too_many() -> ApiError:
    return ApiError(
        400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
    )


def _payload(request: Request) -> tuple[list, bool]:
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object with a records array")
    if len(body["records"]) > MAX_RECORDS:
        raise _too_many()
    return body["records"], bool(body.get("allOrNone", False))


def _type_name(ctx, item: dict, record_id: str | None = None) -> str:
    attributes = item.get("attributes") if isinstance(item, dict) else None
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not name and record_id:
        kind = ctx.org.type_for_id(record_id)
        name = kind.name if kind else None
    if not name:
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.", [])
    kind = ctx.org.find_type(name)
    if kind is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.", [])
    return kind.name


def _each(ctx, items: list, all_or_none: bool, action: Callable, *, keep_ids: bool) -> list[dict]:
    """Run `action(item) -> id` per item; with allOrNone, any failure undoes every write of the call."""
    results = []
    with ctx.org.savepoint() as point:
        for item in items:
            try:
                results.append({"id": action(item), "success": True, "errors": []})
            except ApiError as error:
                known = item if keep_ids and isinstance(item, str) else None
                results.append({"id": known, "success": False, "errors": [error.as_record_error()]})
        if all_or_none and any(not result["success"] for result in results):
            point.rollback()
            results = [
                result
                if not result["success"]
                else {"id": result["id"] if keep_ids else None, "success": False, "errors": [_ROLLED_BACK]}
                for result in results
            ]
    return results


def _record_id(item: dict):
    return next((value for key, value in item.items() if key.lower() == "id"), None)


def create(ctx, request: Request) -> Response:
    items, all_or_none = _payload(request)

    def action(item):
        if isinstance(item, dict) and any(key.lower() == "id" for key in item):
            raise ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        name = _type_name(ctx, item)
        if ctx.faults.take_row_lock():
            raise row_lock_error()
        return ctx.org.create(name, item, by_user=request.user_id)

    return json_response(_each(ctx, items, all_or_none, action, keep_ids=False))


def update(ctx, request: Request) -> Response:
    items, all_or_none = _payload(request)

    def action(item):
        if not isinstance(item, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object", [])
        fields = {key: value for key, value in item.items() if key.lower() != "id"}
        record_id = _record_id(item)
        if not record_id:
            raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])
        normal = ids.normalize(record_id)
        if normal is None:
            raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}", [])
        name = _type_name(ctx, item, normal)
        ctx.org.live(ctx.org.types[name], normal)
        if ctx.faults.take_row_lock():
            raise row_lock_error(normal)
        ctx.org.update(name, normal, fields, by_user=request.user_id)
        return normal

    results = _each(ctx, items, all_or_none, action, keep_ids=False)
    for item, result in zip(items, results, strict=True):  # an update result names its record even when it failed
        if result["id"] is None and isinstance(item, dict):
            result["id"] = ids.normalize(_record_id(item))
    return json_response(results)


def delete(ctx, request: Request) -> Response:
    raw = [value for value in request.query.get("ids", "").split(",") if value]
    if len(raw) > MAX_RECORDS:
        raise _too_many()
    all_or_none = request.query.get("allOrNone", "false").lower() == "true"

    def action(record_id: str):
        normal = ids.normalize(record_id)
        kind = ctx.org.type_for_id(normal or "")
        if normal is None or kind is None:
            raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}", [])
        ctx.org.live(kind, normal)
        if ctx.faults.take_row_lock():
            raise row_lock_error(normal)
        ctx.org.delete(kind.name, normal, by_user=request.user_id)
        return normal

    return json_response(_each(ctx, raw, all_or_none, action, keep_ids=True))


def retrieve(ctx, request: Request, sobject: str) -> Response:
    kind = ctx.org.type_of(sobject)
    wanted = [name.strip() for name in request.query.get("fields", "").split(",") if name.strip()]
    raw = [value for value in request.query.get("ids", "").split(",") if value]
    if not wanted or not raw:
        raise ApiError(400, "MISSING_ARGUMENT", "ids and fields are required")
    if len(raw) > 2000:
        raise _too_many()
    names = []
    for name in wanted:
        item = kind.field(name)
        if item is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {kind.name}")
        names.append(item.name)
    out = []
    for record_id in raw:
        record = ctx.org.get(kind.name, record_id)
        if record is None or record["IsDeleted"]:
            out.append(None)
        else:
            out.extend(serialize(kind.name, names, [record], request.version))
    return json_response(out)


def unknown(ctx, request: Request) -> Response:
    raise not_found()
