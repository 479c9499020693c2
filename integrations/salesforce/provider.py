"""Salesforce as a provider of the connector interface; registered when the app is ready."""

import os
from typing import ClassVar
from urllib.parse import urlparse

from django.utils.translation import gettext as _

from integrations import registry
from integrations.base import ConnectionStatus
from integrations.models import Connection, SyncRun
from marketing.core.errors import ApplicationError, TransientError

from . import auth
from .client import SalesforceClient
from .models import PROVIDER, SalesforceConnection, default_field_map
from .sync import salesforce_sync

AuthFlow = SalesforceConnection.AuthFlow

# Failures that say nothing about the connection itself: the next try may work.
_PASSING_CODES = frozenset(
    {"api_limit_reached", "salesforce_limit_exceeded", "api_budget_exhausted", "salesforce_session_rejected"}
)


class SalesforceRuntime:
    def __init__(self, connection: Connection):
        self.connection = SalesforceConnection.of(connection)

    def client(self) -> SalesforceClient:
        return SalesforceClient(self.connection)

    def test(self) -> ConnectionStatus:
        """Sign in if needed, ask Salesforce who we are (the ids echo suppression needs), and make one API call."""
        try:
            with self.client() as client:
                who = client.identity()
                client.limits()  # the identity service answers even where the REST API is off
                usage = client.limit_info
        except ApplicationError as exc:
            return ConnectionStatus(
                ok=False,
                code=exc.code,
                message=exc.message,
                text=exc.text,
                details=exc.details,
                passing=exc.code in _PASSING_CODES,
            )
        except TransientError as exc:
            return ConnectionStatus(ok=False, code="unreachable", message=str(exc), passing=True)
        details = dict(who)
        if usage is not None:
            details["api_usage"] = {"used": usage.used, "max": usage.total}
        # Who the connection is there: the pull tells its own changes from others' by the user id.
        learned = {
            "external_user_id": who.get("user_id"),
            "external_org_id": who.get("organization_id"),
            "external_user_name": who.get("display_name"),  # the connection screen names the person, not an id
            "external_username": who.get("username"),
        }
        return ConnectionStatus(
            ok=True,
            message=_("Connected to Salesforce as %(username)s.") % {"username": who.get("username") or who["user_id"]},
            details=details,
            config={key: value for key, value in learned.items() if value},
        )

    def default_field_map(self) -> dict:
        """The standard mapping, limited to the fields this org's Lead and Contact have (SPEC SF-3).

        The platform's phone is the mobile number; a record without one gives its Phone instead.
        """
        try:
            with self.client() as client:
                described = {name: client.describe(name) for name in ("Lead", "Contact")}
        except (ApplicationError, TransientError):
            return default_field_map()
        field_map = {}
        for sobject, description in described.items():
            names = {f["name"] for f in description.get("fields", [])}
            rows = [
                {"remote": remote, "local": local, "translate": {}}
                for remote, local in (("Email", "email"), ("FirstName", "first_name"), ("LastName", "last_name"))
                if remote in names
            ]
            if "MobilePhone" in names:
                phone = {"remote": "MobilePhone", "local": "phone", "translate": {}}
                if "Phone" in names:
                    phone["fallback"] = "Phone"
                rows.append(phone)
            elif "Phone" in names:
                rows.append({"remote": "Phone", "local": "phone", "translate": {}})
            field_map[sobject] = rows
        return field_map

    def sync(self, *, full: bool = False) -> SyncRun:
        return salesforce_sync(connection=self.connection, full=full)

    def revoke(self) -> None:
        token = self.connection.refresh_token or self.connection.access_token
        if token and self.connection.login_url:
            auth.revoke(login_url=self.connection.login_url, token=token, ca_bundle=self.connection.ca_bundle)


class SalesforceProvider:
    key: ClassVar[str] = PROVIDER
    name: ClassVar[str] = "Salesforce"
    # What exists today; campaign members and contact moments (SF-12, SF-14) join when they are built.
    features: ClassVar[frozenset[str]] = frozenset({"contacts.pull", "contacts.push", "optout.sync"})
    # The connected app's secret and the JWT key; a disconnect forgets the tokens and a user's password.
    reusable_credentials: ClassVar[frozenset[str]] = frozenset({"client_secret", "jwt_private_key"})

    def validate(self, connection: Connection) -> None:
        """Where and how to sign in: https URLs, a known sign-in method, a CA bundle that exists, and what the
        method needs filled in."""
        connection = SalesforceConnection.of(connection)
        url = urlparse(connection.login_url or "")
        if connection.login_url and (url.scheme != "https" or not url.hostname):
            raise ApplicationError(
                _("The login URL must start with https://, e.g. https://login.salesforce.com or your My Domain URL."),
                details={"field": "login_url"},
            )
        if connection.instance_url and urlparse(connection.instance_url).scheme != "https":
            raise ApplicationError(_("The instance URL must start with https://."), details={"field": "instance_url"})
        if connection.auth_flow not in AuthFlow.values:
            raise ApplicationError(_("Choose a sign-in method."), details={"field": "auth_flow"})
        if connection.ca_bundle and not os.path.isfile(connection.ca_bundle):
            raise ApplicationError(
                _("The CA bundle %(path)s does not exist. Give the path of a PEM file, or leave it empty.")
                % {"path": connection.ca_bundle},
                details={"field": "ca_bundle"},
            )
        flow = connection.auth_flow
        required = {"login_url": _("the login URL"), "client_id": _("the client id")}
        if flow in (AuthFlow.WEB_SERVER, AuthFlow.CLIENT_CREDENTIALS, AuthFlow.PASSWORD):
            required["client_secret"] = _("the client secret")
        if flow in (AuthFlow.JWT_BEARER, AuthFlow.PASSWORD):
            required["username"] = _("the username")
        if flow == AuthFlow.PASSWORD:
            required["password"] = _("the password and security token")
        if flow == AuthFlow.JWT_BEARER:
            required["jwt_private_key"] = _("the private key")
        for name, label in required.items():
            if not getattr(connection, name):
                raise ApplicationError(_("Fill in %(what)s.") % {"what": label}, details={"field": name})

    def runtime(self, connection: Connection) -> SalesforceRuntime:
        return SalesforceRuntime(connection)


registry.register(SalesforceProvider())
