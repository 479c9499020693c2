"""Outbound channel backends (SPEC MSG-9): SMS through console, memory or Twilio."""

from .sms import (
    SmsAccountError,
    SmsBackend,
    SmsError,
    SmsMessage,
    SmsResult,
    SmsThrottled,
    SmsTransientError,
    sms_backend,
)

__all__ = [
    "SmsAccountError",
    "SmsBackend",
    "SmsError",
    "SmsMessage",
    "SmsResult",
    "SmsThrottled",
    "SmsTransientError",
    "sms_backend",
]
