"""The back office's view of an account's background jobs: imports and bulk actions, with how each ended.

The jobs are the worker's to change; the back office looks (a failed job names its error in the list).
Uploaded and rejected-row files stay off these pages: they hold the account's contacts.
"""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from marketing.core.admin import TenantScopedAdmin
from marketing.core.models import BackgroundJob
from marketing.core.texts import rendered

from .models import BulkJob, ImportJob

JOB_TIMES = ("created_by", "created_at", "started_at", "finished_at")


class BackgroundJobAdmin(TenantScopedAdmin):
    list_filter = ("status",)
    list_select_related = ("account", "created_by")
    search_fields = ("account__slug", "account__name")
    date_hierarchy = "created_at"

    @admin.display(description=_("error"))
    def error_shown(self, job: BackgroundJob) -> str:
        return Truncator(rendered(job.error)).chars(120)  # kept as a message id and its values

    @admin.display(description=_("error"))
    def error_in_full(self, job: BackgroundJob) -> str:
        return rendered(job.error)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a running job's worker holds it; a finished one is the account's history


@admin.register(ImportJob)
class ImportJobAdmin(BackgroundJobAdmin):
    list_display = (
        "id",
        "created_at",
        "account",
        "filename",
        "status",
        "rows_read",
        "rows_new",
        "rows_updated",
        "rows_rejected",
        "error_shown",
        "finished_at",
    )
    search_fields = (*BackgroundJobAdmin.search_fields, "filename")
    fields = readonly_fields = (
        "account",
        "filename",
        "status",
        "error_in_full",
        "group",
        "options",
        "consent",
        "rows_total",
        "rows_read",
        "rows_new",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
        *JOB_TIMES,
    )


@admin.register(BulkJob)
class BulkJobAdmin(BackgroundJobAdmin):
    list_display = (
        "id",
        "created_at",
        "account",
        "action",
        "group_name",
        "status",
        "done",
        "total",
        "error_shown",
        "finished_at",
    )
    list_filter = ("status", "action")
    fields = readonly_fields = (
        "account",
        "action",
        "group_name",
        "status",
        "error_in_full",
        "selection",
        "params",
        "total",
        "done",
        "result",
        *JOB_TIMES,
    )
