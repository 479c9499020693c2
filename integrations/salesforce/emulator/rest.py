"""REST resources under /services/data/vNN.N/: versions, limits, describe, sObject rows, updated, deleted."""

from datetime import UTC, datetime, timedelta

from .errors import ApiError, not_found
from .faults import row_lock_error
from .values import format_datetime, parse_datetime
from .web import Request, Response, json_response

VERSIONS = [
    ("Winter '23", "56.0"),
    ("Spring '23", "57.0"),
    ("Summer '23", "58.0"),
    ("Winter '24", "59.0"),
    ("Spring '24", "60.0"),
    ("Summer '24", "61.0"),
    ("Winter '25", "62.0"),
    ("Spring '25", "63.0"),
    ("Summer '25", "64.0"),
]
UPDATED_WINDOW = timedelta(days=30)


def versions(request: Request) -> Response:
    return json_response(
        [{"label": label, "url": f"/services/data/v{number}", "version": number} for label, number in VERSIONS]
    )


def resources(ctx, request: Request) -> Response:
    base = f"/services/data/v{request.version}"
    names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
    return json_response({name: f"{base}/{name}" for name in names})


def limits(ctx, request: Request) -> Response:
    org = ctx.org
    used = org.api_calls

    def pair(maximum: int, remaining: int) -> dict:
        return {"Max": maximum, "Remaining": max(0, remaining)}

    return json_response(
        {
            "DailyApiRequests": pair(org.daily_api_limit, org.daily_api_limit - used),
            "DailyBulkV2QueryJobs": pair(10000, 10000 - ctx.jobs.count("query")),
            "DailyBulkV2QueryFileStorageMB": pair(976562, 976562),
            "DataStorageMB": pair(5, 5),
            "FileStorageMB": pair(20, 20),
        }
    )


def global_describe(ctx, request: Request) -> Response:
    return json_response(
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [kind.summary(request.version) for kind in ctx.org.types.values()],
        }
    )


def sobject_info(ctx, request: Request, sobject: str) -> Response:
    kind = ctx.org.type_of(sobject)
    return json_response({"objectDescribe": kind.summary(request.version), "recentItems": []})


def describe(ctx, request: Request, sobject: str) -> Response:
    return json_response(ctx.org.type_of(sobject).describe(request.version))


def create(ctx, request: Request, sobject: str) -> Response:
    kind = ctx.org.type_of(sobject)
    if not kind.createable:
        raise ApiError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type {kind.name} does not support insert", [])
    fields = request.json()
    if ctx.faults.take_row_lock():
        raise row_lock_error()
    record_id = ctx.org.create(kind.name, fields, by_user=request.user_id)
    return json_response({"id": record_id, "success": True, "errors": []}, 201)


def record_url(version: str, sobject: str, record_id: str) -> str:
    return f"/services/data/v{version}/sobjects/{sobject}/{record_id}"


def retrieve(ctx, request: Request, sobject: str, record_id: str) -> Response:
    kind = ctx.org.type_of(sobject)
    record = ctx.org.live(kind, record_id)
    wanted = request.query.get("fields")
    names = list(kind.fields)
    if wanted:
        names = []
        for name in wanted.split(","):
            item = kind.field(name.strip())
            if item is None:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{name.strip()}' on sobject of type {kind.name}")
            names.append(item.name)
    body = {"attributes": {"type": kind.name, "url": record_url(request.version, kind.name, record["Id"])}}
    body.update((name, record.get(name)) for name in names)
    return json_response(body)


def update(ctx, request: Request, sobject: str, record_id: str) -> Response:
    kind = ctx.org.type_of(sobject)
    fields = request.json()
    if isinstance(fields, dict):
        fields = {key: value for key, value in fields.items() if key.lower() != "id"}
    ctx.org.live(kind, record_id)
    if ctx.faults.take_row_lock():
        raise row_lock_error(record_id)
    ctx.org.update(kind.name, record_id, fields, by_user=request.user_id)
    return Response(204)


def delete(ctx, request: Request, sobject: str, record_id: str) -> Response:
    kind = ctx.org.type_of(sobject)
    ctx.org.live(kind, record_id)
    if ctx.faults.take_row_lock():
        raise row_lock_error(record_id)
    ctx.org.delete(kind.name, record_id, by_user=request.user_id)
    return Response(204)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _window(ctx, request: Request) -> tuple[datetime, datetime]:
    """The start and end parameters; Salesforce ignores their seconds and never covers the future."""
    bounds = []
    for name in ("start", "end"):
        raw = request.query.get(name)
        if not raw:
            raise ApiError(400, "MISSING_ARGUMENT", f"{name} parameter is required")
        moment = parse_datetime(raw.replace(" ", "+"))  # an unencoded + arrives as a space
        if moment is None:
            raise ApiError(400, "INVALID_REPLICATION_DATE", f"Invalid {name} date: {raw}")
        bounds.append(_minute(moment))
    start, end = bounds
    end = min(end, _minute(ctx.org.now()))
    if end - start < timedelta(minutes=1):
        raise ApiError(
            400, "INVALID_REPLICATION_DATE", "EndDate must chronologically follow StartDate by at least one minute"
        )
    return start, end


def updated(ctx, request: Request, sobject: str) -> Response:
    kind = ctx.org.type_of(sobject)
    start, end = _window(ctx, request)
    if start < ctx.org.now() - UPDATED_WINDOW:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
    low, high = format_datetime(start), format_datetime(end)
    found = [row["Id"] for row in ctx.org.snapshot(kind.name) if low <= row["SystemModstamp"] < high]
    return json_response({"ids": found, "latestDateCovered": high})


def deleted(ctx, request: Request, sobject: str) -> Response:
    kind = ctx.org.type_of(sobject)
    start, end = _window(ctx, request)
    earliest = _minute(ctx.org.deleted_retention_start().astimezone(UTC))
    if start < earliest:
        raise ApiError(
            400,
            "INVALID_REPLICATION_DATE",
            f"startDate cannot be before earliestDateAvailable: {format_datetime(earliest)}",
        )
    low, high = format_datetime(start), format_datetime(end)
    rows = ctx.org.snapshot(kind.name, include_deleted=True)
    found = [
        {"id": row["Id"], "deletedDate": row["SystemModstamp"]}
        for row in rows
        if row["IsDeleted"] and low <= row["SystemModstamp"] < high
    ]
    return json_response(
        {"deletedRecords": found, "earliestDateAvailable": format_datetime(earliest), "latestDateCovered": high}
    )


def unknown_resource(ctx, request: Request, **_) -> Response:
    raise not_found()
