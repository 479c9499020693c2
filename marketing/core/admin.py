from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_scope import (
    SuperuserOnlyMixin,
    TenantScopedMixin,
    managed_account_ids,
    restrict_unscoped_admins,
    scope_queryset,
    user_fully_managed,
)
from .models import AuditEntry

__all__ = [
    "SuperuserOnlyAdmin",
    "TenantScopedAdmin",
    "TenantScopedStackedInline",
    "TenantScopedTabularInline",
    "managed_account_ids",
    "scope_queryset",
    "user_fully_managed",
]


class TenantScopedAdmin(TenantScopedMixin, admin.ModelAdmin):
    """Superusers see every account; other staff only the accounts they manage, in rows and in every choice
    (SPEC ACC-1). The base of every admin of an account's rows, of Account and of User."""


class TenantScopedTabularInline(TenantScopedMixin, admin.TabularInline):
    pass


class TenantScopedStackedInline(TenantScopedMixin, admin.StackedInline):
    pass


class SuperuserOnlyAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """The base of an admin of rows that belong to no account."""


@admin.register(AuditEntry)
class AuditEntryAdmin(TenantScopedAdmin):
    list_display = ("created_at", "account", "done_by", "action", "target_type", "target_id")
    list_filter = ("action",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    @admin.display(description=_("done by"))
    def done_by(self, obj: AuditEntry) -> str:
        return obj.done_by

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the audit trail is kept whole


# Third-party apps (auth groups, OTP devices, Celery beat and results) are listed before this app, so their
# admins are registered by now; none of their rows belongs to an account.
restrict_unscoped_admins(admin.site)
