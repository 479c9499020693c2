"""Imports over REST (SPEC IMP-1, IMP-4, IMP-7): upload a file, follow the job, download the rejected rows."""

import csv

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from marketing.accounts.models import Account
from marketing.core.api import AccountApiMixin, AccountApiView
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.parsers import JsonTooDeep, json_loads_bounded, json_parse_error

from .. import selectors, services
from ..importers import read_table, rows_estimate
from ..imports import IGNORE, mapping_suggest, mapping_validate, rejected_file_lines, rejected_rows_rendered
from ..models import Group, ImportJob
from ..serializers import ImportCreateInput, ImportOutput
from ..sources import Source
from .common import JSON_ONLY, group_ref

IGNORE_WORDS = {"", "ignore"}


def _clean_text(value: str) -> str:
    """Text safe for a JSON column and a file name: no NUL or other control characters."""
    return "".join(ch for ch in str(value) if ch >= " " or ch == "\t")


def _overrides(raw: str | None) -> dict[str, str | None]:
    if not raw:
        return {}
    try:
        value = json_loads_bounded(raw)
    except JsonTooDeep as exc:
        raise json_parse_error(exc) from exc
    except ValueError as exc:
        raise serializers.ValidationError({"mapping": [_("Send the mapping as a JSON object.")]}) from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) or v is None for v in value.values()):
        raise serializers.ValidationError(
            {"mapping": [_('Send the mapping as a JSON object: {"column header": "field or null"}.')]}
        )
    return {str(k): (None if v is None or v.strip().lower() in IGNORE_WORDS else v.strip()) for k, v in value.items()}


def _mapping(*, account: Account, headers: list[str], overrides: dict, ignore_unmapped: bool) -> list[str | None]:
    """The automatic mapping with the caller's overrides; every column mapped or explicitly ignored (IMP-1)."""
    unknown = [header for header in overrides if header not in headers]
    if unknown:
        names = ", ".join(f"“{name}”" for name in unknown)
        raise serializers.ValidationError(
            {"mapping": [_("The file has no column named %(names)s.") % {"names": names}]}
        )
    suggested = mapping_suggest(account=account, headers=headers)
    mapping = [overrides.get(header, field) for header, field in zip(headers, suggested, strict=True)]
    unmapped = [h for h, field in zip(headers, mapping, strict=True) if field is IGNORE and h not in overrides]
    if unmapped and not ignore_unmapped:
        raise ApplicationError(
            _(
                "Map every column to a field or ignore it (null in `mapping`), or send ignore_unmapped=true. "
                "Not mapped: %(columns)s"
            )
            % {"columns": ", ".join(unmapped)},
            code="unmapped_columns",
            details={"unmapped": unmapped, "suggested": dict(zip(headers, suggested, strict=True))},
        )
    return mapping_validate(account=account, headers=headers, mapping=mapping)


def import_job_create(*, account: Account, actor, data: dict) -> ImportJob:
    """Check an uploaded file and its mapping, store it as an ImportJob, and queue the job after commit.

    The API's counterpart of the wizard's first three steps (SPEC IMP-1): the file is read now so that an
    unreadable file or an incomplete mapping is refused at once, with the reason.
    """
    from ..tasks import import_job

    upload = data["file"]
    filename = _clean_text(upload.name or "upload.csv")[:255] or "upload.csv"
    table = read_table(upload, filename=filename)
    headers = list(table.headers)  # before any row is read: the job sees the same headers
    table.close()
    total = rows_estimate(upload, table)  # not every row read in the request: the job counts them exactly
    upload.seek(0)
    mapping = _mapping(
        account=account,
        headers=headers,
        overrides=_overrides(data.get("mapping")),
        ignore_unmapped=data["ignore_unmapped"],
    )
    group: Group | None = None
    if data.get("group"):
        group = group_ref(account=account, pk=data["group"], field="group")
    with transaction.atomic():
        if data.get("group_name"):
            group = services.group_get_or_create(
                account=account, actor=actor, name=data["group_name"], source=Source.API
            )
        job = ImportJob(
            account=account,
            filename=filename,
            consent=True,
            mapping=mapping,
            group=group,
            rows_total=total,
            options={
                "add_new": data["add_new"],
                "update_existing": data["update_existing"],
                "avoid_losing_data": data["avoid_losing_data"],
                "headers": [_clean_text(header) for header in headers],
                "source": Source.API,
            },
        )
        job.file.save(filename, upload, save=False)
        job.save()
        transaction.on_commit(lambda: import_job.delay(job.pk))
    return job


@extend_schema(summary="Imports of the account, newest first")
class ImportListApi(AccountApiMixin, ListAPIView):
    serializer_class = ImportOutput
    queryset = ImportJob.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.import_job_list(account=self.account).order_by("-created_at", "-id")

    @extend_schema(
        summary="Import a file of contacts",
        description="Upload a CSV or XLSX file as multipart/form-data. Columns are mapped automatically (English "
        "and Hebrew headers, Google, Outlook and Salesforce exports); `mapping` overrides the guess. Every column "
        "must end mapped or ignored. The import runs in the background: follow it at /imports/{id}/ until "
        "`status` is `done` or `failed`.",
        request={"multipart/form-data": ImportCreateInput},
        responses={202: ImportOutput},
    )
    def post(self, request):
        data = self.validate(ImportCreateInput, request.data)
        job = import_job_create(account=self.account, actor=self.actor, data=data)
        return Response(ImportOutput(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(summary="An import: status and counts", responses=ImportOutput)
    def get(self, request, pk: int):
        job = selectors.import_job_get(account=self.account, pk=pk)
        return Response(ImportOutput(job, context={"request": request}).data)


class AnyAcceptNegotiation(BaseContentNegotiation):
    """The CSV is a file response whatever the Accept header says; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ImportRejectedApi(AccountApiView):
    parser_classes = JSON_ONLY
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="The rejected rows of an import, as CSV",
        description="Each rejected row with its cells and the reason (SPEC IMP-1 step 4), the reasons and the "
        "`row` and `reason` headers in the language of the request (English unless `Accept-Language` asks for "
        "another). 404 when no row was rejected.",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The rejected rows.")},
    )
    def get(self, request, pk: int):
        job = selectors.import_job_get(account=self.account, pk=pk)
        if not job.rejected_file:
            raise NotFound(_("No rows of this import were rejected."))
        writer = csv.writer(_Echo())
        rows = rejected_rows_rendered(rejected_file_lines(job))
        response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"rejected-rows-{job.pk}.csv")
        return response


class _Echo:
    def write(self, value: str) -> str:
        return value
