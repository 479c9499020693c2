"""Imports (SPEC IMP-1…7): a table read by `contacts.importers`, mapped to fields, fed to the upsert engine.

The wizard, the Celery job and `manage.py import_contacts` all run `import_table`.

What a job writes for later — the reasons of its rejected rows, the headers of that file, its failure — is
stored as message ids with their parameters (`marketing.core.texts`): each person reads it in their own
language, whoever started the job. `rejected_rows_rendered` reads the file of rejected rows back, rendered.
"""

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from marketing.accounts.models import Account
from marketing.core.errors import ApplicationError, TransientError
from marketing.core.jobs import job_claim, job_finish, job_give_back, job_renew
from marketing.core.texts import Text, rendered, stored

from . import schema
from .importers import (
    FIELDS,
    MAX_GROUP_COLUMNS,
    Table,
    header_label,
    header_text,
    mapping_restore,
    mapping_save,
    mapping_signature,
    read_table,
    suggest_mapping,
)
from .models import CustomField, Group, ImportJob, RememberedMapping
from .sources import Source
from .upsert import REFUSED, Policy, UpsertResult, contacts_upsert

IGNORE = None
STANDARD_KEYS = frozenset(FIELDS)
MATCHING_KEYS = frozenset(f.key for f in schema.importable() if f.matches)  # a row needs one of them


@dataclass
class ImportOutcome:
    result: UpsertResult
    seconds: float
    rejected_csv: bytes

    def as_dict(self) -> dict:
        return {**self.result.as_dict(), "seconds": round(self.seconds, 3)}


def mapping_validate(*, account: Account, headers: list[str], mapping: list[str | None]) -> list[str | None]:
    """Every column mapped to a known field or explicitly ignored; at least one contact point."""
    if len(mapping) != len(headers):
        raise ApplicationError(Text(gettext_noop("Map every column of the file, or mark it “ignore”.")))
    custom = set(CustomField.objects.filter(account=account).values_list("api_name", flat=True))
    seen: set[str] = set()
    for header, key in zip(headers, mapping, strict=True):
        if key is IGNORE:
            continue
        known = key in STANDARD_KEYS or (key.startswith("custom:") and key[7:] in custom)
        if not known:
            raise ApplicationError(
                Text(gettext_noop("Column “%(column)s” is mapped to an unknown field."), column=header_text(header))
            )
        if key != "group" and key in seen:
            raise ApplicationError(
                Text(gettext_noop("Two columns are mapped to the same field (%(field)s)."), field=key)
            )
        seen.add(key)
    if mapping.count("group") > MAX_GROUP_COLUMNS:
        raise ApplicationError(Text(gettext_noop("A file can have up to three group columns.")))
    if not seen & MATCHING_KEYS:
        raise ApplicationError(Text(gettext_noop("Map at least one column to the mobile phone or the email.")))
    return mapping


def mapping_remembered(*, account: Account, headers: list[str]) -> list[str | None] | None:
    """The mapping chosen last time for these headers (None in it is a column deliberately ignored), if any."""
    remembered = RememberedMapping.objects.filter(account=account, signature=mapping_signature(headers)).first()
    return mapping_restore(headers, remembered.mapping) if remembered is not None else None


def mapping_suggest(*, account: Account, headers: list[str]) -> list[str | None]:
    """The mapping chosen last time for these headers, else the automatic one."""
    restored = mapping_remembered(account=account, headers=headers)
    if restored is not None:
        return restored
    fields = list(CustomField.objects.filter(account=account).values_list("api_name", "label"))
    return suggest_mapping(headers, fields)


def mapping_remember(*, account: Account, headers: list[str], mapping: list[str | None]) -> None:
    RememberedMapping.objects.update_or_create(
        account=account, signature=mapping_signature(headers), defaults={"mapping": mapping_save(headers, mapping)}
    )


CELLS = "_cells"  # the row as read, for the file of rejected rows (the engine passes over keys it does not know)
# The first and last header of the file of rejected rows, stored like its reasons.
REJECTED_ROW = stored(gettext_noop("row"))
REJECTED_REASON = stored(gettext_noop("reason"))


def _rows(table: Table, mapping: list[str | None]) -> Iterator[dict]:
    plan = [(i, key) for i, key in enumerate(mapping) if key is not IGNORE and key != "group"]
    group_columns = [i for i, key in enumerate(mapping) if key == "group"]
    for cells in table.rows:
        if cells.__class__ is not list:  # a line the reader could not read (a BadRow): rejected with its reason
            yield {REFUSED: cells.reason, CELLS: list(cells)}
            continue
        row = {key: cells[i] for i, key in plan}
        row[CELLS] = cells
        if group_columns:
            row["groups"] = [cells[i] for i in group_columns if cells[i].strip()]
        yield row


