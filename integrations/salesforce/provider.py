"""Salesforce as a provider of the connector interface; registered when the app is ready."""

from typing import ClassVar

from django.utils.translation import gettext as _

from integrations import registry
from integrations.base import ConnectionStatus
from integrations.models import Connection, default_field_map
from marketing.core.errors import ApplicationError, TransientError

from . import auth
from .client import SalesforceClient


class SalesforceRuntime:
    def __init__(self, connection: Connection):
        self.connection = connection

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
            return ConnectionStatus(ok=False, code=exc.code, message=exc.message, details=exc.details)
        except TransientError as exc:
            return ConnectionStatus(ok=False, code="unreachable", message=str(exc))
        details = dict(who)
        if usage is not None:
            details["api_usage"] = {"used": usage.used, "max": usage.total}
        return ConnectionStatus(
            ok=True,
            message=_("Connected to Salesforce as %(username)s.") % {"username": who.get("username") or who["user_id"]},
            details=details,
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

    def revoke(self) -> None:
        token = self.connection.refresh_token or self.connection.access_token
        if token and self.connection.login_url:
            auth.revoke(login_url=self.connection.login_url, token=token, ca_bundle=self.connection.ca_bundle)


class SalesforceProvider:
    key: ClassVar[str] = "salesforce"
    name: ClassVar[str] = "Salesforce"
    # What exists today; campaign members and contact moments (SF-12, SF-14) join when they are built.
    features: ClassVar[frozenset[str]] = frozenset({"contacts.pull", "contacts.push", "optout.sync"})

    def runtime(self, connection: Connection) -> SalesforceRuntime:
        return SalesforceRuntime(connection)


registry.register(SalesforceProvider())
