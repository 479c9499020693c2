"""A Salesforce connection: where and how it signs in (SPEC SF-1), what it syncs and how (SPEC SF-2 … SF-10,
SF-16)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from contacts.models import Group
from integrations import registry
from integrations.models import Connection
from integrations.services import connection_credentials_update, connection_save
from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from .models import PROVIDER, SalesforceConnection, SalesforceSettings, default_optout_fields
from .names import is_api_name
from .tasks import salesforce_past_optouts_push

# --- the connection: signing in (SPEC SF-1) -----------------------------------------------------------

# Changing any of these makes the saved session meaningless.
_SIGN_IN_KEYS = frozenset(
    {"login_url", "auth_flow", "client_id", "client_secret", "username", "password", "jwt_private_key"}
)
_URL_KEYS = frozenset({"login_url", "instance_url"})


@transaction.atomic
def salesforce_connection_save(
    *,
    account: Account,
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
) -> SalesforceConnection:
    """Create or update the account's Salesforce connection. A value left as None is kept.

    New sign-in details (or `connect`) drop the saved session and clear an error or disconnected state:
    the next call signs in again.
    """
    current = SalesforceConnection.objects.select_for_update().filter(account=account).first()
    saved = current or SalesforceConnection(account=account, provider=PROVIDER)
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
    }
    config: dict[str, Any] = {}
    credentials: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        secret = name in SalesforceConnection.CREDENTIAL_KEYS
        if not secret:
            value = str(value).strip()
            if name in _URL_KEYS:
                value = value.rstrip("/")
        if current is None or getattr(saved, name) != value:  # a new connection keeps every choice explicitly
            (credentials if secret else config)[name] = value
    restart = current is None or connect or bool(_SIGN_IN_KEYS & (set(config) | set(credentials)))
    if restart:
        credentials.update(access_token="", refresh_token="")
        config["identity_url"] = ""
    connection = connection_save(
        account=account,
        provider=PROVIDER,
        actor=actor,
        config=config,
        credentials=credentials,
        schedule_minutes=schedule_minutes,
        daily_share_percent=daily_share_percent,
        hourly_call_cap=hourly_call_cap,
        connect=restart,
    )
    return SalesforceConnection.of(connection)


def salesforce_tokens_save(
    *,
    account: Account,
    connection: Connection,
    access_token: str,
    refresh_token: str | None = None,
    instance_url: str | None = None,
    identity_url: str | None = None,
) -> SalesforceConnection:
    """Keep the tokens a grant returned, and where the org answers; a refresh token or URL not returned is
    kept. A concurrent change of the connection's settings is not undone."""
    credentials = {"access_token": access_token}
    if refresh_token:
        credentials["refresh_token"] = refresh_token
    config = {}
    if instance_url:
        config["instance_url"] = instance_url.rstrip("/")
    if identity_url:
        config["identity_url"] = identity_url
    connection = SalesforceConnection.of(connection)
    connection_credentials_update(account=account, connection=connection, credentials=credentials, config=config)
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
        "deleted_here",
        "fill_salesforce_blanks",
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
    for sobject, rows in field_map.items():
        for row in rows:
            for key in ("remote", "fallback"):
                if key in row:
                    _check_api_name(row[key], setting="field_map", where=str(sobject))


def _check_api_name(value: Any, *, setting: str, where: str = "") -> None:
    """Refuse a Salesforce field name that is not an API name (names.API_NAME): it would be put into SOQL."""
    if is_api_name(value):
        return
    label = capfirst(SalesforceSettings._meta.get_field(setting).verbose_name)
    if where:
        label = f"{label} ({where})"
    raise ApplicationError(
        _(
            "%(setting)s: “%(value)s” is not a valid field API name. Use letters, digits and underscores, "
            "starting with a letter (e.g. Opt_Out__c)."
        )
        % {"setting": label, "value": value},
        code="invalid_field_name",
        details={"field": setting, "value": str(value)},
    )


def _validate_field_names(values: dict[str, Any]) -> None:
    """Every Salesforce field name among `values` is an API name (the field map's are checked with it)."""
    for setting in ("status_field", "sync_flag_field", "deleted_marker_field"):
        if values.get(setting) not in (None, ""):
            _check_api_name(values[setting], setting=setting)
    if "optout_fields" in values:
        optouts = values["optout_fields"]
        if not isinstance(optouts, dict):
            raise ApplicationError(
                _("The opt-out fields must name a Salesforce field per channel."), details={"field": "optout_fields"}
            )
        for channel, name in optouts.items():
            if name not in (None, ""):
                _check_api_name(name, setting="optout_fields", where=str(channel))


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
    ensure_owned(account, connection, inbound_group)
    unknown = set(values) - _SETTINGS_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "field_map" in values:
        _validate_field_map(values["field_map"])
    _validate_field_names(values)
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
        ensure_owned(account, *groups)
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
    ensure_owned(account, connection)
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


def _settings_locked(account: Account, connection: Connection) -> SalesforceSettings:
    settings = SalesforceSettings.objects.select_for_update().filter(account=account, connection=connection).first()
    if settings is None:
        raise ApplicationError(_("Save the Salesforce settings first."))
    return settings


# --- past unsubscribes (SPEC SF-10) -------------------------------------------------------------------


@transaction.atomic
def salesforce_past_optouts_start(
    *, account: Account, actor: User | None, connection: Connection, since: datetime
) -> SalesforceSettings:
    """Send every unsubscribe since `since` to Salesforce once, in the background. `since` becomes the
    setting's "last sent" (editable: the next one-time send starts there unless it is changed)."""
    ensure_owned(account, connection)
    if timezone.is_naive(since):
        since = timezone.make_aware(since)
    if since > timezone.now():
        raise ApplicationError(
            _("Unsubscribes can only be sent from a date in the past; choose a date and time before now."),
            details={"field": "since"},
        )
    if connection.state == Connection.State.DISCONNECTED:
        raise ApplicationError(_("Salesforce is disconnected. Connect it again to send unsubscribes."))
    settings = _settings_locked(account, connection)
    settings.optouts_pushed_at = since
    settings.save(update_fields=["optouts_pushed_at"])
    audit_record(
        account=account,
        actor=actor,
        action="salesforce.past_optouts",
        target=connection,
        data={"since": since.isoformat()},
    )
    connection_id, since_text = connection.pk, since.isoformat()
    transaction.on_commit(lambda: salesforce_past_optouts_push.delay(connection_id, since_text))
    return settings


# --- synced groups (SPEC SF-16) -----------------------------------------------------------------------


@transaction.atomic
def salesforce_group_unsync(
    *, account: Account, actor: User | None, connection: Connection, group: Group
) -> SalesforceSettings:
    """Stop syncing one group. Its contacts stay, in the group and on the platform; Salesforce is not told."""
    ensure_owned(account, connection, group)
    settings = _settings_locked(account, connection)
    if not settings.synced_groups.filter(pk=group.pk).exists():
        raise ApplicationError(_("The group “%(name)s” is not synced with Salesforce.") % {"name": group.name})
    settings.synced_groups.remove(group)
    audit_record(
        account=account,
        actor=actor,
        action="salesforce.group_unsync",
        target=connection,
        data={"group": group.pk, "name": group.name},
    )
    return settings
