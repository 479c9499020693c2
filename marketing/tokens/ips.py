"""Allowed-IP lists and the client address (SPEC TOK-2)."""

import ipaddress
import logging
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _

from marketing.core.errors import ApplicationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

logger = logging.getLogger(__name__)


def _unmapped(address: Address) -> Address:
    """::ffff:192.0.2.1 is 192.0.2.1."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_address(value: str) -> Address | None:
    try:
        return _unmapped(ipaddress.ip_address(value.strip().split("%", 1)[0]))
    except ValueError:
        return None


def _network(value: str) -> Network:
    value = value.strip()
    address = parse_address(value) if "/" not in value else None
    if address is not None:
        return ipaddress.ip_network(address)
    network = ipaddress.ip_network(value, strict=False)
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
        mapped = network.network_address.ipv4_mapped
        return ipaddress.ip_network(f"{mapped}/{max(network.prefixlen - 96, 0)}", strict=False)
    return network


def allowed_ips_clean(values: Iterable[str]) -> list[str]:
    """Normalize a list of addresses and CIDR ranges; refuse anything else with the culprit named."""
    cleaned: list[str] = []
    for raw in values:
        raw = (raw or "").strip()
        if not raw:
            continue
        try:
            network = _network(raw)
        except ValueError as exc:
            raise ApplicationError(
                _("“%(value)s” is not an IP address or a CIDR range (e.g. 203.0.113.7 or 203.0.113.0/24).")
                % {"value": raw},
                code="invalid_ip",
            ) from exc
        text = str(network.network_address) if network.num_addresses == 1 else str(network)
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def ip_allowed(address: str | None, allowed: list[str]) -> bool:
    if not allowed:
        return True
    parsed = parse_address(address or "")
    if parsed is None:
        return False
    return any(parsed in _network(item) for item in allowed)


def invalid_networks(values: Iterable[str]) -> list[str]:
    """The entries that are neither an IP address nor a CIDR range (`manage.py check --deploy` names them)."""
    invalid = []
    for value in values:
        if not value.strip():
            continue
        try:
            _network(value)
        except ValueError:
            invalid.append(value)
    return invalid


@lru_cache(maxsize=8)
def _trusted_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES parsed once per value. A bad entry (a host name, a typo) trusts nothing instead of
    failing every request: the proxy's own address is then the client, the safe side."""
    invalid = invalid_networks(values)
    if invalid:
        logger.error("TRUSTED_PROXIES entries ignored, not IP addresses or CIDR ranges: %s", ", ".join(invalid))
    return tuple(_network(value) for value in values if value.strip() and value not in invalid)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = parse_address(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_ip(request) -> str:
    """REMOTE_ADDR, unless it is a trusted proxy: then the nearest untrusted address in X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not _trusted(remote, networks):
        return str(parse_address(remote) or remote)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop, networks):
            return str(parse_address(hop) or hop)
    return str(parse_address(remote) or remote)
