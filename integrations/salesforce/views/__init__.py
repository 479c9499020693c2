"""The Salesforce screens: the connection, its settings, sync runs and per-record errors."""

from .connection import (
    salesforce_connect,
    salesforce_connection,
    salesforce_disconnect,
    salesforce_pause,
    salesforce_resume,
    salesforce_sync,
    salesforce_test,
)
from .errors import error_list, error_retry, errors_retry_dead
from .oauth import salesforce_authorize, salesforce_callback
from .optouts import salesforce_group_unsync, salesforce_past_optouts
from .runs import run_cancel, run_detail, run_list, run_progress
from .settings import salesforce_settings

__all__ = [
    "error_list",
    "error_retry",
    "errors_retry_dead",
    "run_cancel",
    "run_detail",
    "run_list",
    "run_progress",
    "salesforce_authorize",
    "salesforce_callback",
    "salesforce_connect",
    "salesforce_connection",
    "salesforce_disconnect",
    "salesforce_group_unsync",
    "salesforce_past_optouts",
    "salesforce_pause",
    "salesforce_resume",
    "salesforce_settings",
    "salesforce_sync",
    "salesforce_test",
]
