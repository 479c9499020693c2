from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from marketing.core.admin import TenantScopedAdmin, user_fully_managed

from .models import Account, Department, Membership, User

# Who may sign in to the back office and with which powers: superusers decide.
SUPERUSER_ONLY_USER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
SUPERUSER_ONLY_ACCOUNT_FIELDS = ("sms_credits", "is_active")


@admin.register(User)
class UserAdmin(TenantScopedAdmin, BaseUserAdmin):
    """Other staff see the users of their accounts, and change a user only when they manage every account
    that user belongs to: a password, email or phone set here would otherwise open the other accounts."""

    fieldsets = BaseUserAdmin.fieldsets + (
        ("Contact points", {"fields": ("phone", "phone_verified_at", "email_verified_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        return readonly + SUPERUSER_ONLY_USER_FIELDS

    def has_add_permission(self, request):
        # A user added here would belong to no account; account managers add users on the account's users screen.
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_fully_managed(editor=request.user, user=obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_fully_managed(editor=request.user, user=obj))


@admin.register(Account)
class AccountAdmin(TenantScopedAdmin):
    list_display = ("name", "slug", "owner", "default_region", "time_zone", "language", "sms_credits", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # Credits are bought, not typed in: only the platform's operators change them.
        return readonly if request.user.is_superuser else readonly + SUPERUSER_ONLY_ACCOUNT_FIELDS

    def has_add_permission(self, request):
        # New accounts are the platform operators' to open, and to close; an account manager manages his.
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Department)
class DepartmentAdmin(TenantScopedAdmin):
    list_display = ("name", "account", "created_at")
    list_filter = ("account",)
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ("user", "account", "role", "department", "is_active")
    list_filter = ("account", "role", "is_active")
    search_fields = ("user__username", "account__name")
