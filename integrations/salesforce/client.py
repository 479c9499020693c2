"""The Salesforce REST client every sync uses (SPEC SF-1, SF-15, SF-18).

A thin layer over simple-salesforce bound to one `Connection`:

- signs in when there is no token yet, and on 401 INVALID_SESSION_ID renews the
  session once (refresh token, or the connection's own grant) and repeats the call;
- counts every HTTP call it makes (`api_calls`), reads `Sforce-Limit-Info` from
  every response (`limit_info`), and asks the `ApiBudget` before each call;
- turns Salesforce's errors into ours: REQUEST_LIMIT_EXCEEDED →
  `SalesforceLimitExceeded`, API_DISABLED_FOR_ORG → `SalesforceApiDisabled`,
  5xx / UNABLE_TO_LOCK_ROW / network failures → retried a few times, then
  `SalesforceUnavailable` (a `TransientError`), anything else →
  `SalesforceRequestError`.
"""

import csv
import io
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession, SalesforceOperationError
from simple_salesforce.util import Usage, exception_handler

from integrations.models import Connection
from integrations.services import connection_fail
from marketing.core.errors import ApplicationError
from marketing.core.texts import Text, storable

from . import auth
from .budget import ApiBudget
from .errors import (
    SalesforceApiDisabled,
    SalesforceAuthError,
    SalesforceLimitExceeded,
    SalesforceRequestError,
    SalesforceTlsError,
    SalesforceUnavailable,
)
from .models import SalesforceConnection
from .services import salesforce_tokens_save

API_VERSION = "59.0"
# Attempts per call for transient failures, and the backoff between them (seconds, doubled, jittered).
RETRY_ATTEMPTS = 3
RETRY_BASE_SECONDS = 0.5
RETRY_CAP_SECONDS = 8.0
# Bulk API 2.0 query: the first wait before polling the job, and rows per results page.
BULK_POLL_SECONDS = 0.5
BULK_PAGE_SIZE = 50_000
COMPOSITE_BATCH = 200
# After REQUEST_LIMIT_EXCEEDED, when to look again (the daily limit is a rolling 24 hours).
LIMIT_PAUSE = timedelta(hours=1)

TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT"})
MISSING_FIELD_CODES = frozenset({"INVALID_FIELD", "INVALID_TYPE", "INVALID_FIELD_FOR_INSERT_UPDATE", "NO_SUCH_COLUMN"})

CSV_HEADERS = {"Content-Type": "text/csv"}

T = TypeVar("T")


def _bulk_cell(record: dict, column: str) -> str:
    """A CSV cell of a bulk write: empty leaves the field alone, #N/A clears it."""
    if column not in record:
        return ""
    value = record[column]
    if value is None or value == "":
        return "#N/A"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bulk_error(line: dict) -> dict:
    """`sf__Error` of a failed bulk row ("CODE:message:FIELD,FIELD --") as a Collections error."""
    text = (line.get("sf__Error") or "").removesuffix("--").strip()
    code, _sep, rest = text.partition(":")
    message, _sep, fields = rest.rpartition(":") if rest.count(":") else (rest, "", "")
    return {"statusCode": code, "message": message.strip(), "fields": [f for f in fields.strip().split(",") if f]}


def _errors_of(content: Any) -> list[dict]:
    if isinstance(content, list) and content and all(isinstance(e, dict) for e in content):
        return content
    if isinstance(content, dict):
        return [content]
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content or "")
    return [{"message": text[:500], "errorCode": ""}]


def _retry_pause(attempt: int) -> None:
    delay = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    time.sleep(delay * random.uniform(0.5, 1.0))


