"""The connector interface (SPEC INT-1): a provider descriptor, a runtime bound to one connection.

Core code talks to providers only through `integrations.registry`; each connector is an app of its own that
registers its provider when it is ready.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from .models import Connection, SyncRun


@dataclass(frozen=True)
class ConnectionStatus:
    """The outcome of testing a connection. `code` is "ok" or the error's code; `message` is for the person who
    is here, in the active language; `text` is the same message as stored text (`marketing.core.texts`), kept on
    the connection and read by each reader in their own language (empty: `message` is stored as it is).

    `passing` marks a failure that says nothing about the connection itself (unreachable, out of API calls):
    the next try may work, so the connection is not marked as needing attention. `config` is what a successful
    test learned that the connection keeps in its config (e.g. who it is in the outside system).
    """

    ok: bool
    code: str = "ok"
    message: str = ""
    text: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    passing: bool = False
    config: dict[str, Any] = field(default_factory=dict)


class Runtime(Protocol):
    connection: "Connection"

    def test(self) -> ConnectionStatus:
        """Reach the outside system with the saved credentials; never raises for a refusal."""
        ...

    def sync(self, *, full: bool = False) -> "SyncRun":
        """One sync run now (everything again with `full`), recorded as a SyncRun. Raises ApplicationError
        when the connection cannot sync (paused, disconnected, failing) and TransientError to be retried."""
        ...

    def revoke(self) -> None:
        """Tell the outside system to forget this platform's tokens (best effort)."""
        ...


class Provider(Protocol):
    key: ClassVar[str]
    name: ClassVar[str]
    features: ClassVar[frozenset[str]]
    # Keys of `Connection.credentials` a person gave that connecting again reuses (an app's secret, a signing
    # key); a disconnect forgets every other credential (tokens, passwords).
    reusable_credentials: ClassVar[frozenset[str]]

    def validate(self, connection: "Connection") -> None:
        """Refuse, with an ApplicationError naming the field in `details["field"]`, a connection this provider
        cannot sign in with. Called by `connection_save` before anything is written."""
        ...

    def runtime(self, connection: "Connection") -> Runtime: ...
