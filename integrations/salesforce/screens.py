"""What the Salesforce screens need beyond `integrations.services` and `integrations.selectors`.

- the fields of the org's Lead and Contact (describe), kept for a few minutes so that
  opening the settings screen does not spend two API calls each time;
- who the connection signs in as, by name, as the last successful test reported it;
- one save for the settings screen (the connection's schedule and budget, and its settings);
- retrying every given-up record of a connection at once.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from contacts.models import Group
from integrations.models import Connection, SyncError
from integrations.services import connection_save
from marketing.accounts.models import Account, User
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from .client import SalesforceClient
from .models import SalesforceConnection, SalesforceSettings
from .services import salesforce_settings_save

OBJECTS = ("Lead", "Contact")
DESCRIBE_SECONDS = 15 * 60
_CHUNK = 5000


@dataclass(frozen=True)
class RemoteField:
    """A field of a Salesforce object, as describe tells it."""

    name: str
    label: str
    type: str
    updateable: bool = False

    @property
    def is_boolean(self) -> bool:
        return self.type == "boolean"


def _describe_key(connection: Connection) -> str:
    return f"salesforce:describe:{connection.pk}:{SalesforceConnection.of(connection).instance_url}"


def object_fields(*, connection: Connection, refresh: bool = False) -> dict[str, list[RemoteField]]:
    """The fields of Lead and Contact, by label. Raises what the client raises when Salesforce cannot answer
    (`ApplicationError` for a refusal, `TransientError` when it is unreachable)."""
    key = _describe_key(connection)
    described = None if refresh else cache.get(key)
    if described is None:
        with SalesforceClient(connection) as client:
            described = {
                name: [
                    {
                        "name": f["name"],
                        "label": f.get("label") or f["name"],
                        "type": f.get("type", ""),
                        "updateable": bool(f.get("updateable")),
                    }
                    for f in client.describe(name).get("fields", [])
                ]
                for name in OBJECTS
            }
        cache.set(key, described, DESCRIBE_SECONDS)
    return {
        name: sorted((RemoteField(**f) for f in rows), key=lambda f: (f.label.casefold(), f.name))
        for name, rows in described.items()
    }


def connected_as(connection: Connection) -> dict:
    """`{"display_name", "username"}` of the Salesforce user the connection signs in as, as the last successful
    test reported them (kept in the connection's config)."""
    connection = SalesforceConnection.of(connection)
    return {
        "display_name": connection.external_user_name,
        "username": connection.external_username or connection.username,
    }


@transaction.atomic
def salesforce_setup_save(
    *,
    account: Account,
    connection: Connection,
    values: dict,
    synced_groups: Iterable[Group],
    inbound_group: Group | None,
    schedule_minutes: int,
    daily_share_percent: int,
    hourly_call_cap: int,
    actor: User | None = None,
) -> SalesforceSettings:
    """Save the settings screen: the schedule and API budget of the connection, and what it syncs."""
    connection_save(
        account=account,
        provider=connection.provider,
        actor=actor,
        schedule_minutes=schedule_minutes,
        daily_share_percent=daily_share_percent,
        hourly_call_cap=hourly_call_cap,
    )
    return salesforce_settings_save(
        account=account,
        connection=connection,
        values=values,
        synced_groups=synced_groups,
        inbound_group=inbound_group,
        clear_inbound_group=inbound_group is None,
        actor=actor,
    )


def _key(direction: str, object_type: str, external_id: str, contact_id: int | None, pk: int) -> tuple:
    if external_id:
        return (direction, object_type, external_id)
    if contact_id is not None:
        return (direction, object_type, "", contact_id)
    return ("row", pk)  # neither an id nor a contact: nothing to collide with


@transaction.atomic
def sync_errors_retry_dead(*, account: Account, connection: Connection, actor: User | None = None) -> int:
    """Retry every record of `connection` that was given up: each becomes pending and due now.

    A record that failed again since (it has a pending error) has that one made due instead, and of
    several given-up errors of one record only the latest is revived. Returns how many records.
    """
    ensure_owned(account, connection)
    rows = (
        SyncError.objects.select_for_update()
        .filter(account=account, connection=connection, state__in=(SyncError.State.PENDING, SyncError.State.DEAD))
        .order_by("-updated_at", "-id")
        .values_list("pk", "state", "direction", "object_type", "external_id", "contact_id")
    )
    pending: dict[tuple, int] = {}
    dead: dict[tuple, int] = {}
    for pk, state, direction, object_type, external_id, contact_id in rows:
        key = _key(direction, object_type, external_id, contact_id, pk)
        target = pending if state == SyncError.State.PENDING else dead
        target.setdefault(key, pk)
    revive = [pk for key, pk in dead.items() if key not in pending]
    hurry = [pending[key] for key in dead if key in pending]
    now = timezone.now()
    for start in range(0, len(revive), _CHUNK):
        SyncError.objects.filter(pk__in=revive[start : start + _CHUNK]).update(
            state=SyncError.State.PENDING, next_attempt_at=now, updated_at=now
        )
    for start in range(0, len(hurry), _CHUNK):
        SyncError.objects.filter(pk__in=hurry[start : start + _CHUNK]).update(next_attempt_at=now, updated_at=now)
    audit_record(
        account=account, actor=actor, action="syncerror.retry_dead", target=connection, data={"records": len(dead)}
    )
    return len(dead)
