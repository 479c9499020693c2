from collections import defaultdict

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketing.accounts.models import Account
from marketing.core.admin import TenantScopedAdmin, TenantScopedTabularInline

from .models import Event, EventDelivery
from .services import event_deliveries_retry


class EventDeliveryInline(TenantScopedTabularInline):
    model = EventDelivery
    fields = ("consumer", "state", "attempts", "next_attempt_at", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(TenantScopedAdmin):
    list_display = ("id", "account", "kind", "created_at", "dispatched_at", "next_attempt_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in Event._meta.fields]
    inlines = [EventDeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(TenantScopedAdmin):
    list_display = (
        "id",
        "account",
        "event",
        "consumer",
        "state",
        "attempts",
        "last_error_shown",
        "next_attempt_at",
        "updated_at",
    )
    list_filter = ("state", "consumer")
    list_select_related = ("account", "event")
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
    actions = ["retry"]

    @admin.display(description=_("last error"))
    def last_error_shown(self, delivery: EventDelivery) -> str:
        lines = delivery.last_error.strip().splitlines()  # a traceback: its last line names the exception
        return Truncator(lines[-1] if lines else "").chars(120)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a delivery is the consumer's checkpoint: without it the event would be delivered again

    def has_retry_permission(self, request):
        return request.user.has_perm("automations.change_eventdelivery")

    @admin.action(description=_("Retry the selected deliveries that gave up"), permissions=["retry"])
    def retry(self, request, queryset):
        by_account: dict[int, list[int]] = defaultdict(list)
        for pk, account_id in queryset.filter(state=EventDelivery.State.DEAD).values_list("pk", "account_id"):
            by_account[account_id].append(pk)
        accounts = Account.objects.in_bulk(list(by_account))
        count = sum(
            event_deliveries_retry(account=accounts[account_id], actor=request.user, delivery_ids=ids)
            for account_id, ids in by_account.items()
        )
        self.message_user(
            request,
            ngettext("%(count)d delivery will be tried again.", "%(count)d deliveries will be tried again.", count)
            % {"count": count},
        )
