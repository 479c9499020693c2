"""Connections, sync runs and per-record sync errors: every write goes through here (SPEC INT-1, INT-2)."""

import os
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, Group
from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, NotFound, TransientError
from marketing.core.services import audit_record

from . import registry
from .base import ConnectionStatus
from .models import Connection, SalesforceSettings, SyncError, SyncRun, default_optout_fields

SYNC_ERROR_MAX_ATTEMPTS = 5
SYNC_ERROR_BACKOFF_BASE = timedelta(minutes=1)
SYNC_ERROR_BACKOFF_CAP = timedelta(hours=6)

# Codes of failures that say nothing about the connection itself: the next try may work.
_PASSING_CODES = frozenset(
    {
        "unreachable",
        "api_limit_reached",
        "salesforce_limit_exceeded",
        "api_budget_exhausted",
        "salesforce_session_rejected",
    }
)

_SECRET_FIELDS = ("client_secret", "password", "access_token", "refresh_token", "jwt_private_key")
# Changing any of these makes the saved tokens meaningless.
_IDENTITY_FIELDS = ("login_url", "auth_flow", "client_id", "client_secret", "username", "password", "jwt_private_key")


def _own(account: Account, *rows) -> None:
    for row in rows:
        if row is not None and row.account_id != account.pk:
            raise NotFound(_("Not found."))


# --- connections --------------------------------------------------------------------------------------


def _validate_connection(connection: Connection) -> None:
    url = urlparse(connection.login_url or "")
    if connection.login_url and (url.scheme != "https" or not url.hostname):
        raise ApplicationError(
            _("The login URL must start with https://, e.g. https://login.salesforce.com or your My Domain URL."),
            details={"field": "login_url"},
        )
    if connection.instance_url and urlparse(connection.instance_url).scheme != "https":
        raise ApplicationError(_("The instance URL must start with https://."), details={"field": "instance_url"})
    if connection.auth_flow not in Connection.AuthFlow.values:
        raise ApplicationError(_("Choose a sign-in method."), details={"field": "auth_flow"})
    if connection.ca_bundle and not os.path.isfile(connection.ca_bundle):
        raise ApplicationError(
            _("The CA bundle %(path)s does not exist. Give the path of a PEM file, or leave it empty.")
            % {"path": connection.ca_bundle},
            details={"field": "ca_bundle"},
        )
    if not 1 <= connection.daily_share_percent <= 100:
        raise ApplicationError(
            _("The share of the daily API limit is a percentage from 1 to 100."),
            details={"field": "daily_share_percent"},
        )
    if connection.schedule_minutes < 1 or connection.hourly_call_cap < 1:
        raise ApplicationError(_("The schedule and the hourly API calls must be at least 1."))
    required = {"login_url": _("the login URL"), "client_id": _("the client id")}
    flow = connection.auth_flow
    if flow in (Connection.AuthFlow.WEB_SERVER, Connection.AuthFlow.CLIENT_CREDENTIALS, Connection.AuthFlow.PASSWORD):
        required["client_secret"] = _("the client secret")
    if flow in (Connection.AuthFlow.JWT_BEARER, Connection.AuthFlow.PASSWORD):
        required["username"] = _("the username")
    if flow == Connection.AuthFlow.PASSWORD:
        required["password"] = _("the password and security token")
    if flow == Connection.AuthFlow.JWT_BEARER:
        required["jwt_private_key"] = _("the private key")
    for name, label in required.items():
        if not getattr(connection, name):
            raise ApplicationError(_("Fill in %(what)s.") % {"what": label}, details={"field": name})


