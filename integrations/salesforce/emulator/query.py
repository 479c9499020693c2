"""/query and /queryAll: a SOQL result set fixed when the query runs, served in pages via query locators."""

import itertools
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from . import soql
from .errors import ApiError
from .ids import QUERY_LOCATOR_PREFIX, make_id
from .web import Request, Response

DEFAULT_BATCH = 2000
MIN_BATCH = 200
CURSOR_IDLE_SECONDS = 15 * 60
MAX_CURSORS = 500


@dataclass
class Cursor:
    sobject: str
    fields: list[str]
    rows: list[dict]
    batch: int
    used: float


class QueryCursors:
    """Open query locators; the oldest go first when there are too many or they sit idle too long."""

    def __init__(self):
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()

    def add(self, cursor: Cursor) -> str:
        locator = make_id(QUERY_LOCATOR_PREFIX, next(self._numbers))
        with self._lock:
            self._cursors[locator] = cursor
            while len(self._cursors) > MAX_CURSORS:
                self._cursors.popitem(last=False)
        return locator

    def get(self, locator: str) -> Cursor | None:
        now = time.monotonic()
        with self._lock:
            cursor = self._cursors.get(locator)
            if cursor is None or now - cursor.used > CURSOR_IDLE_SECONDS:
                self._cursors.pop(locator, None)
                return None
            cursor.used = now
            self._cursors.move_to_end(locator)
            return cursor


def batch_size(request: Request, default: int = DEFAULT_BATCH) -> int:
    """From `Sforce-Query-Options: batchSize=N`, kept within Salesforce's 200..2000."""
    for option in request.header("Sforce-Query-Options").split(","):
        name, _, value = option.partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value.strip())))
    return default


def run(ctx, request: Request, include_deleted: bool) -> Response:
    text = request.query.get("q", "")
    if not text.strip():
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    org = ctx.org
    parsed = soql.parse(text, org.find_type, fetch=org.snapshot)
    rows = parsed.run(org.snapshot(parsed.sobject, include_deleted=include_deleted))
    if parsed.fields is None:
        return _json({"totalSize": len(rows), "done": True, "records": []})
    cursor = Cursor(parsed.sobject, parsed.fields, rows, batch_size(request), time.monotonic())
    return _page(ctx, request, cursor, None, 0, "queryAll" if include_deleted else "query")


def more(ctx, request: Request, locator: str, include_deleted: bool) -> Response:
    name, _, offset = locator.partition("-")
    cursor = ctx.cursors.get(name)
    if cursor is None or not offset.isdigit() or int(offset) > len(cursor.rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(ctx, request, cursor, name, int(offset), "queryAll" if include_deleted else "query")


def _page(ctx, request: Request, cursor: Cursor, locator: str | None, offset: int, endpoint: str) -> Response:
    total = len(cursor.rows)
    end = min(total, offset + batch_size(request, cursor.batch))
    body: dict = {"totalSize": total, "done": end >= total}
    if end < total:
        locator = locator or ctx.cursors.add(cursor)
        body["nextRecordsUrl"] = f"/services/data/v{request.version}/{endpoint}/{locator}-{end}"
    body["records"] = serialize(cursor.sobject, cursor.fields, cursor.rows[offset:end], request.version)
    return _json(body)


def serialize(sobject: str, fields: list[str], rows: list[dict], version: str) -> list[dict]:
    prefix = f"/services/data/v{version}/sobjects/{sobject}/"
    out = []
    for row in rows:
        item = {"attributes": {"type": sobject, "url": prefix + row["Id"]}}
        for name in fields:
            item[name] = row.get(name)
        out.append(item)
    return out


def _json(body: dict) -> Response:
    return Response(200, json.dumps(body, separators=(",", ":")).encode())
