from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from integrations.admin import ReadOnlyAdmin

from .models import ApiUsage, SalesforceConnection, SalesforceSettings


@admin.register(SalesforceConnection)
class SalesforceConnectionAdmin(ReadOnlyAdmin):
    """Where and how a Salesforce connection signs in, and who it is there: its settings only, never a secret."""

    list_display = ("account", "state", "auth_flow_label", "instance_url", "username", "last_sync_at")
    list_filter = ("state",)
    search_fields = ("account__name", "account__slug")
    fields = readonly_fields = (
        "account",
        "state",
        "status_message",
        "login_url",
        "instance_url",
        "auth_flow_label",
        "client_id",
        "username",
        "ca_bundle",
        "external_user_id",
        "external_org_id",
        "schedule_minutes",
        "daily_share_percent",
        "hourly_call_cap",
        "connected_at",
        "last_sync_at",
    )

    @admin.display(description=_("sign-in method"))
    def auth_flow_label(self, obj: SalesforceConnection) -> str:
        return obj.get_auth_flow_display()


@admin.register(SalesforceSettings)
class SalesforceSettingsAdmin(ReadOnlyAdmin):
    list_display = ("connection", "account", "pull_leads", "pull_contacts", "unique_key", "new_contact_object")


@admin.register(ApiUsage)
class ApiUsageAdmin(ReadOnlyAdmin):
    list_display = ("hour", "account", "connection", "calls", "org_used", "org_max")
