from django.contrib import admin

from integrations.admin import ReadOnlyAdmin

from .models import ApiUsage, SalesforceSettings


@admin.register(SalesforceSettings)
class SalesforceSettingsAdmin(ReadOnlyAdmin):
    list_display = ("connection", "account", "pull_leads", "pull_contacts", "unique_key", "new_contact_object")


@admin.register(ApiUsage)
class ApiUsageAdmin(ReadOnlyAdmin):
    list_display = ("hour", "account", "connection", "calls", "org_used", "org_max")
