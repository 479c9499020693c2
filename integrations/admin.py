from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from marketing.core.admin import TenantScopedAdmin
from marketing.core.texts import rendered

from .models import Connection, ExternalRef, SyncCursor, SyncError, SyncRun
from .services import sync_error_retry


class ReadOnlyAdmin(TenantScopedAdmin):
    """Rows the syncs write; the back office looks, and acts only through services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Connection)
class ConnectionAdmin(TenantScopedAdmin):
    """What every connection shares, and its connector's settings as they are stored. The credentials are
    never on a page, not even encrypted (the field is not editable, so no form holds it)."""

    list_display = ("account", "provider", "state", "last_sync_at", "connected_at")
    list_filter = ("provider", "state")
    search_fields = ("account__name", "account__slug")
    exclude = ("credentials",)
    readonly_fields = (
        "account",
        "provider",
        "state",
        "status_message",
        "paused_until",
        "config",
        "connected_at",
        "last_sync_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "object_type", "contact", "account", "last_modstamp", "deleted_at")
    list_filter = ("object_type",)
    search_fields = ("external_id",)
    raw_id_fields = ("contact",)


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ("connection", "account", "stream", "watermark", "full_sync_done_at", "updated_at")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "account",
        "kind",
        "state",
        "records_in",
        "records_out",
        "records_failed",
        "api_calls",
        "stop_reason_text",
    )
    list_filter = ("state", "kind")
    date_hierarchy = "started_at"

    @admin.display(description=_("stop reason"))
    def stop_reason_text(self, run: SyncRun) -> str:
        return rendered(run.stop_reason)  # kept as a message id and its values: read in the reader's language


class ConnectionListFilter(admin.RelatedOnlyFieldListFilter):
    """The connections that have rows in the list, each named with its account (every account's Salesforce
    connection is otherwise just "salesforce")."""

    def field_choices(self, field, request, model_admin):
        listed = model_admin.get_queryset(request).values("connection_id")
        connections = Connection.objects.filter(pk__in=listed).select_related("account")
        return [(c.pk, f"{c.account} · {c}") for c in connections.order_by("account__name", "provider")]


@admin.register(SyncError)
class SyncErrorAdmin(ReadOnlyAdmin):
    list_display = (
        "updated_at",
        "account",
        "connection",
        "direction",
        "object_type",
        "external_id",
        "code",
        "message_shown",
        "state",
        "attempts",
        "next_attempt_at",
    )
    list_select_related = ("account", "connection")
    list_filter = ("state", ("connection", ConnectionListFilter), "direction", "object_type", "code")
    search_fields = ("external_id", "code", "message")
    raw_id_fields = ("contact",)
    actions = ["retry_now"]

    @admin.display(description=_("message"))
    def message_shown(self, error: SyncError) -> str:
        return Truncator(rendered(error.message)).chars(120)  # a stored text: read in the reader's language

    @admin.action(description=_("Retry now"))
    def retry_now(self, request, queryset):
        count = 0
        for error in queryset.select_related("account"):  # already limited to the accounts this user manages
            sync_error_retry(account=error.account, error=error, actor=request.user)
            count += 1
        self.message_user(request, _("%(count)s records will be retried.") % {"count": count}, messages.SUCCESS)
