from django.contrib import admin

from .models import AuditEntry


def managed_account_ids(user) -> list[int]:
    """Accounts a staff user manages; the back office shows them nothing else."""
    from marketing.accounts.roles import Role

    return list(user.memberships.filter(is_active=True, role=Role.ACCOUNT_MANAGER).values_list("account_id", flat=True))


class TenantScopedAdmin(admin.ModelAdmin):
    """Superusers see every account; other staff only the accounts they manage (SPEC ACC-1)."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(account_id__in=managed_account_ids(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            related = db_field.related_model
            if related._meta.label == "accounts.Account":
                kwargs["queryset"] = related.objects.filter(pk__in=managed_account_ids(request.user))
            elif any(f.name == "account" for f in related._meta.fields):
                kwargs["queryset"] = related.objects.filter(account_id__in=managed_account_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AuditEntry)
class AuditEntryAdmin(TenantScopedAdmin):
    list_display = ("created_at", "account", "actor", "action", "target_type", "target_id")
    list_filter = ("action",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
