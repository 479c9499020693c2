"""The providers this platform can connect to. Each registers itself when the app is ready."""

from django.utils.translation import gettext as _

from marketing.core.errors import NotFound

from .base import Provider

_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Add `provider` (registering the same key again replaces it)."""
    _providers[provider.key] = provider
    return provider


def get(key: str) -> Provider:
    try:
        return _providers[key]
    except KeyError:
        raise NotFound(_("There is no integration called “%(key)s”.") % {"key": key}) from None


def all() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: p.key)
