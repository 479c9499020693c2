"""Twilio's Messages API over plain HTTP, so `TWILIO_API_URL` can point at a local fake."""

import requests
from django.conf import settings

from .sms import SmsAccountError, SmsBackend, SmsError, SmsMessage, SmsResult, SmsThrottled, SmsTransientError

THROTTLED_CODE = 20429
# Codes about the account, not the message: wrong credentials, account suspended or closed, unknown account.
ACCOUNT_CODES = frozenset({20003, 20005, 20008, 20404})


class TwilioSmsBackend(SmsBackend):
    """One HTTP session per instance: keep the instance for a batch and the connection stays open."""

    timeout = (5, 30)  # connect, read (seconds)

    def __init__(
        self, *, account_sid: str | None = None, auth_token: str | None = None, api_url: str | None = None
    ) -> None:
        self.account_sid = settings.TWILIO_ACCOUNT_SID if account_sid is None else account_sid
        auth_token = settings.TWILIO_AUTH_TOKEN if auth_token is None else auth_token
        api_url = (settings.TWILIO_API_URL if api_url is None else api_url).rstrip("/")
        self.messages_url = f"{api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        self.session = requests.Session()
        self.session.auth = (self.account_sid, auth_token)
        self.session.headers["Accept"] = "application/json"

    def send(self, message: SmsMessage) -> SmsResult:
        data = {"To": message.to, "Body": message.body}
        if message.sender:
            service = message.sender.startswith("MG") and len(message.sender) == 34
            data["MessagingServiceSid" if service else "From"] = message.sender
        if message.status_callback:
            data["StatusCallback"] = message.status_callback
        try:
            response = self.session.post(self.messages_url, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SmsTransientError(f"Twilio could not be reached: {exc.__class__.__name__}") from exc
        return _result(response)

    def close(self) -> None:
        self.session.close()


def _result(response: requests.Response) -> SmsResult:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    status = response.status_code
    if status in (200, 201) and payload.get("sid"):
        return SmsResult(
            provider_id=payload["sid"],
            status=payload.get("status") or "queued",
            error_code=str(payload.get("error_code") or ""),
            error_message=payload.get("error_message") or "",
        )
    code = payload.get("code") or ""
    text = payload.get("message") or response.reason or ""
    if status == 429 or code == THROTTLED_CODE:
        raise SmsThrottled(f"Twilio throttled the request: {text}", retry_after=_retry_after(response))
    if status >= 500 or status < 400:
        raise SmsTransientError(f"Twilio answered {status}: {text}")
    if status in (401, 403, 404) or code in ACCOUNT_CODES:
        raise SmsAccountError(code, text, status=status)
    raise SmsError(code, text, status=status)


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None
