from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from marketing.core.admin import TenantScopedAdmin, managed_account_ids

from .models import Account, Department, Membership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Contact points", {"fields": ("phone", "phone_verified_at", "email_verified_at")}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(memberships__account_id__in=managed_account_ids(request.user)).distinct()


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "default_region", "time_zone", "language", "sms_credits", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=managed_account_ids(request.user))


@admin.register(Department)
class DepartmentAdmin(TenantScopedAdmin):
    list_display = ("name", "account", "created_at")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ("user", "account", "role", "department", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "account__name")
