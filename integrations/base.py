"""The connector interface (SPEC INT-1): a provider descriptor, a runtime bound to one connection.

Core code talks to providers only through `integrations.registry`.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from .models import Connection


@dataclass(frozen=True)
class ConnectionStatus:
    """The outcome of testing a connection. `code` is "ok" or the error's code; `message` is for people."""

    ok: bool
    code: str = "ok"
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Runtime(Protocol):
    connection: "Connection"

    def test(self) -> ConnectionStatus:
        """Reach the outside system with the saved credentials; never raises for a refusal."""
        ...

    def revoke(self) -> None:
        """Tell the outside system to forget this platform's tokens (best effort)."""
        ...


class Provider(Protocol):
    key: ClassVar[str]
    name: ClassVar[str]
    features: ClassVar[frozenset[str]]

    def runtime(self, connection: "Connection") -> Runtime: ...
