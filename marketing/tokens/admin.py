from django.contrib import admin

from marketing.core.admin import TenantScopedAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(TenantScopedAdmin):
    """Read-only: tokens are issued and changed on the tokens screen, behind the OTP step-up."""

    list_display = ("name", "account", "masked", "is_active", "expires_at", "last_used_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "public_id")
    exclude = ("digest",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
