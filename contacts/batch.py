"""A batch of contacts sent by a caller (the REST batch, the legacy Contact/Update): one result per item.

Each item is the upsert row it became, or the reason it was refused before the engine saw it. The accepted
rows go through `contacts_upsert` (one call per `handle_events` value); each outcome is mapped back to the
item's position, and the refused items come back rejected with their reason. The endpoints only dress the
results in their own answer shapes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from marketing.accounts.models import Account

from . import selectors
from .models import CustomField, Group
from .upsert import LEGACY_SLOTS, FieldCatalog, Policy, Status, contacts_upsert

MAX_NUMBER_EXPONENT = 300  # a custom number beyond 1e300 is a typo, and too big to store as JSON
LEGACY_NUMBER_SLOTS = frozenset(slot for slot in LEGACY_SLOTS if slot.startswith("Number"))
STATUSES = (Status.NEW, Status.UPDATED, Status.UNCHANGED, Status.REJECTED)


@dataclass
class BatchItem:
    """One contact of a batch: the row for the engine, or why it was refused before it (`refused`)."""

    index: int  # its position in the request, from 0
    row: dict | None = None
    refused: str = ""
    handle_events: bool = True


@dataclass(frozen=True)
class ItemResult:
    index: int
    status: str
    contact_id: int | None = None
    reason: str = ""


def contacts_batch_run(
    *,
    account: Account,
    items: Iterable[BatchItem],
    policy: Policy,
    source: str,
    groups: Iterable[Group] = (),
    actor=None,
    catalog: FieldCatalog | None = None,
) -> list[ItemResult]:
    """Save the accepted items through the upsert engine; one result per item, in the order of `index`.

    `groups` are joined by every saved contact; `actor` (a User or an ApiToken) is recorded on the groups the
    rows create by name. `catalog`: the account's custom fields, when the caller has read them already.
    """
    items = list(items)
    groups = list(groups)
    results: dict[int, ItemResult] = {}
    for item in items:
        if item.refused or item.row is None:
            results[item.index] = ItemResult(item.index, Status.REJECTED, None, item.refused)
    for handle_events in (True, False):
        batch = [item for item in items if item.index not in results and item.handle_events is handle_events]
        if not batch:
            continue
        upserted = contacts_upsert(
            account=account,
            rows=[item.row for item in batch],
            policy=policy,
            source=source,
            groups=groups,
            handle_events=handle_events,
            keep_outcomes=True,
            actor=actor,
            catalog=catalog,
        )
        for outcome in upserted.outcomes:
            index = batch[outcome.index - 1].index  # the engine numbers its rows from 1
            results[index] = ItemResult(index, outcome.status, outcome.contact_id, outcome.reason)
    return [results[index] for index in sorted(results)]


def batch_counts(results: Iterable[ItemResult]) -> dict[str, int]:
    """{status: how many} for every status, zeros included."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] += 1
    return counts


# --- numbers no custom field can store, refused before the engine, with the reason ----------------------


def number_field_names(*, account: Account) -> set[str]:
    """API names of the account's number fields, with the legacy Number slots (created on first use)."""
    names = selectors.custom_field_list(account=account).filter(kind=CustomField.Kind.NUMBER)
    return set(names.values_list("api_name", flat=True)) | LEGACY_NUMBER_SLOTS


def number_problem(value) -> str:
    """Why a number field cannot take `value` (infinity, NaN, an absurd size); "" when the engine may judge it."""
    if value is None or isinstance(value, bool):
        return ""
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return ""  # not a number at all: the upsert engine rejects it with its own reason
    if not number.is_finite() or number.adjusted() > MAX_NUMBER_EXPONENT:
        return _("“%(value)s” is not a number that can be stored.") % {"value": value}
    return ""


def custom_problems(custom: dict, number_names: set[str]) -> dict[str, str]:
    """{api name: reason} for custom values no number field can store."""
    problems = {}
    for api_name, value in (custom or {}).items():
        if api_name in number_names and (reason := number_problem(value)):
            problems[api_name] = reason
    return problems
