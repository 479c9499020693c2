"""Per-record sync errors: recorded with backoff, given up, retried, resolved (SPEC SF-16)."""

import random
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact
from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from ..models import Connection, SyncError, SyncRun

SYNC_ERROR_MAX_ATTEMPTS = 5
SYNC_ERROR_BACKOFF_BASE = timedelta(minutes=1)
SYNC_ERROR_BACKOFF_CAP = timedelta(hours=6)


# --- per-record sync errors ---------------------------------------------------------------------------


def sync_error_backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1 min doubling per attempt, ±25 % jitter, at most 6 h."""
    raw = SYNC_ERROR_BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    jittered = raw * random.uniform(0.75, 1.25)
    return min(jittered, SYNC_ERROR_BACKOFF_CAP)


def _error_key(
    *, connection: Connection, direction: str, object_type: str, external_id: str, contact: Contact | None
) -> Q:
    key = Q(connection=connection, direction=direction, object_type=object_type)
    if external_id:
        return key & Q(external_id=external_id)
    if contact is None:
        raise ApplicationError(_("A sync error needs the record's external id or its contact."))
    return key & Q(external_id="", contact=contact)


@transaction.atomic
def sync_error_record(
    *,
    account: Account,
    connection: Connection,
    direction: str,
    object_type: str,
    code: str,
    message: str,
    external_id: str = "",
    contact: Contact | None = None,
    payload: dict | None = None,
    run: SyncRun | None = None,
) -> SyncError:
    """Note one more failed attempt for a record: the pending error is updated (or opened), retried with
    backoff, and given up ("dead") after SYNC_ERROR_MAX_ATTEMPTS attempts."""
    ensure_owned(account, connection, contact, run)
    if direction not in SyncError.Direction.values:
        raise ApplicationError(_("A sync error goes in or out."))
    key = _error_key(
        connection=connection, direction=direction, object_type=object_type, external_id=external_id, contact=contact
    )
    pending = SyncError.objects.select_for_update().filter(key, state=SyncError.State.PENDING).first()
    if pending is None:
        try:
            with transaction.atomic():
                pending = SyncError.objects.create(
                    account=account,
                    connection=connection,
                    direction=direction,
                    object_type=object_type,
                    external_id=external_id,
                    contact=contact,
                    code=code,
                    message=str(message),
                )
        except IntegrityError:  # opened meanwhile by a concurrent run
            pending = SyncError.objects.select_for_update().get(key, state=SyncError.State.PENDING)
    pending.attempts += 1
    pending.code = code
    pending.message = str(message)
    pending.run = run or pending.run
    pending.contact = contact or pending.contact
    if payload is not None:
        pending.payload = payload
    if pending.attempts >= SYNC_ERROR_MAX_ATTEMPTS:
        pending.state = SyncError.State.DEAD
        pending.next_attempt_at = None
    else:
        pending.next_attempt_at = timezone.now() + sync_error_backoff(pending.attempts)
    pending.save()
    return pending


@transaction.atomic
def sync_error_retry(*, account: Account, error: SyncError, actor: User | None = None) -> SyncError:
    """Retry a record at the next run: its error becomes pending and due now."""
    ensure_owned(account, error)
    error = SyncError.objects.select_for_update().get(pk=error.pk, account=account)
    now = timezone.now()
    if error.state != SyncError.State.PENDING:
        sibling = (
            SyncError.objects.select_for_update()
            .filter(
                _error_key(
                    connection=error.connection,
                    direction=error.direction,
                    object_type=error.object_type,
                    external_id=error.external_id,
                    contact=error.contact,
                ),
                state=SyncError.State.PENDING,
            )
            .exclude(pk=error.pk)
            .first()
        )
        if sibling is not None:  # the record failed again since: retry that one
            error = sibling
    error.state = SyncError.State.PENDING
    error.next_attempt_at = now
    error.save(update_fields=["state", "next_attempt_at", "updated_at"])
    audit_record(account=account, actor=actor, action="syncerror.retry", target=error)
    return error


def sync_error_resolve(
    *,
    account: Account,
    connection: Connection,
    direction: str,
    object_type: str,
    external_id: str = "",
    contact: Contact | None = None,
) -> int:
    """The record synced fine: close its open errors (pending or given up). Returns how many."""
    ensure_owned(account, connection, contact)
    key = _error_key(
        connection=connection, direction=direction, object_type=object_type, external_id=external_id, contact=contact
    )
    return (
        SyncError.objects.filter(key, account=account)
        .exclude(state=SyncError.State.RESOLVED)
        .update(state=SyncError.State.RESOLVED, next_attempt_at=None, updated_at=timezone.now())
    )


def sync_errors_resolve(
    *, account: Account, connection: Connection, direction: str, object_type: str, external_ids: Iterable[str]
) -> int:
    """`sync_error_resolve` for a batch of records, in one UPDATE per 5,000 ids."""
    ensure_owned(account, connection)
    ids = sorted({i for i in external_ids if i})
    resolved = 0
    for start in range(0, len(ids), 5000):
        resolved += (
            SyncError.objects.filter(
                account=account,
                connection=connection,
                direction=direction,
                object_type=object_type,
                external_id__in=ids[start : start + 5000],
            )
            .exclude(state=SyncError.State.RESOLVED)
            .update(state=SyncError.State.RESOLVED, next_attempt_at=None, updated_at=timezone.now())
        )
    return resolved
