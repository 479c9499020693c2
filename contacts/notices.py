"""What other features hold of a contact, said where a person decides about it (e.g. before deleting it).

Contacts know nothing of integrations; an integration registers a function here instead, returning
sentences for the screen in the reader's language.
"""

from collections.abc import Callable

from marketing.accounts.models import Account

_DELETE_NOTICES: list[Callable[[Account, list[int]], list[str]]] = []


def delete_notices_provider(provider: Callable[[Account, list[int]], list[str]]):
    """Register `provider(account, contact_ids)`, which tells what deleting these contacts means to its feature."""
    _DELETE_NOTICES.append(provider)
    return provider


def contact_delete_notices(*, account: Account, contact_ids: list[int]) -> list[str]:
    return [notice for provider in _DELETE_NOTICES for notice in provider(account, contact_ids)]
