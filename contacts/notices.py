"""What other features hold of a contact, said where a person decides about it (e.g. before deleting it).

Contacts know nothing of integrations; an integration registers a function here instead, returning
sentences for the screen in the reader's language.
"""

from collections.abc import Callable, Iterable

from django.db.models import QuerySet

from marketing.accounts.models import Account

# The contacts to be deleted: a list of ids, or a query of ids (a selection of a million contacts stays a query).
ContactIds = Iterable[int] | QuerySet

_DELETE_NOTICES: list[Callable[[Account, ContactIds, int], list[str]]] = []


def delete_notices_provider(provider: Callable[[Account, ContactIds, int], list[str]]):
    """Register `provider(account, contact_ids, selected)`, which tells what deleting these contacts (`selected`
    of them) means to its feature, counts included."""
    _DELETE_NOTICES.append(provider)
    return provider


def contact_delete_notices(*, account: Account, contact_ids: ContactIds, selected: int | None = None) -> list[str]:
    if selected is None:
        contact_ids = list(contact_ids)
        selected = len(contact_ids)
    return [notice for provider in _DELETE_NOTICES for notice in provider(account, contact_ids, selected)]
