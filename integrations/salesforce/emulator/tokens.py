"""OAuth state: authorization codes, access tokens and refresh tokens, all in memory."""

import secrets
import threading
import time
from dataclasses import dataclass

CODE_LIFETIME_SECONDS = 15 * 60


@dataclass(frozen=True)
class Grant:
    user_id: str
    client_id: str
    refresh_token: str | None = None


@dataclass(frozen=True)
class Code:
    user_id: str
    client_id: str
    redirect_uri: str
    challenge: str | None
    challenge_method: str | None
    issued: float


class TokenStore:
    def __init__(self, prefix: str):
        self._prefix = prefix  # access tokens start with the 15-character org id, as Salesforce's do
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._access: dict[str, Grant] = {}
            self._refresh: dict[str, Grant] = {}
            self._codes: dict[str, Code] = {}

    def issue_access(self, user_id: str, client_id: str, refresh_token: str | None = None) -> str:
        token = f"{self._prefix}!{secrets.token_urlsafe(72)}"
        with self._lock:
            self._access[token] = Grant(user_id, client_id, refresh_token)
        return token

    def issue_refresh(self, user_id: str, client_id: str) -> str:
        token = "5Aep" + secrets.token_urlsafe(64)
        with self._lock:
            self._refresh[token] = Grant(user_id, client_id, token)
        return token

    def access(self, token: str) -> Grant | None:
        return self._access.get(token)

    def refresh(self, token: str) -> Grant | None:
        return self._refresh.get(token)

    def issue_code(
        self, user_id: str, client_id: str, redirect_uri: str, challenge: str | None, challenge_method: str | None
    ) -> str:
        code = "aPrx" + secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = Code(user_id, client_id, redirect_uri, challenge, challenge_method, time.monotonic())
        return code

    def take_code(self, code: str) -> Code | None:
        """A code works once; an expired one is gone too."""
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or time.monotonic() - found.issued > CODE_LIFETIME_SECONDS:
            return None
        return found

    def expire_access(self) -> None:
        with self._lock:
            self._access.clear()

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh.clear()

    def revoke(self, token: str) -> bool:
        """Revoking a refresh token also ends the access tokens issued from it."""
        with self._lock:
            if self._access.pop(token, None) is not None:
                return True
            if self._refresh.pop(token, None) is None:
                return False
            for key in [key for key, grant in self._access.items() if grant.refresh_token == token]:
                del self._access[key]
            return True
