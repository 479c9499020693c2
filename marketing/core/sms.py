"""The SMS backend interface (SPEC MSG-9): console for development, memory for tests.

Real HTTP providers implement `SmsBackend` too; `SMS_BACKEND` names the class.
"""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    sender: str = ""


@dataclass(frozen=True)
class SmsResult:
    provider_id: str


class SmsBackend:
    def send(self, message: SmsMessage) -> SmsResult:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, message: SmsMessage) -> SmsResult:
        print(f"[sms] to={message.to} from={message.sender or '-'}: {message.body}", flush=True)
        return SmsResult(provider_id=f"console-{uuid.uuid4().hex}")


outbox: list[SmsMessage] = []


class MemorySmsBackend(SmsBackend):
    """Keeps sent messages in `marketing.core.sms.outbox` (tests read it)."""

    def send(self, message: SmsMessage) -> SmsResult:
        outbox.append(message)
        return SmsResult(provider_id=f"memory-{len(outbox)}")


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
