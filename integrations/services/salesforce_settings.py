"""What a Salesforce connection syncs and how (SPEC SF-2 … SF-9)."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contacts.models import Group
from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError
from marketing.core.services import audit_record

from .. import registry
from ..models import Connection, SalesforceSettings, default_optout_fields
from .common import _own

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
