"""Connections: settings and credentials, tests, pause and disconnect (SPEC INT-1, INT-2).

What a connector keeps in a connection's `config` and `credentials` is its own business: these services
merge what they are given, and ask the provider (through the registry) whether it can sign in with it.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, TransientError
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned
from marketing.core.texts import stored

from .. import registry
from ..base import ConnectionStatus
from ..models import Connection, SyncRun

# --- connections --------------------------------------------------------------------------------------


def _merged(values: dict, changes: dict | None) -> dict:
    """`values` with each key of `changes` set; an empty value ("" or None) removes its key."""
    merged = dict(values or {})
    for key, value in (changes or {}).items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _changed_keys(before: dict, after: dict) -> list[str]:
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


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
    config: dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
    schedule_minutes: int | None = None,
    daily_share_percent: int | None = None,
    hourly_call_cap: int | None = None,
    connect: bool = False,
) -> Connection:
    """Create or update the account's connection to `provider`. A value left as None is kept; of `config`
    and `credentials`, each given key is set (an empty value removes it) and the others are kept.

    `connect` (always so for a new connection) clears an error or disconnected state: the connection is to
    sign in afresh. The provider's own service decides when that is (e.g. new sign-in details).
    """
    registry.get(provider)
    connection = Connection.objects.select_for_update().filter(account=account, provider=provider).first()
    created = connection is None
    if created:
        connection = Connection(account=account, provider=provider)
    changed = []
    if config:
        merged = _merged(connection.config, config)
        changed += _changed_keys(connection.config, merged)
        connection.config = merged
    if credentials:
        merged = _merged(connection.credentials, credentials)
        changed += _changed_keys(connection.credentials, merged)  # names only: the audit never holds a secret
        connection.credentials = merged
    given = {
        "schedule_minutes": schedule_minutes,
        "daily_share_percent": daily_share_percent,
        "hourly_call_cap": hourly_call_cap,
    }
    for name, value in given.items():
        if value is not None and getattr(connection, name) != value:
            setattr(connection, name, value)
            changed.append(name)
    _validate_connection(connection)
    if (created or connect) and connection.state in (Connection.State.ERROR, Connection.State.DISCONNECTED):
        connection.state = Connection.State.ACTIVE
        connection.status_message = ""
    connection.save()
    audit_record(
        account=account,
        actor=actor,
        action="connection.create" if created else "connection.update",
        target=connection,
        data={"provider": provider, "changed": sorted(changed)},
    )
    return connection


def connection_credentials_update(
    *,
    account: Account,
    connection: Connection,
    credentials: dict[str, Any],
    config: dict[str, Any] | None = None,
) -> Connection:
    """Keep what signing in returned (tokens, and where the system answers): the given keys of `credentials`
    and `config` are set, the others kept. The row is locked and read again first, so a concurrent change
    of the settings is not undone."""
    ensure_owned(account, connection)
    with transaction.atomic():
        row = (
            Connection.objects.select_for_update()
            .filter(pk=connection.pk, account=account)
            .only("pk", "config", "credentials")
            .first()
        )
        if row is None:  # removed meanwhile: nothing to keep
            return connection
        changes = {
            "credentials": _merged(row.credentials, credentials),
            "config": _merged(row.config, config),
            "updated_at": timezone.now(),
        }
        Connection.objects.filter(pk=row.pk).update(**changes)
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
        with transaction.atomic():
            row = (
                Connection.objects.select_for_update()
                .filter(pk=connection.pk, account=account)
                .only("pk", "config", "state", "connected_at")
                .first()
            )
            if row is not None:
                changes: dict[str, Any] = {"updated_at": now}
                if status.config:
                    changes["config"] = _merged(row.config, status.config)
                if row.connected_at is None:
                    changes["connected_at"] = now
                if row.state == Connection.State.ERROR:
                    changes.update(state=Connection.State.ACTIVE, status_message="")
                Connection.objects.filter(pk=row.pk).update(**changes)
        connection.refresh_from_db()
    elif not status.passing:
        connection_fail(account=account, connection=connection, code=status.code, message=status.text or status.message)
    audit_record(
        account=account,
        actor=actor,
        action="connection.test",
        target=connection,
        data={"ok": status.ok, "code": status.code},
    )
    return status


def connection_disconnect(*, account: Account, connection: Connection, actor: User | None = None) -> Connection:
    """Revoke our authorization at the provider (best effort), forget the credentials a reconnect does not
    reuse (tokens, passwords: all but the provider's `reusable_credentials`), stop syncing."""
    ensure_owned(account, connection)
    provider = registry.get(connection.provider)
    connection.refresh_from_db(fields=["config", "credentials"])  # the tokens a sync renewed meanwhile too
    if connection.credentials:
        try:
            provider.runtime(connection).revoke()
        except (ApplicationError, TransientError):
            pass  # the tokens are wiped below either way; the provider expires them on its own
    with transaction.atomic():
        connection.credentials = {
            key: value for key, value in connection.credentials.items() if key in provider.reusable_credentials
        }
        connection.state = Connection.State.DISCONNECTED
        connection.status_message = ""
        connection.paused_until = None
        connection.save(update_fields=["credentials", "state", "status_message", "paused_until", "updated_at"])
        SyncRun.objects.filter(connection=connection, state=SyncRun.State.RUNNING).update(
            state=SyncRun.State.CANCELLED,
            finished_at=timezone.now(),
            stop_reason=stored(gettext_noop("The connection was disconnected.")),
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
