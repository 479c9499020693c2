"""Every write of what connectors share goes through these services (SPEC INT-1, INT-2); a connector's
own rows have its own services (e.g. `integrations.salesforce.services`)."""

from .connections import (
    connection_credentials_update,
    connection_disconnect,
    connection_fail,
    connection_pause,
    connection_resume,
    connection_save,
    connection_test,
)
from .errors import (
    SYNC_ERROR_BACKOFF_BASE,
    SYNC_ERROR_BACKOFF_CAP,
    SYNC_ERROR_MAX_ATTEMPTS,
    sync_error_backoff,
    sync_error_record,
    sync_error_resolve,
    sync_error_retry,
    sync_errors_resolve,
)
from .runs import sync_run_cancel, sync_run_finish, sync_run_progress, sync_run_start

__all__ = [
    "SYNC_ERROR_BACKOFF_BASE",
    "SYNC_ERROR_BACKOFF_CAP",
    "SYNC_ERROR_MAX_ATTEMPTS",
    "connection_credentials_update",
    "connection_disconnect",
    "connection_fail",
    "connection_pause",
    "connection_resume",
    "connection_save",
    "connection_test",
    "sync_error_backoff",
    "sync_error_record",
    "sync_error_resolve",
    "sync_error_retry",
    "sync_errors_resolve",
    "sync_run_cancel",
    "sync_run_finish",
    "sync_run_progress",
    "sync_run_start",
]
