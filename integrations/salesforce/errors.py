"""What can go wrong talking to Salesforce, each with a message that says what to do (SPEC SF-18)."""

from datetime import datetime

from marketing.core.errors import ApplicationError, TransientError


class SalesforceAuthError(ApplicationError):
    """Salesforce refused to sign in. `code` says why:

    - salesforce_bad_credentials: wrong username, password or security token (or JWT user)
    - salesforce_bad_client: unknown client id, or wrong client secret
    - salesforce_reconnect: the saved authorization was revoked or expired
    - salesforce_authorization_failed: the sign-in round trip could not be completed
    - salesforce_session_rejected: a freshly renewed session was refused at once
    - salesforce_auth_failed: anything else the token endpoint refused
    """

    code = "salesforce_auth_failed"
    status = 400


class SalesforceApiDisabled(ApplicationError):
    code = "salesforce_api_disabled"
    status = 400


class SalesforceTlsError(ApplicationError):
    code = "salesforce_tls"
    status = 400


class SalesforceRequestError(ApplicationError):
    """Salesforce answered a request with an error that retrying will not fix.

    `details["errors"]` holds Salesforce's `[{"message", "errorCode", "fields"}]`.
    """

    code = "salesforce_error"
    status = 400

    @property
    def error_code(self) -> str:
        errors = self.details.get("errors") or [{}]
        return errors[0].get("errorCode", "")


class ApiLimitReached(ApplicationError):
    """No more API calls for now; the caller stops and tries again from `resume_at` without losing work."""

    code = "api_limit_reached"
    status = 429

    def __init__(self, message: str, *, resume_at: datetime, code: str | None = None, details=None):
        super().__init__(message, code=code, details=details)
        self.resume_at = resume_at


class SalesforceLimitExceeded(ApiLimitReached):
    """Salesforce answered REQUEST_LIMIT_EXCEEDED: the organization's API limit is used up."""

    code = "salesforce_limit_exceeded"


class BudgetExhausted(ApiLimitReached):
    """Our own budget (daily share or hourly cap) would be passed by the next call (SPEC SF-15)."""

    code = "api_budget_exhausted"

    def __init__(self, reason: str, *, resume_at: datetime, details=None):
        super().__init__(reason, resume_at=resume_at, details=details)
        self.reason = self.message


class SalesforceUnavailable(TransientError):
    """Salesforce could not be reached, was busy, or a row was locked: retry later."""