class SalesforceClient:
    def __init__(self, connection: Connection, *, budget: ApiBudget | None = None):
        self.connection = SalesforceConnection.of(connection)
        self.budget = budget or ApiBudget(connection)
        self.api_calls = 0
        self.limit_info: Usage | None = None
        self.session = auth.SalesforceSession(self.connection.ca_bundle)
        self.session.hooks["response"].append(self._on_response)
        self._sf: Salesforce | None = None

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "SalesforceClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------------------

    def _on_response(self, response: requests.Response, *args, **kwargs) -> None:
        self.api_calls += 1
        header = response.headers.get("Sforce-Limit-Info")
        usage = Salesforce.parse_api_usage(header).get("api-usage") if header else None
        if usage is not None:
            self.limit_info = usage
        self.budget.record(1, usage)

    def _salesforce(self) -> Salesforce:
        if self._sf is None:
            if self.connection.state == Connection.State.DISCONNECTED:
                raise ApplicationError(
                    _("Salesforce is disconnected for this account. Connect it again first."),
                    code="connection_disconnected",
                )
            if not (self.connection.access_token and self.connection.instance_url):
                self._sign_in()
            self._sf = Salesforce(
                instance_url=self.connection.instance_url,
                session_id=self.connection.access_token,
                session=self.session,
                version=API_VERSION,
                object_pairs_hook=dict,
            )
        return self._sf

    def _grant(self) -> auth.TokenSet:
        c = self.connection
        where = {"login_url": c.login_url, "ca_bundle": c.ca_bundle}
        if c.refresh_token:
            return auth.refresh(
                client_id=c.client_id, client_secret=c.client_secret, refresh_token=c.refresh_token, **where
            )
        if c.auth_flow == SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS:
            return auth.client_credentials_grant(client_id=c.client_id, client_secret=c.client_secret, **where)
        if c.auth_flow == SalesforceConnection.AuthFlow.JWT_BEARER:
            return auth.jwt_bearer_grant(
                client_id=c.client_id, username=c.username, private_key=c.jwt_private_key, **where
            )
        if c.auth_flow == SalesforceConnection.AuthFlow.PASSWORD:
            return auth.password_grant(
                client_id=c.client_id, client_secret=c.client_secret, username=c.username, password=c.password, **where
            )
        raise SalesforceAuthError(
            _("This platform has no authorization from Salesforce. Reconnect Salesforce."), code="salesforce_reconnect"
        )

    def _sign_in(self) -> None:
        try:
            tokens = self._grant()
        except (SalesforceAuthError, SalesforceApiDisabled, SalesforceTlsError) as exc:
            self._fail(exc)
            raise
        salesforce_tokens_save(
            account=self.connection.account,
            connection=self.connection,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or None,
            instance_url=tokens.instance_url or None,
            identity_url=tokens.identity_url or None,
        )
        self._sf = None

    def _renew(self, expired_token: str) -> None:
        """Renew an expired session, unless another process already did."""
        self.connection.refresh_from_db(fields=["config", "credentials"])
        self._sf = None
        if self.connection.access_token and self.connection.access_token != expired_token:
            return
        self._sign_in()

    def _fail(self, exc: Exception) -> None:
        connection_fail(
            account=self.connection.account,
            connection=self.connection,
            code=getattr(exc, "code", "error"),
            message=storable(exc),  # shown on the connection screen in each reader's language
        )

    def _translate(self, exc: SalesforceError) -> Exception:
        errors = _errors_of(exc.content)
        code = str(errors[0].get("errorCode", ""))
        message = str(errors[0].get("message", ""))
        details = {"status": exc.status, "errors": errors}
        if code == "REQUEST_LIMIT_EXCEEDED":
            return SalesforceLimitExceeded(
                Text(
                    gettext_noop(
                        "Salesforce's daily API limit for this organization is used up; syncing continues later."
                    )
                ),
                resume_at=timezone.now() + LIMIT_PAUSE,
                details=details,
            )
        if code == "API_DISABLED_FOR_ORG":
            return auth.api_disabled_error()
        if exc.status >= 500 or code in TRANSIENT_CODES:
            return SalesforceUnavailable(
                Text(gettext_noop("Salesforce is busy (%(code)s); the sync will try again."), code=code or exc.status)
            )
        if code in MISSING_FIELD_CODES:
            # Salesforce's own words are kept as they came, labelled as theirs.
            return SalesforceRequestError(
                Text(
                    gettext_noop(
                        "Salesforce does not have a field or object this sync uses. Check the field mapping. "
                        "Salesforce said: %(said)s"
                    ),
                    said=message,
                ),
                code="salesforce_missing_field",
                details=details,
            )
        if exc.status == 404:
            return SalesforceRequestError(
                Text(
                    gettext_noop("Salesforce did not find what the sync asked for. Salesforce said: %(said)s"),
                    said=message,
                ),
                code="salesforce_not_found",
                details=details,
            )
        if exc.status == 403:
            return SalesforceRequestError(
                Text(
                    gettext_noop(
                        "Salesforce refused the request. Check the integration user's permissions. "
                        "Salesforce said: %(said)s"
                    ),
                    said=message,
                ),
                code="salesforce_refused",
                details=details,
            )
        return SalesforceRequestError(
            Text(gettext_noop("Salesforce refused the request. Salesforce said: %(said)s"), said=message),
            details=details,
        )

    def _call(
        self, operation: Callable[[Salesforce], T], *, idempotent: bool = True, renew: bool = True, retry: bool = True
    ) -> T:
        """Run `operation` against Salesforce with the budget, one session renewal and a few retries.

        A call that is not idempotent (a create) is retried only when Salesforce says nothing was
        written (a locked row). `renew` and `retry` are off for steps that cannot be repeated alone.
        """
        renewed = False
        attempt = 1
        while True:
            self.budget.check()
            sf = self._salesforce()
            try:
                return operation(sf)
            except SalesforceExpiredSession as exc:
                if renewed or not renew:
                    raise SalesforceAuthError(
                        _(
                            "Salesforce refused a freshly renewed session. Try again in a few minutes; if it keeps "
                            "happening, reconnect Salesforce."
                        ),
                        code="salesforce_session_rejected",
                    ) from exc
                renewed = True
                self._renew(sf.session_id)
            except SalesforceError as exc:
                error = self._translate(exc)
                if isinstance(error, SalesforceApiDisabled):
                    self._fail(error)
                retryable = idempotent or str(_errors_of(exc.content)[0].get("errorCode")) == "UNABLE_TO_LOCK_ROW"
                if isinstance(error, SalesforceUnavailable) and retry and retryable and attempt < RETRY_ATTEMPTS:
                    _retry_pause(attempt)
                    attempt += 1
                    continue
                raise error from exc
            except SalesforceOperationError as exc:
                raise SalesforceRequestError(
                    _("Salesforce could not run the bulk query: %(message)s") % {"message": str(exc)},
                    code="salesforce_bulk_failed",
                ) from exc
            except requests.exceptions.SSLError as exc:
                raise auth.tls_error(self.connection.instance_url) from exc
            except requests.RequestException as exc:
                if idempotent and retry and attempt < RETRY_ATTEMPTS:
                    _retry_pause(attempt)
                    attempt += 1
                    continue
                raise SalesforceUnavailable(
                    _("Salesforce could not be reached (%(reason)s); the sync will try again.")
                    % {"reason": type(exc).__name__}
                ) from exc

    # --- what syncs use -------------------------------------------------------------------------------

    def query(self, soql: str, *, include_deleted: bool = False) -> dict:
        """The first page of a SOQL query: `{"totalSize", "done", "records", "nextRecordsUrl"?}`."""
        return self._call(lambda sf: sf.query(soql, include_deleted=include_deleted))

    def query_pages(self, soql: str) -> Iterator[list[dict]]:
        """The records of a query, a page (up to 2,000) at a time, following `nextRecordsUrl`."""
        page = self.query(soql)
        while True:
            yield page.get("records", [])
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.query_more(page["nextRecordsUrl"])

    def query_more(self, next_records_url: str) -> dict:
        return self._call(lambda sf: sf.query_more(next_records_url, identifier_is_url=True))

    def describe(self, sobject: str) -> dict:
        return self._call(lambda sf: getattr(sf, sobject).describe())

    def deleted(self, sobject: str, start: datetime, end: datetime) -> dict:
        """`{"deletedRecords": [{"id", "deletedDate"}], "earliestDateAvailable", "latestDateCovered"}`."""
        return self._call(lambda sf: getattr(sf, sobject).deleted(start, end))

    def updated(self, sobject: str, start: datetime, end: datetime) -> dict:
        return self._call(lambda sf: getattr(sf, sobject).updated(start, end))

    def update(self, sobject: str, record_id: str, fields: dict) -> None:
        self._call(lambda sf: getattr(sf, sobject).update(record_id, self._plain(fields)))

    def create(self, sobject: str, fields: dict) -> str:
        result = self._call(lambda sf: getattr(sf, sobject).create(self._plain(fields)), idempotent=False)
        return result["id"]

    def composite_update(
        self, records: Iterable[dict], *, all_or_none: bool = False, sobject: str | None = None
    ) -> list[dict]:
        """Update records with sObject Collections, 200 a call. Each record needs "Id" (or "id") and its
        type in `attributes` or `sobject`. Returns one `{"id", "success", "errors"}` per record, in order."""
        return self._composite("PATCH", records, all_or_none=all_or_none, sobject=sobject, idempotent=True)

    def composite_create(
        self, records: Iterable[dict], *, all_or_none: bool = False, sobject: str | None = None
    ) -> list[dict]:
        return self._composite("POST", records, all_or_none=all_or_none, sobject=sobject, idempotent=False)

    def _composite(
        self, method: str, records: Iterable[dict], *, all_or_none: bool, sobject: str | None, idempotent: bool
    ) -> list[dict]:
        typed = [self._typed(record, sobject) for record in records]
        results: list[dict] = []
        for start in range(0, len(typed), COMPOSITE_BATCH):
            body = json.dumps(
                {"allOrNone": all_or_none, "records": typed[start : start + COMPOSITE_BATCH]}, cls=DjangoJSONEncoder
            )
            results.extend(
                self._call(
                    lambda sf, body=body: sf.restful("composite/sobjects", method=method, data=body),
                    idempotent=idempotent,
                )
                or []
            )
        return results

    @staticmethod
    def _typed(record: dict, sobject: str | None) -> dict:
        record = dict(record)
        if "attributes" not in record:
            if not sobject:
                raise ValueError("Each record needs its sObject type: pass sobject= or attributes.")
            record["attributes"] = {"type": sobject}
        return record

    @staticmethod
    def _plain(fields: dict) -> dict:
        return json.loads(json.dumps(fields, cls=DjangoJSONEncoder))

    def bulk2_query(self, soql: str) -> Iterator[dict]:
        """Rows of a Bulk API 2.0 query job, as dicts of strings (an empty string for null)."""
        found = re.search(r"\bFROM\s+(\w+)", soql, flags=re.IGNORECASE)
        sobject = found.group(1) if found else "Account"
        pages: Iterator[str] | None = None

        def first_page(sf: Salesforce) -> str | None:
            nonlocal pages
            pages = getattr(sf.bulk2, sobject).query(soql, max_records=BULK_PAGE_SIZE, wait=BULK_POLL_SECONDS)
            return next(pages, None)

        page = self._call(first_page)
        while page is not None:
            yield from csv.DictReader(io.StringIO(page))
            # The job's later pages come from the same generator: a failure there cannot be repeated alone.
            page = self._call(lambda sf: next(pages, None), renew=False, retry=False)

    def bulk2_ingest(self, sobject: str, operation: str, records: list[dict], columns: list[str]) -> list[dict]:
        """Write `records` with one Bulk API 2.0 ingest job (`operation` "insert" or "update").

        A record without a column leaves that field alone; a column present with an empty value clears
        it. Returns one result per record, in order, shaped like sObject Collections' answer:
        `{"id", "success", "errors": [{"statusCode", "message", "fields"}]}`. The calls: create, upload,
        close, the job's state until it is done, and the results only when they are needed.
        """
        rows = [[_bulk_cell(record, column) for column in columns] for record in records]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        spec = {"object": sobject, "operation": operation, "contentType": "CSV", "lineEnding": "LF"}
        job = self._call(lambda sf: sf.restful("jobs/ingest", method="POST", data=json.dumps(spec)), idempotent=False)
        job_path = f"jobs/ingest/{job['id']}"
        self._call(
            lambda sf: sf._call_salesforce(
                "PUT", f"{sf.base_url}{job_path}/batches", data=buffer.getvalue().encode(), headers=CSV_HEADERS
            ),
            idempotent=False,
        )
        self._call(lambda sf: sf.restful(job_path, method="PATCH", data=json.dumps({"state": "UploadComplete"})))
        info = self._call(lambda sf: sf.restful(job_path))
        while info.get("state") in ("Open", "UploadComplete", "InProgress"):
            time.sleep(BULK_POLL_SECONDS)
            info = self._call(lambda sf: sf.restful(job_path))
        if info.get("state") != "JobComplete":
            raise SalesforceRequestError(
                _("Salesforce could not run the bulk write: %(message)s")
                % {"message": info.get("errorMessage") or info.get("state")},
                code="salesforce_bulk_failed",
            )
        waiting: dict[tuple, list[int]] = {}
        for index, row in enumerate(rows):
            waiting.setdefault(tuple(row), []).append(index)
        results: list[dict | None] = [None] * len(records)

        def read(which: str) -> Iterator[tuple[int, dict]]:
            # Bulk API results are UTF-8 whatever the header says (a bare text/csv would be read as Latin-1).
            text = self._call(
                lambda sf: sf._call_salesforce("GET", f"{sf.base_url}{job_path}/{which}").content.decode("utf-8")
            )
            for line in csv.DictReader(io.StringIO(text)):
                indexes = waiting.get(tuple(line.get(column, "") for column in columns))
                if indexes:
                    yield indexes.pop(0), line

        if operation == "insert":
            for index, line in read("successfulResults"):
                results[index] = {"id": line.get("sf__Id"), "success": True, "errors": []}
        if int(info.get("numberRecordsFailed") or 0):
            for index, line in read("failedResults"):
                results[index] = {"id": line.get("sf__Id") or None, "success": False, "errors": [_bulk_error(line)]}
        for index, result in enumerate(results):
            if result is None:
                done = operation != "insert"
                error = {
                    "statusCode": "UNPROCESSED",
                    "message": Text(gettext_noop("Salesforce did not process this record.")),
                    "fields": [],
                }
                results[index] = {"id": records[index].get("Id"), "success": done, "errors": [] if done else [error]}
        return results

    def limits(self) -> dict:
        return self._call(lambda sf: sf.limits())

    def restful(self, path: str, *, method: str = "GET", params: dict | None = None, body: Any = None) -> Any:
        """Any other REST resource under /services/data/vXX.X/."""
        data = json.dumps(body, cls=DjangoJSONEncoder) if body is not None else None
        return self._call(
            lambda sf: sf.restful(path, params=params, method=method, data=data), idempotent=method != "POST"
        )

    def identity(self) -> dict:
        """Who the connection signs in as: `{"user_id", "organization_id", "username", "display_name"}`."""

        def fetch(sf: Salesforce) -> dict:
            url = self.connection.identity_url or f"https://{sf.sf_instance}/services/oauth2/userinfo"
            response = self.session.get(
                url, headers={"Authorization": f"Bearer {sf.session_id}", "Accept": "application/json"}
            )
            if response.status_code == 403 and "Bad_OAuth_Token" in response.text:
                raise SalesforceExpiredSession(url, 401, "identity", response.text)
            if response.status_code >= 300:
                exception_handler(response, "identity")
            return response.json()

        body = self._call(fetch)
        return {
            "user_id": body.get("user_id", ""),
            "organization_id": body.get("organization_id", ""),
            "username": body.get("username") or body.get("preferred_username", ""),
            "display_name": body.get("display_name") or body.get("name", ""),
        }