def import_table(
    *,
    account: Account,
    table: Table,
    mapping: list[str | None],
    policy: Policy,
    group: Group | None = None,
    source: str = Source.IMPORT,
    on_progress: Callable[[UpsertResult], None] | None = None,
) -> ImportOutcome:
    """Import every row of `table`; rejected rows come back as CSV (the row's cells and the reason), its reasons and
    first and last headers stored (`rejected_rows_rendered` reads it in the reader's language)."""
    mapping_validate(account=account, headers=table.headers, mapping=mapping)
    started = time.perf_counter()
    rejected = io.StringIO()
    writer = csv.writer(rejected)
    writer.writerow([REJECTED_ROW, *table.headers, REJECTED_REASON])

    def on_rejected(index: int, row: dict, reason: str) -> None:
        writer.writerow([index, *row[CELLS], reason])

    result = contacts_upsert(
        account=account,
        rows=_rows(table, mapping),
        policy=policy,
        source=source,
        groups=[group] if group else [],
        on_rejected=on_rejected,
        on_progress=on_progress,
    )
    return ImportOutcome(
        result=result, seconds=time.perf_counter() - started, rejected_csv=rejected.getvalue().encode()
    )


_RENDERED_CACHE = 4096  # reasons repeat: each distinct one is rendered once per download, up to this many


def rejected_rows_rendered(lines: Iterable[str]) -> Iterator[list[str]]:
    """The rows of a file of rejected rows (its text lines), the headers and reasons in the language active now
    (kept while a streamed download is read). A file written before reasons were stored holds text: it comes back
    as it was written."""
    return _rejected_rows(lines, translation.get_language() or settings.LANGUAGE_CODE)


def _rejected_rows(lines: Iterable[str], language: str) -> Iterator[list[str]]:
    with translation.override(language):
        reader = csv.reader(lines)
        header = next(reader, None)
        if not header:
            return
        if len(header) >= 2:
            header = [rendered(header[0]), *(header_label(h) for h in header[1:-1]), rendered(header[-1])]
        yield header
        seen: dict[str, str] = {}
        for row in reader:
            if row:
                reason = row[-1]
                text = seen.get(reason)
                if text is None:
                    text = rendered(reason)
                    if len(seen) < _RENDERED_CACHE:
                        seen[reason] = text
                row[-1] = text
            yield row


def rejected_file_lines(job: ImportJob) -> Iterator[str]:
    """The text lines of the job's stored file of rejected rows, read as they are needed."""
    with job.rejected_file.open("rb") as handle:
        for line in handle:
            yield line.decode("utf-8", errors="replace")


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a wizard or API import in the background, with progress the screen can poll (SPEC IMP-4).

    Its reasons and failure are stored as texts each reader sees in their own language.
    """
    return _import_job_run(job)


def _lease() -> timedelta:
    return timedelta(seconds=settings.IMPORT_JOB_LEASE_SECONDS)


def _import_job_run(job: ImportJob) -> ImportJob:
    if not job_claim(job=job, lease=_lease()):
        return job  # done or failed: a job delivered twice runs once (JobBusy when a live worker holds it)
    try:
        return _import_claimed(job)
    except TransientError:
        job_give_back(job=job)  # worth another try: the retried task claims it at once
        raise
    except Exception as exc:
        reason = stored(gettext_noop("The import stopped on an unexpected error: %(error)s"), error=exc)
        job_finish(job=job, status=ImportJob.Status.FAILED, error=reason)
        raise


def _import_claimed(job: ImportJob) -> ImportJob:
    """A rerun after a lost worker starts again from the top: rows stored before are found unchanged."""
    options = job.options or {}
    policy = Policy(
        add_new=options.get("add_new", True),
        update_existing=options.get("update_existing", True),
        avoid_losing_data=options.get("avoid_losing_data", False),
    )

    def progress(result: UpsertResult) -> None:
        job_renew(job=job, lease=_lease(), **_counts(result))

    try:
        with job.file.open("rb") as handle:
            table = read_table(handle, filename=job.filename)
            outcome = import_table(
                account=job.account,
                table=table,
                mapping=job.mapping,
                policy=policy,
                group=job.group,
                on_progress=progress,
            )
    except ApplicationError as exc:
        job_finish(job=job, status=ImportJob.Status.FAILED, error=exc.text)
        return job
    with transaction.atomic():
        result = outcome.result
        if result.rejected:
            job.rejected_file.save(f"rejected-{job.pk}.csv", ContentFile(outcome.rejected_csv), save=False)
        job_finish(
            job=job,
            status=ImportJob.Status.DONE,
            **_counts(result),
            rows_total=result.read,  # the count of rows as read, where the upload could only estimate it
            rejected_file=job.rejected_file.name,
        )
    return job


def _counts(result: UpsertResult) -> dict[str, int]:
    return {
        "rows_read": result.read,
        "rows_new": result.new,
        "rows_updated": result.updated,
        "rows_unchanged": result.unchanged,
        "rows_rejected": result.rejected,
    }
