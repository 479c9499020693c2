"""The SMS backend interface (SPEC MSG-9): console for development, memory for tests, Twilio in production.

`SMS_BACKEND` names the backend: `console`, `memory`, `twilio`, or the dotted path of an `SmsBackend` class.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

SHORT_NAMES = {
    "console": "marketing.messaging.backends.sms.ConsoleSmsBackend",
    "memory": "marketing.messaging.backends.sms.MemorySmsBackend",
    "twilio": "marketing.messaging.backends.twilio_sms.TwilioSmsBackend",
}


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    sender: str = ""
    status_callback: str = ""


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    status: str = "sent"
    error_code: str = ""
    error_message: str = ""


class SmsError(Exception):
    """The provider refused this message for good (an invalid number, an unsubscribed recipient…)."""

    def __init__(self, code: str | int = "", message: str = "", *, status: int | None = None) -> None:
        self.code = str(code) if code not in (None, "") else ""
        self.message = message
        self.status = status
        super().__init__(f"{self.code}: {message}" if self.code else message)


class SmsAccountError(SmsError):
    """The provider refuses the account itself (wrong credentials, suspended): no message would go.

    `send_many` raises it instead of returning it in every message's place; `results` holds what went before.
    """

    results: Sequence["SmsResult | SmsError"] = ()


class SmsTransientError(Exception):
    """Try again later: a network error, a timeout, the provider's 5xx.

    Raised by `send_many` too, with `results` holding the outcome of the messages before the failing one.
    """

    results: Sequence["SmsResult | SmsError"] = ()


class SmsThrottled(SmsTransientError):
    """The provider asks to slow down (HTTP 429); `retry_after` is in seconds when it says how long."""

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class SmsBackend:
    """Sends SMS. One instance may be kept for a whole batch (HTTP backends keep their connection open)."""

    def send(self, message: SmsMessage) -> SmsResult:
        raise NotImplementedError

    def send_many(self, messages: Iterable[SmsMessage]) -> list[SmsResult | SmsError]:
        """One result per message, in order; a message the provider refused gets its `SmsError` in its place."""
        results: list[SmsResult | SmsError] = []
        for message in messages:
            try:
                results.append(self.send(message))
            except (SmsAccountError, SmsTransientError) as exc:
                exc.results = results
                raise
            except SmsError as exc:
                results.append(exc)
        return results

    def close(self) -> None:
        pass

    def __enter__(self) -> "SmsBackend":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class ConsoleSmsBackend(SmsBackend):
    def send(self, message: SmsMessage) -> SmsResult:
        print(f"[sms] to={message.to} from={message.sender or '-'}: {message.body}", flush=True)
        return SmsResult(provider_id=f"console-{uuid.uuid4().hex}")


outbox: list[SmsMessage] = []


class MemorySmsBackend(SmsBackend):
    """Keeps sent messages in `marketing.messaging.backends.sms.outbox` (tests read it)."""

    def send(self, message: SmsMessage) -> SmsResult:
        outbox.append(message)
        return SmsResult(provider_id=f"memory-{len(outbox)}")


def sms_backend_class() -> type[SmsBackend]:
    name = settings.SMS_BACKEND or "console"
    return import_string(SHORT_NAMES.get(name, name))


def sms_backend() -> SmsBackend:
    """A new instance of the configured backend; keep it for a batch so its connection is reused."""
    return sms_backend_class()()
