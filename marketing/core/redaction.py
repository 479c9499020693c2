"""Masking of credentials in log lines (DESIGN §2.9: secrets never in logs).

API tokens travel in the `Authorization` header, and — for the legacy endpoint — inside the `json=` query
parameter (`?json={"User": {"Username": …, "Token": …}}`), so request lines and URLs are masked too.
Pure functions of text: also loaded by gunicorn's master process, before Django is set up.
"""

import json
import logging
import re
from urllib.parse import quote, unquote_plus

MASK = "[redacted]"

# A generated token keeps its public id (it names the token on the tokens screen); the secret goes.
_GENERATED_TOKEN = re.compile(r"(mk_[a-z0-9]{12}_)[A-Za-z0-9_-]+")
_SENSITIVE_NAME = re.compile(r"token|passw|secret|api_?key|authorization|signature", re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"\b((?i:bearer|basic))(\s+)[A-Za-z0-9._~+/=-]{8,}")
_QUERY_IN_TEXT = re.compile(r"\?(\S+)")


def is_sensitive_name(name: str) -> bool:
    return bool(_SENSITIVE_NAME.search(name))


def mask_tokens(text: str) -> str:
    """Every generated API token in `text`, anywhere, with its secret part masked."""
    return _GENERATED_TOKEN.sub(rf"\g<1>{MASK}", text)


def _mask_json(value):
    if isinstance(value, dict):
        return {k: MASK if is_sensitive_name(str(k)) else _mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


def _redact_json_parameter(encoded: str) -> str:
    try:
        masked = json.dumps(_mask_json(json.loads(unquote_plus(encoded))), ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        return MASK  # not readable (or nested past any real use), so no telling where a token sits in it
    return quote(masked, safe="")


def redact_query(query: str) -> str:
    """A query string with the `json=` document's credentials and any token- or password-named value masked.

    Parameters are rewritten one by one, so the others keep their exact encoding.
    """
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        key = unquote_plus(name)
        if sep and key.lower() == "json":
            value = _redact_json_parameter(value)
        elif sep and is_sensitive_name(key):
            value = MASK
        parts.append(f"{name}{sep}{value}")
    return mask_tokens("&".join(parts))


def redact_text(text: str) -> str:
    """Free text (a request line, a URL, a log message): every query string in it, auth header values and
    generated tokens masked."""
    text = _QUERY_IN_TEXT.sub(lambda match: "?" + redact_query(match.group(1)), text)
    return mask_tokens(_AUTH_SCHEME.sub(rf"\g<1>\g<2>{MASK}", text))


def redact_authorization(value: str) -> str:
    """`Bearer mk_…` → `Bearer [redacted]`: the scheme stays, as it helps debugging."""
    scheme, _, credentials = value.strip().partition(" ")
    return f"{scheme} {MASK}" if credentials else MASK


class RedactSecretsFilter(logging.Filter):
    """A logging filter that masks credentials in the final message of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a broken record is logging's own business, not ours
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
