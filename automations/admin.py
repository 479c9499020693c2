from django.contrib import admin

from marketing.core.admin import TenantScopedAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(TenantScopedAdmin):
    list_display = ("id", "account", "kind", "created_at", "dispatched_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