@transaction.atomic
def connection_save(
    *,
    account: Account,
    provider: str,
    actor: User | None = None,
    login_url: str | None = None,
    instance_url: str | None = None,
    auth_flow: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    username: str | None = None,
    password: str | None = None,
    jwt_private_key: str | None = None,
    ca_bundle: str | None = None,
    schedule_minutes: int | None = None,
    daily_share_percent: int | None = None,
    hourly_call_cap: int | None = None,
    connect: bool = False,
) -> Connection:
    """Create or update the account's connection to `provider`. A value left as None is kept.

    New credentials (or `connect`) drop the saved tokens and clear an error or disconnected
    state: the next call signs in again.
    """
    registry.get(provider)
    connection = Connection.objects.select_for_update().filter(account=account, provider=provider).first()
    created = connection is None
    if created:
        connection = Connection(account=account, provider=provider)
    given = {
        "login_url": login_url,
        "instance_url": instance_url,
        "auth_flow": auth_flow,
        "client_id": client_id,
        "client_secret": client_secret,
        "username": username,
        "password": password,
        "jwt_private_key": jwt_private_key,
        "ca_bundle": ca_bundle,
        "schedule_minutes": schedule_minutes,
        "daily_share_percent": daily_share_percent,
        "hourly_call_cap": hourly_call_cap,
    }
    changed = []
    for name, value in given.items():
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip() if name not in _SECRET_FIELDS else value
            if name in ("login_url", "instance_url"):
                value = value.rstrip("/")
        if getattr(connection, name) != value:
            setattr(connection, name, value)
            changed.append(name)
    _validate_connection(connection)
    if created or connect or any(name in _IDENTITY_FIELDS for name in changed):
        connection.access_token = ""
        connection.refresh_token = ""
        connection.identity_url = ""
        if connection.state in (Connection.State.ERROR, Connection.State.DISCONNECTED):
            connection.state = Connection.State.ACTIVE
            connection.status_message = ""
    connection.save()
    audit_record(
        account=account,
        actor=actor,
        action="connection.create" if created else "connection.update",
        target=connection,
        data={"provider": provider, "changed": changed},
    )
    return connection


def connection_tokens_save(
    *,
    account: Account,
    connection: Connection,
    access_token: str,
    refresh_token: str | None = None,
    instance_url: str | None = None,
    identity_url: str | None = None,
) -> Connection:
    """Keep tokens a grant returned. Written with one UPDATE, so a concurrent settings change is not undone."""
    _own(account, connection)
    changes: dict[str, Any] = {"access_token": access_token, "updated_at": timezone.now()}
    if refresh_token:
        changes["refresh_token"] = refresh_token
    if instance_url:
        changes["instance_url"] = instance_url.rstrip("/")
    if identity_url:
        changes["identity_url"] = identity_url
    Connection.objects.filter(pk=connection.pk, account=account).update(**changes)
    for name, value in changes.items():
        setattr(connection, name, value)
    return connection


def connection_fail(*, account: Account, connection: Connection, code: str, message: str) -> Connection:
    """Mark the connection as needing a person (bad credentials, revoked authorization, no API access)."""
    _own(account, connection)
    rows = Connection.objects.filter(pk=connection.pk, account=account).exclude(state=Connection.State.DISCONNECTED)
    now = timezone.now()
    newly = rows.exclude(state=Connection.State.ERROR).update(
        state=Connection.State.ERROR, status_message=str(message), updated_at=now
    )
    if not newly:  # already failing: keep the latest reason
        rows.update(status_message=str(message), updated_at=now)
    connection.refresh_from_db(fields=["state", "status_message", "updated_at"])
    if newly:
        audit_record(account=account, actor=None, action="connection.error", target=connection, data={"code": code})
    return connection


def connection_test(*, account: Account, connection: Connection, actor: User | None = None) -> ConnectionStatus:
    """Reach the outside system; keep who we are there, and set the state from the outcome."""
    _own(account, connection)
    if connection.state == Connection.State.DISCONNECTED:
        return ConnectionStatus(
            ok=False, code="disconnected", message=_("This connection is disconnected. Connect it again first.")
        )
    status = registry.get(connection.provider).runtime(connection).test()
    if status.ok:
        now = timezone.now()
        changes: dict[str, Any] = {"updated_at": now}
        if status.details.get("user_id"):
            changes["external_user_id"] = status.details["user_id"]
        if status.details.get("organization_id"):
            changes["external_org_id"] = status.details["organization_id"]
        if connection.connected_at is None:
            changes["connected_at"] = now
        if connection.state == Connection.State.ERROR:
            changes.update(state=Connection.State.ACTIVE, status_message="")
        Connection.objects.filter(pk=connection.pk, account=account).update(**changes)
        connection.refresh_from_db()
    elif status.code not in _PASSING_CODES:
        connection_fail(account=account, connection=connection, code=status.code, message=status.message)
    audit_record(
        account=account,
        actor=actor,
        action="connection.test",
        target=connection,
        data={"ok": status.ok, "code": status.code},
    )
    return status


