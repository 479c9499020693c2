"""Connections: credentials, tokens, tests, pause and disconnect (SPEC INT-1, INT-2)."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, TransientError
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from .. import registry
from ..base import ConnectionStatus
from ..models import Connection, SyncRun

_SECRET_FIELDS = ("client_secret", "password", "access_token", "refresh_token", "jwt_private_key")
# Changing any of these makes the saved tokens meaningless.
_IDENTITY_FIELDS = ("login_url", "auth_flow", "client_id", "client_secret", "username", "password", "jwt_private_key")


# --- connections --------------------------------------------------------------------------------------


def _validate_connection(connection: Connection) -> None:
    """What every connection needs; the provider checks how it signs in."""
    registry.get(connection.provider).validate(connection)
    if not 1 <= connection.daily_share_percent <= 100:
        raise ApplicationError(
            _("The share of the daily API limit is a percentage from 1 to 100."),
            details={"field": "daily_share_percent"},
        )
    if connection.schedule_minutes < 1 or connection.hourly_call_cap < 1:
        raise ApplicationError(_("The schedule and the hourly API calls must be at least 1."))


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
    ensure_owned(account, connection)
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
    ensure_owned(account, connection)
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
    ensure_owned(account, connection)
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
    elif not status.passing:
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
    ensure_owned(account, connection)
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
    ensure_owned(account, connection)
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
    ensure_owned(account, connection)
    Connection.objects.filter(pk=connection.pk, account=account, state=Connection.State.PAUSED).update(
        state=Connection.State.ACTIVE, paused_until=None, status_message="", updated_at=timezone.now()
    )
    connection.refresh_from_db()
    audit_record(account=account, actor=actor, action="connection.resume", target=connection)
    return connection
