"""Platform events that reach Salesforce before the next scheduled sync (SPEC SF-8, SF-9)."""

from functools import partial

from django.db import transaction

from automations.models import Event
from automations.services import EventKind, events_consumer
from contacts.sources import Source

from ..models import Connection
from .models import SalesforceSettings

SOURCE = Source.SALESFORCE


def _settings_by_account(events: list[Event]) -> dict[int, SalesforceSettings]:
    accounts = {event.account_id for event in events if event.payload.get("source") != SOURCE}
    found = (
        SalesforceSettings.objects.filter(account_id__in=accounts, connection__provider="salesforce")
        .exclude(connection__state=Connection.State.DISCONNECTED)
        .select_related("connection")
    )
    return {settings.account_id: settings for settings in found}


@events_consumer(EventKind.CONTACT_UNSUBSCRIBED)
def unsubscribes_to_salesforce(events: list[Event]) -> None:
    """A platform unsubscribe sets the channel's opt-out field in Salesforce within seconds."""
    from .tasks import salesforce_optouts_push

    wanted = _settings_by_account(events)
    for event in events:
        settings = wanted.get(event.account_id)
        channel = event.payload.get("channel", "")
        if settings is None or event.payload.get("source") == SOURCE or not (settings.optout_fields or {}).get(channel):
            continue
        points = list(event.payload.get("points") or [])
        if points:
            transaction.on_commit(partial(salesforce_optouts_push.delay, settings.connection_id, channel, points))


def _group_changes(events: list[Event]) -> None:
    from .tasks import salesforce_markers_push

    wanted = {a: s for a, s in _settings_by_account(events).items() if s.deleted_marker_field}
    synced = {account: set(settings.synced_groups.values_list("pk", flat=True)) for account, settings in wanted.items()}
    for event in events:
        settings = wanted.get(event.account_id)
        if settings is None or event.payload.get("source") == SOURCE:
            continue
        if event.payload.get("group_id") not in synced[event.account_id]:
            continue
        contact_ids = list(event.payload.get("contact_ids") or [])
        if contact_ids:
            transaction.on_commit(partial(salesforce_markers_push.delay, settings.connection_id, contact_ids))


@events_consumer(EventKind.GROUP_LEFT)
def group_removals_to_salesforce(events: list[Event]) -> None:
    """A contact removed from a synced group gets the removed marker set on its Salesforce record."""
    _group_changes(events)


@events_consumer(EventKind.GROUP_JOINED)
def group_returns_to_salesforce(events: list[Event]) -> None:
    """Back in a synced group: a marker set before is cleared."""
    _group_changes(events)