def connection_disconnect(*, account: Account, connection: Connection, actor: User | None = None) -> Connection:
    """Revoke our authorization at the provider (best effort), forget the tokens, stop syncing."""
    _own(account, connection)
    if connection.refresh_token or connection.access_token:
        try:
            registry.get(connection.provider).runtime(connection).revoke()
        except (ApplicationError, TransientError):
            pass  # the tokens are wiped below either way; the provider expires them on its own
    with transaction.atomic():
        connection.access_token = ""
        connection.refresh_token = ""
        connection.password = ""
        connection.identity_url = ""
        connection.state = Connection.State.DISCONNECTED
        connection.status_message = ""
        connection.paused_until = None
        connection.save()
        SyncRun.objects.filter(connection=connection, state=SyncRun.State.RUNNING).update(
            state=SyncRun.State.CANCELLED,
            finished_at=timezone.now(),
            stop_reason=_("The connection was disconnected."),
        )
        audit_record(account=account, actor=actor, action="connection.disconnect", target=connection)
    return connection


def connection_pause(
    *, account: Account, connection: Connection, until: datetime | None, reason: str, actor: User | None = None
) -> Connection:
    """Stop syncing until `until` (None: until resumed by a person)."""
    _own(account, connection)
    updated = (
        Connection.objects.filter(pk=connection.pk, account=account)
        .exclude(state=Connection.State.DISCONNECTED)
        .update(
            state=Connection.State.PAUSED, paused_until=until, status_message=str(reason), updated_at=timezone.now()
        )
    )
    if not updated:
        raise ApplicationError(_("A disconnected connection cannot be paused."), code="connection_disconnected")
    connection.refresh_from_db()
    audit_record(
        account=account,
        actor=actor,
        action="connection.pause",
        target=connection,
        data={"until": until.isoformat() if until else None, "reason": str(reason)},
    )
    return connection


def connection_resume(*, account: Account, connection: Connection, actor: User | None = None) -> Connection:
    _own(account, connection)
    Connection.objects.filter(pk=connection.pk, account=account, state=Connection.State.PAUSED).update(
        state=Connection.State.ACTIVE, paused_until=None, status_message="", updated_at=timezone.now()
    )
    connection.refresh_from_db()
    audit_record(account=account, actor=actor, action="connection.resume", target=connection)
    return connection


# --- Salesforce settings ------------------------------------------------------------------------------

_SETTINGS_FIELDS = frozenset(
    {
        "pull_leads",
        "pull_contacts",
        "unique_key",
        "field_map",
        "status_field",
        "sync_flag_field",
        "new_contact_object",
        "lead_company_default",
        "preferred_system",
        "optout_fields",
        "delete_mode",
        "deleted_marker_field",
        "source_label",
    }
)


def _validate_field_map(field_map: Any) -> None:
    ok = isinstance(field_map, dict) and all(
        isinstance(rows, list) and all(isinstance(r, dict) and r.get("remote") and r.get("local") for r in rows)
        for rows in field_map.values()
    )
    if not ok:
        raise ApplicationError(
            _("The field mapping must list, per Salesforce object, pairs of a Salesforce field and a platform field."),
            details={"field": "field_map"},
        )


@transaction.atomic
def salesforce_settings_save(
    *,
    account: Account,
    connection: Connection,
    values: dict[str, Any],
    synced_groups: Iterable[Group] | None = None,
    inbound_group: Group | None = None,
    clear_inbound_group: bool = False,
    actor: User | None = None,
) -> SalesforceSettings:
    """Create or update what a Salesforce connection syncs (SPEC SF-2 … SF-9). Unknown keys are refused."""
    _own(account, connection, inbound_group)
    unknown = set(values) - _SETTINGS_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "field_map" in values:
        _validate_field_map(values["field_map"])
    settings, _created = SalesforceSettings.objects.select_for_update().get_or_create(
        connection=connection, defaults={"account": account}
    )
    for name, value in values.items():
        setattr(settings, name, value)
    if inbound_group is not None or clear_inbound_group:
        settings.inbound_group = inbound_group
    try:
        settings.full_clean(exclude=["account", "connection", "synced_groups", "inbound_group"])
    except ValidationError as exc:
        raise ApplicationError(_("Some settings are not valid."), details=exc.message_dict) from exc
    settings.save()
    if synced_groups is not None:
        groups = list(synced_groups)
        _own(account, *groups)
        settings.synced_groups.set(groups)
    audit_record(
        account=account, actor=actor, action="salesforce.settings", target=connection, data={"changed": sorted(values)}
    )
    return settings


