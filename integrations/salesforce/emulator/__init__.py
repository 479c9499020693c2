"""A Salesforce org emulated over HTTPS, for tests, benchmarks and the demo (pure Python, no Django)."""

from .errors import ApiError
from .faults import Faults
from .org import Org
from .server import EmulatorServer
from .users import (
    ADMIN_USERNAME,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_SECURITY_TOKEN,
    INTEGRATION_USERNAME,
)

__all__ = [
    "ADMIN_USERNAME",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_SECURITY_TOKEN",
    "INTEGRATION_USERNAME",
    "ApiError",
    "EmulatorServer",
    "Faults",
    "Org",
]
