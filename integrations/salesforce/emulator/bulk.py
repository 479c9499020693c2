"""Bulk API 2.0: ingest jobs (insert, update, upsert, delete) and query jobs, processed at once."""

import base64
import csv
import io
import threading

from . import soql
from .errors import ApiError
from .faults import row_lock_error
from .ids import JOB_PREFIX, IdFactory
from .values import bulk_datetime, format_datetime
from .web import Request, Response, json_response

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DEFAULT_MAX_RECORDS = 50_000


def _invalid_job(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", f"InvalidJob : {message}")


class Job:
    def __init__(self, info: dict):
        self.info = info
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self.uploaded = False
        self.succeeded: list[list[str]] = []
        self.failed: list[list[str]] = []
        self.results: list[dict] = []  # a query job's fixed result set
        self.fields: list[str] = []


class BulkJobs:
    def __init__(self):
        self._lock = threading.Lock()
        self._ids = IdFactory()
        self._jobs: dict[str, Job] = {}

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.info["id"]] = job

    def get(self, job_id: str, kind: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None or job.info["jobType"] != kind:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def count(self, kind: str) -> int:
        return sum(1 for job in list(self._jobs.values()) if job.info["jobType"] == kind)

    def move(self, job: Job, sources: tuple[str, ...], target: str) -> bool:
        """Change a job's state if it is in one of `sources` (so two requests cannot both close a job)."""
        with self._lock:
            if job.info["state"] not in sources:
                return False
            job.info["state"] = target
            return True

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def new_id(self) -> str:
        return self._ids.next(JOB_PREFIX)


def _base_info(ctx, request: Request, body: dict, operation: str, sobject: str, kind: str) -> dict:
    stamp = format_datetime(ctx.org.now())
    delimiter = body.get("columnDelimiter", "COMMA")
    ending = body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS or ending not in ENDINGS or body.get("contentType", "CSV") != "CSV":
        raise _invalid_job("Invalid contentType, lineEnding or columnDelimiter")
    return {
        "id": ctx.jobs.new_id(),
        "operation": operation,
        "object": sobject,
        "createdById": request.user_id,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "state": "Open",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(request.version),
        "jobType": kind,
        "lineEnding": ending,
        "columnDelimiter": delimiter,
    }


def _counts(job: Job) -> dict:
    return {
        "numberRecordsProcessed": len(job.succeeded) + len(job.failed),
        "numberRecordsFailed": len(job.failed),
        "retries": 0,
        "totalProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
    }


# -- ingest ------------------------------------------------------------------------------------------


def ingest_create(ctx, request: Request) -> Response:
    body = request.json()
    kind = ctx.org.find_type(str(body.get("object", "")))
    if kind is None:
        raise _invalid_job(f"Unable to find object: {body.get('object')}")
    operation = body.get("operation")
    if operation not in INGEST_OPERATIONS:
        raise _invalid_job(f"Invalid operation: {operation}")
    info = _base_info(ctx, request, body, operation, kind.name, "V2Ingest")
    if operation == "upsert":
        external = kind.field(str(body.get("externalIdFieldName") or ""))
        if external is None or not (external.name == "Id" or external.external_id):
            raise _invalid_job(
                f"External ID was blank or not an external id field for {kind.name}. An External ID "
                "must be specified for upsert."
            )
        info["externalIdFieldName"] = external.name
    info["contentUrl"] = f"services/data/v{request.version}/jobs/ingest/{info['id']}/batches"
    ctx.jobs.add(Job(info))
    return json_response(info)


def ingest_upload(ctx, request: Request, job_id: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Ingest")
    if job.info["state"] != "Open" or job.uploaded:
        raise ApiError(
            409,
            "INVALIDJOBSTATE",
            f"Found multiple contents for job: <{job_id}>, please 'Close' / "
            "'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' "
            "once on a given Job.",
        )
    text = request.body.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[job.info["columnDelimiter"]])
    rows = [row for row in reader if row]
    if not rows:
        raise ApiError(400, "INVALIDJOB", "InvalidBatch : No content in the batch")
    job.header, job.rows, job.uploaded = rows[0], rows[1:], True
    return Response(201)


def ingest_info(ctx, request: Request, job_id: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Ingest")
    return json_response({**job.info, **_counts(job)})


def ingest_state(ctx, request: Request, job_id: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Ingest")
    state = request.json().get("state")
    current = job.info["state"]
    if state == "UploadComplete" and ctx.jobs.move(job, ("Open",), "UploadComplete"):
        answer = dict(job.info)
        _process(ctx, job)
        return json_response(answer)
    if state == "Aborted" and ctx.jobs.move(job, ("Open", "UploadComplete", "InProgress"), "Aborted"):
        return json_response(job.info)
    raise ApiError(400, "INVALIDJOBSTATE", f"Invalid state change from {current} to {state}")


def ingest_delete(ctx, request: Request, job_id: str) -> Response:
    ctx.jobs.get(job_id, "V2Ingest")
    ctx.jobs.remove(job_id)
    return Response(204)


def _process(ctx, job: Job) -> None:
    kind = ctx.org.find_type(job.info["object"])
    if not job.uploaded:
        job.info.update(state="Failed", errorMessage="InvalidBatch : No data was uploaded for this job")
        return
    unknown = [name for name in job.header if kind.field(name) is None]
    if unknown:
        job.info.update(state="Failed", errorMessage=f"InvalidBatch : Field name not found : {unknown[0]}")
        return
    names = [kind.field(name).name for name in job.header]
    operation, user = job.info["operation"], job.info["createdById"]
    for row in job.rows:
        values = dict(zip(names, row, strict=False))
        record_id = values.pop("Id", "") or ""
        try:
            if ctx.faults.take_row_lock():
                raise row_lock_error(record_id or None)
            created, record_id = _write(ctx, job, kind.name, operation, record_id, values, user)
            job.succeeded.append([record_id, "true" if created else "false", *row])
        except ApiError as error:
            message = f"{error.code}:{error.message}:{','.join(error.fields or [])} --"
            job.failed.append([record_id, message, *row])
    job.info["state"] = "JobComplete"
    job.info["systemModstamp"] = format_datetime(ctx.org.now())


def _values(values: dict) -> dict:
    """An empty cell leaves a field alone; #N/A sets it to null."""
    return {name: None if value == "#N/A" else value for name, value in values.items() if value != ""}


def _write(ctx, job: Job, sobject: str, operation: str, record_id: str, values: dict, user: str) -> tuple[bool, str]:
    org = ctx.org
    if operation in ("delete", "hardDelete"):
        org.delete(sobject, record_id, by_user=user)
        return False, org.get(sobject, record_id)["Id"]
    if operation == "upsert":
        external = job.info["externalIdFieldName"]
        if external != "Id":
            key = values.get(external, "")
            matches = [
                row["Id"]
                for row in org.snapshot(sobject)
                if key and str(row.get(external) or "").casefold() == key.casefold()
            ]
            if len(matches) > 1:
                raise ApiError(
                    400,
                    "DUPLICATE_EXTERNAL_ID",
                    f"{sobject}: more than one record found for external id field: {matches}",
                    [external],
                )
            record_id = matches[0] if matches else ""
        operation = "update" if record_id else "insert"
    if operation == "insert":
        return True, org.create(sobject, _values(values), by_user=user)
    if not record_id:
        raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])
    org.update(sobject, record_id, _values(values), by_user=user)
    return False, org.get(sobject, record_id)["Id"]


def _csv(header: list[str], rows: list[list[str]], job: Job, prefix: tuple[str, ...] = ()) -> Response:
    delimiter = DELIMITERS[job.info["columnDelimiter"]]
    ending = ENDINGS[job.info["lineEnding"]]
    quoted = [f'"{name}"' for name in prefix] + list(header)
    lines = [delimiter.join(quoted)]
    lines.extend(delimiter.join('"' + value.replace('"', '""') + '"' for value in row) for row in rows)
    return Response(200, (ending.join(lines) + ending).encode(), "text/csv")


def ingest_results(ctx, request: Request, job_id: str, which: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Ingest")
    if which == "successfulResults":
        return _csv(job.header, job.succeeded, job, ("sf__Id", "sf__Created"))
    if which == "failedResults":
        return _csv(job.header, job.failed, job, ("sf__Id", "sf__Error"))
    pending = job.rows if job.info["state"] != "JobComplete" else []
    return _csv(job.header, pending, job)


# -- query -------------------------------------------------------------------------------------------


def query_create(ctx, request: Request) -> Response:
    body = request.json()
    operation = body.get("operation", "query")
    if operation not in ("query", "queryAll"):
        raise _invalid_job(f"Invalid operation: {operation}")
    parsed = soql.parse(str(body.get("query", "")), ctx.org.find_type, fetch=ctx.org.snapshot)
    if parsed.fields is None:
        raise _invalid_job("Aggregate queries are not supported in Bulk API 2.0")
    info = _base_info(ctx, request, body, operation, parsed.sobject, "V2Query")
    job = Job(info)
    job.fields = parsed.fields
    job.results = parsed.run(ctx.org.snapshot(parsed.sobject, include_deleted=operation == "queryAll"))
    info["state"] = "UploadComplete"
    answer = dict(info)
    info["state"] = "JobComplete"
    ctx.jobs.add(job)
    return json_response(answer)


def query_info(ctx, request: Request, job_id: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Query")
    return json_response(
        {**job.info, "numberRecordsProcessed": len(job.results), "retries": 0, "totalProcessingTime": 0}
    )


def query_abort(ctx, request: Request, job_id: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Query")
    raise ApiError(
        400, "INVALIDJOBSTATE", f"Invalid state change from {job.info['state']} to {request.json().get('state')}"
    )


def query_delete(ctx, request: Request, job_id: str) -> Response:
    ctx.jobs.get(job_id, "V2Query")
    ctx.jobs.remove(job_id)
    return Response(204)


def _cell(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return '"true"' if value else '"false"'
    text = str(value)
    if len(text) == 28 and text.endswith("+0000") and text[10] == "T":
        text = bulk_datetime(text)
    return '"' + text.replace('"', '""') + '"'


def query_results(ctx, request: Request, job_id: str) -> Response:
    job = ctx.jobs.get(job_id, "V2Query")
    locator = request.query.get("locator", "")
    try:
        offset = int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode()) if locator else 0
    except ValueError:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None
    size = request.query.get("maxRecords", "")
    size = int(size) if size.isdigit() and int(size) > 0 else DEFAULT_MAX_RECORDS
    rows = job.results[offset : offset + size]
    end = offset + len(rows)
    delimiter = DELIMITERS[job.info["columnDelimiter"]]
    ending = ENDINGS[job.info["lineEnding"]]
    lines = [delimiter.join(f'"{name}"' for name in job.fields)]
    fields = job.fields
    lines.extend(delimiter.join(_cell(row.get(name)) for name in fields) for row in rows)
    following = base64.b64encode(str(end).encode()).decode().rstrip("=") if end < len(job.results) else "null"
    return Response(
        200,
        (ending.join(lines) + ending).encode(),
        "text/csv",
        [("Sforce-Locator", following), ("Sforce-NumberOfRecords", str(len(rows)))],
    )