def salesforce_settings_init(
    *, account: Account, connection: Connection, actor: User | None = None
) -> tuple[SalesforceSettings, bool]:
    """Give a new Salesforce connection working settings: Leads and Contacts pulled, keyed by Salesforce Id,
    the standard fields mapped (as far as the org has them), email opt-outs from HasOptedOutOfEmail.
    Settings that already exist are returned untouched. Returns (settings, created)."""
    _own(account, connection)
    existing = SalesforceSettings.objects.filter(account=account, connection=connection).first()
    if existing is not None:
        return existing, False
    runtime = registry.get(connection.provider).runtime(connection)
    field_map = runtime.default_field_map()
    settings = salesforce_settings_save(
        account=account,
        connection=connection,
        actor=actor,
        values={
            "pull_leads": True,
            "pull_contacts": True,
            "unique_key": SalesforceSettings.UniqueKey.ID,
            "field_map": field_map,
            "optout_fields": default_optout_fields(),
        },
    )
    return settings, True


# --- sync runs ----------------------------------------------------------------------------------------


@transaction.atomic
def sync_run_start(*, account: Account, connection: Connection, kind: str) -> SyncRun:
    """Open a run. A pause whose time has passed ends here; a paused, failing or disconnected connection refuses."""
    _own(account, connection)
    if kind not in SyncRun.Kind.values:
        raise ApplicationError(_("Unknown kind of sync run."))
    connection = Connection.objects.select_for_update().get(pk=connection.pk, account=account)
    now = timezone.now()
    if connection.state == Connection.State.PAUSED:
        if connection.paused_until is None or connection.paused_until > now:
            raise ApplicationError(
                _("Syncing is paused: %(reason)s") % {"reason": connection.status_message or _("paused by a person")},
                code="connection_paused",
                details={"until": connection.paused_until.isoformat() if connection.paused_until else None},
            )
        connection.state, connection.paused_until, connection.status_message = Connection.State.ACTIVE, None, ""
        connection.save(update_fields=["state", "paused_until", "status_message", "updated_at"])
    elif connection.state == Connection.State.DISCONNECTED:
        raise ApplicationError(
            _("This connection is disconnected. Connect it again to sync."), code="connection_disconnected"
        )
    elif connection.state == Connection.State.ERROR:
        raise ApplicationError(
            _("The connection needs attention before it can sync: %(message)s")
            % {"message": connection.status_message or _("test the connection")},
            code="connection_error",
        )
    return SyncRun.objects.create(account=account, connection=connection, kind=kind, started_at=now)


@transaction.atomic
def sync_run_finish(
    *,
    account: Account,
    run: SyncRun,
    state: str | None = None,
    records_in: int | None = None,
    records_out: int | None = None,
    records_failed: int | None = None,
    api_calls: int | None = None,
    watermark: dict | None = None,
    stop_reason: str = "",
    details: dict | None = None,
) -> SyncRun:
    """Close a run with its totals. Without `state`: stopped when there is a stop reason, partial when
    records failed, succeeded otherwise. A run that already ended (e.g. cancelled) keeps its state."""
    _own(account, run)
    run = SyncRun.objects.select_for_update().get(pk=run.pk, account=account)
    if run.state != SyncRun.State.RUNNING:
        return run
    for name, value in (
        ("records_in", records_in),
        ("records_out", records_out),
        ("records_failed", records_failed),
        ("api_calls", api_calls),
        ("watermark", watermark),
        ("details", details),
    ):
        if value is not None:
            setattr(run, name, value)
    run.stop_reason = str(stop_reason or "")
    if state is None:
        state = (
            SyncRun.State.STOPPED
            if run.stop_reason
            else SyncRun.State.PARTIAL
            if run.records_failed
            else SyncRun.State.SUCCEEDED
        )
    if state not in SyncRun.State.values or state == SyncRun.State.RUNNING:
        raise ApplicationError(_("A run ends as succeeded, partial, stopped, failed or cancelled."))
    run.state = state
    run.finished_at = timezone.now()
    run.save()
    if state in (SyncRun.State.SUCCEEDED, SyncRun.State.PARTIAL, SyncRun.State.STOPPED):
        Connection.objects.filter(pk=run.connection_id).update(last_sync_at=run.finished_at)
    return run


def sync_run_cancel(*, account: Account, run: SyncRun, actor: User | None = None) -> SyncRun:
    """Ask a running sync to stop; the engine sees the state and ends at its next batch."""
    _own(account, run)
    SyncRun.objects.filter(pk=run.pk, account=account, state=SyncRun.State.RUNNING).update(
        state=SyncRun.State.CANCELLED, finished_at=timezone.now(), stop_reason=_("Cancelled by a person.")
    )
    run.refresh_from_db()
    audit_record(account=account, actor=actor, action="syncrun.cancel", target=run)
    return run


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
    _own(account, connection, contact, run)
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
    _own(account, error)
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
    _own(account, connection, contact)
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
    _own(account, connection)
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
